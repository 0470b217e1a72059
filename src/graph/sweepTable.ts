/**
 * What a node or the wiring keeps per sweep in flight, keyed by the sweep's id. While
 * training, one sweep is usually in flight at a time, and a `Map` that gains and loses one
 * entry per sweep reallocates its hash table each time it empties (V8 shrinks it). So one
 * sweep lives in a slot of its own and only further ones go to a `Map`, created when first
 * needed: the common case allocates nothing.
 */
export class SweepTable<T> {
  private slotUsed = false;
  private slotId = 0;
  private slotValue: T | undefined;
  private overflow: Map<number, T> | undefined;

  /** Entries held. */
  get size(): number {
    return (this.slotUsed ? 1 : 0) + (this.overflow?.size ?? 0);
  }

  get(id: number): T | undefined {
    return this.slotUsed && id === this.slotId ? this.slotValue : this.overflow?.get(id);
  }

  set(id: number, value: T): void {
    if (this.slotUsed ? id === this.slotId : !this.overflow?.has(id)) {
      this.slotUsed = true;
      this.slotId = id;
      this.slotValue = value;
    } else {
      (this.overflow ??= new Map()).set(id, value);
    }
  }

  delete(id: number): void {
    if (this.slotUsed && id === this.slotId) {
      this.slotUsed = false;
      this.slotValue = undefined;
    } else {
      this.overflow?.delete(id);
    }
  }

  clear(): void {
    this.slotUsed = false;
    this.slotValue = undefined;
    this.overflow = undefined;
  }
}
