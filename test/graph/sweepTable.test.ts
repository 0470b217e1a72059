import { describe, expect, it } from 'vitest';
import { SweepTable } from '../../src/graph/sweepTable.ts';

describe('SweepTable', () => {
  it('keeps one sweep in its slot and further ones beside it, each under its id', () => {
    const table = new SweepTable<string>();
    table.set(7, 'a');
    table.set(8, 'b');
    table.set(9, 'c');
    expect([table.get(7), table.get(8), table.get(9), table.get(10)]).toEqual(['a', 'b', 'c', undefined]);
    expect(table.size).toBe(3);
    table.delete(7);
    expect([table.get(7), table.get(8), table.get(9)]).toEqual([undefined, 'b', 'c']);
    table.set(10, 'd'); // the free slot takes it
    table.set(8, 'B'); // replaces, never duplicates
    expect([table.get(8), table.get(9), table.get(10), table.size]).toEqual(['B', 'c', 'd', 3]);
    table.delete(8);
    table.delete(9);
    table.delete(10);
    expect(table.size).toBe(0);
  });

  it('does not give a slot to an id already held beside it', () => {
    const table = new SweepTable<number>();
    table.set(1, 10);
    table.set(2, 20);
    table.delete(1);
    table.set(2, 21);
    expect([table.get(2), table.size]).toEqual([21, 1]);
    table.delete(2);
    expect([table.get(2), table.size]).toEqual([undefined, 0]);
  });

  it('holds id 0 and forgets everything on clear', () => {
    const table = new SweepTable<string>();
    table.set(0, 'zero');
    table.set(1, 'one');
    expect(table.get(0)).toBe('zero');
    table.clear();
    expect([table.get(0), table.get(1), table.size]).toEqual([undefined, undefined, 0]);
  });
});
