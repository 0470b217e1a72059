/**
 * The float64 tensor: a row-major `Float64Array` and its shape. Axis 0 is the batch.
 *
 * Tensors are plain values. Layers never modify the tensors they are given; the only
 * code that writes into an existing tensor's `data` is an optimizer updating parameters
 * (and the verifier, which sets parameter values it draws).
 */

/** A nested array of numbers, as accepted by {@link tensor}. */
export type NestedNumbers = number | readonly NestedNumbers[];

/** Thrown when shapes do not fit; the message names the operation and every shape involved. */
export class ShapeError extends Error {
  /** Always `'ShapeError'`: what stack traces and `String(error)` show before the message. */
  override readonly name = 'ShapeError';
}

/** An n-dimensional float64 array, row-major. */
export class Tensor {
  /** Number of elements (product of the shape; 1 for a scalar of shape []). */
  readonly size: number;

  constructor(
    /** The elements in row-major order (the last axis varies fastest); its length is `size`. */
    readonly data: Float64Array,
    /** Length of each axis, axis 0 first; [] for a scalar. */
    readonly shape: readonly number[],
  ) {
    if (!(data instanceof Float64Array)) throw new TypeError(`Tensor: data must be a Float64Array, got ${describe(data)}`);
    const size = sizeOf(shape, 'Tensor');
    if (size !== data.length) {
      throw new ShapeError(`Tensor: shape ${formatShape(shape)} holds ${size} elements, but data has ${data.length}`);
    }
    this.size = size;
  }

  /** Number of axes. */
  get rank(): number {
    return this.shape.length;
  }

  /** The values as nested arrays (a plain number for rank 0). */
  toArray(): NestedNumbers {
    return nest(this.data, this.shape, 0, 0);
  }

  /** The same data viewed with another shape of the same size (no copy). */
  reshape(shape: readonly number[]): Tensor {
    const size = sizeOf(shape, 'reshape');
    if (size !== this.size) {
      throw new ShapeError(`reshape: cannot view ${formatShape(this.shape)} (${this.size} elements) as ${formatShape(shape)} (${size})`);
    }
    return new Tensor(this.data, shape.slice());
  }

  /** A deep copy. */
  clone(): Tensor {
    return new Tensor(this.data.slice(), this.shape.slice());
  }

  /** The value at a multi-index. */
  get(...index: number[]): number {
    return this.data[flatIndex(this.shape, index)]!;
  }

  /** The shape, then the values as nested arrays in JSON: `Tensor[2, 2] [[1,2],[3,4]]`. */
  toString(): string {
    return `Tensor${formatShape(this.shape)} ${JSON.stringify(this.toArray())}`;
  }
}

/**
 * Makes a tensor from a number, nested arrays or a Float64Array.
 * With `shape`, the values are read row-major into that shape (a Float64Array is used without copy).
 *
 * @example tensor([[1, 2], [3, 4]])          // shape [2, 2]
 * @example tensor(new Float64Array(6), [2, 3])
 */
export function tensor(value: NestedNumbers | Float64Array | readonly number[], shape?: readonly number[]): Tensor {
  if (shape !== undefined) sizeOf(shape, 'tensor');
  if (value instanceof Float64Array) {
    return new Tensor(value, shape ? shape.slice() : [value.length]);
  }
  if (typeof value === 'number') {
    const data = Float64Array.of(value);
    return shape ? new Tensor(data, shape.slice()) : new Tensor(data, []);
  }
  if (!Array.isArray(value)) {
    throw new TypeError(`tensor: expected a number, nested number arrays or a Float64Array, got ${describe(value)}`);
  }
  const inferred = inferShape(value);
  const data = new Float64Array(sizeOf(inferred, 'tensor'));
  fill(value, inferred, 0, data, 0);
  if (!shape) return new Tensor(data, inferred);
  return new Tensor(data, shape.slice());
}

/** A tensor of zeros. */
export function zeros(shape: readonly number[]): Tensor {
  return new Tensor(new Float64Array(sizeOf(shape, 'zeros')), shape.slice());
}

/** A tensor filled with one value. */
export function full(shape: readonly number[], value: number): Tensor {
  if (typeof value !== 'number') throw new TypeError(`full: the value must be a number, got ${describe(value)}`);
  return new Tensor(new Float64Array(sizeOf(shape, 'full')).fill(value), shape.slice());
}

/** A zero tensor of another tensor's shape. */
export function zerosLike(t: Tensor): Tensor {
  assertTensor(t, 'zerosLike');
  return new Tensor(new Float64Array(t.size), t.shape.slice());
}

