// PenguinMails' round-robin of detail refreshes (src/vendors/penguinmails/round-robin.ts): which
// listed leads come next after the last one refreshed, picked while a scan streams by.
import { describe, expect, it } from 'vitest';
import { RoundRobinPick } from '../src/vendors/penguinmails/round-robin.js';

function pick(ids: readonly string[], afterId: string | null, limit: number): string[] {
  const p = new RoundRobinPick<string>(afterId, limit);
  for (const id of ids) p.offer(id, `row ${id}`);
  return p.picked().map(([id, row]) => {
    expect(row).toBe(`row ${id}`);
    return id;
  });
}

describe('RoundRobinPick', () => {
  const ids = ['a10', 'a-2', 'B', 'b', 'a2'];

  it('walks ids in code unit order from after an id, wrapping around to the first', () => {
    // "B" < "a-2" < "a10" < "a2" < "b" (not a locale's order), whatever order the listing had.
    expect(pick(ids, null, 10)).toEqual(['B', 'a-2', 'a10', 'a2', 'b']);
    expect(pick(ids, 'a10', 2)).toEqual(['a2', 'b']);
    expect(pick(ids, 'a2', 3)).toEqual(['b', 'B', 'a-2']);
    // A whole circle ends with the id it started after.
    expect(pick(ids, 'a-2', 10)).toEqual(['a10', 'a2', 'b', 'B', 'a-2']);
    // An id the listing no longer has is still a position in the circle.
    expect(pick(ids, 'a3', 2)).toEqual(['b', 'B']);
  });

  it('keeps a lead listed twice once, with its latest row, and picks nothing at limit 0', () => {
    const p = new RoundRobinPick<number>(null, 2);
    for (const [id, v] of [['x', 1], ['y', 1], ['x', 2], ['w', 1]] as const) p.offer(id, v);
    expect(p.picked()).toEqual([['w', 1], ['x', 2]]);
    expect(pick(ids, null, 0)).toEqual([]);
  });

  it('keeps only the ones it may pick while a large listing streams by', () => {
    const p = new RoundRobinPick<null>('l5000', 3);
    for (let i = 9999; i >= 0; i--) p.offer(`l${i}`, null);
    expect(p.picked().map(([id]) => id)).toEqual(['l5001', 'l5002', 'l5003']);
  });
});