/** Product of a shape's dimensions, validating that each is a non-negative integer. */
export function sizeOf(shape: readonly number[], where: string): number {
  if (!Array.isArray(shape)) throw new ShapeError(`${where}: a shape must be an array of integers, got ${describe(shape)}`);
  let size = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) {
      throw new ShapeError(`${where}: shape ${formatShape(shape)} has a dimension that is not a non-negative integer (${describe(d)})`);
    }
    size *= d;
  }
  if (size > 2 ** 31) throw new ShapeError(`${where}: shape ${formatShape(shape)} would hold ${size} elements, more than 2^31`);
  return size;
}

/** `[2, 3]` for a shape; used in every error message. */
export function formatShape(shape: readonly unknown[]): string {
  return `[${shape.map((d) => (typeof d === 'number' ? String(d) : describe(d))).join(', ')}]`;
}

/** True when two shapes are equal. */
export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Throws a TypeError naming `where` unless `value` is a Tensor: every kernel's first check. */
export function assertTensor(value: unknown, where: string): asserts value is Tensor {
  if (!(value instanceof Tensor)) throw new TypeError(`${where}: expected a Tensor, got ${describe(value)}`);
}

/** Throws a ShapeError naming `operation` unless the two tensors have the same shape (a TypeError unless both are tensors). */
export function assertSameShape(operation: string, a: Tensor, b: Tensor): void {
  assertTensor(a, operation);
  assertTensor(b, operation);
  if (!sameShape(a.shape, b.shape)) {
    throw new ShapeError(`${operation}: shapes ${formatShape(a.shape)} and ${formatShape(b.shape)} differ`);
  }
}

/** Row-major offset of a multi-index. */
export function flatIndex(shape: readonly number[], index: readonly number[]): number {
  if (index.length !== shape.length) {
    throw new ShapeError(`index ${formatShape(index)} has ${index.length} axes, the tensor ${formatShape(shape)} has ${shape.length}`);
  }
  let offset = 0;
  for (let axis = 0; axis < shape.length; axis++) {
    const i = index[axis]!;
    if (!Number.isInteger(i) || i < 0 || i >= shape[axis]!) {
      throw new RangeError(`index ${formatShape(index)} is outside shape ${formatShape(shape)}`);
    }
    offset = offset * shape[axis]! + i;
  }
  return offset;
}

/** Multi-index of a row-major offset. */
export function unflatIndex(shape: readonly number[], offset: number): number[] {
  const index = new Array<number>(shape.length);
  for (let axis = shape.length - 1; axis >= 0; axis--) {
    const d = shape[axis]!;
    index[axis] = offset % d;
    offset = Math.floor(offset / d);
  }
  return index;
}

/** A short description of any value for error messages. */
export function describe(value: unknown): string {
  if (value instanceof Tensor) return `a tensor of shape ${formatShape(value.shape)}`;
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : String(value);
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value);
  if (typeof value === 'object') return `an object (${(value as object).constructor?.name ?? 'Object'})`;
  if (value === undefined) return 'undefined';
  if (typeof value === 'function') return `a function${value.name ? ` (${value.name})` : ''}`; // never its source
  return `${typeof value} ${String(value)}`;
}

function inferShape(value: readonly NestedNumbers[]): number[] {
  const shape: number[] = [];
  let level: NestedNumbers = value;
  while (Array.isArray(level)) {
    shape.push(level.length);
    if (level.length === 0) break;
    level = level[0] as NestedNumbers;
  }
  return shape;
}

function fill(value: NestedNumbers, shape: readonly number[], axis: number, out: Float64Array, offset: number): number {
  if (axis === shape.length) {
    if (typeof value !== 'number') throw new ShapeError(`tensor: ragged nested array; expected a number at depth ${axis}, got ${describe(value)}`);
    out[offset] = value;
    return offset + 1;
  }
  if (!Array.isArray(value) || value.length !== shape[axis]) {
    throw new ShapeError(`tensor: ragged nested array; expected ${shape[axis]} entries at depth ${axis} (shape ${formatShape(shape)}), got ${describe(value)}`);
  }
  for (const item of value as readonly NestedNumbers[]) offset = fill(item, shape, axis + 1, out, offset);
  return offset;
}

function nest(data: Float64Array, shape: readonly number[], axis: number, offset: number): NestedNumbers {
  if (axis === shape.length) return data[offset]!;
  const d = shape[axis]!;
  let stride = 1;
  for (let i = axis + 1; i < shape.length; i++) stride *= shape[i]!;
  const out: NestedNumbers[] = new Array(d);
  for (let i = 0; i < d; i++) out[i] = nest(data, shape, axis + 1, offset + i * stride);
  return out;
}
