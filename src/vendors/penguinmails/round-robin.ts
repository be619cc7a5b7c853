// Which unchanged leads get their details re-read this poll: the `limit` live leads that come next
// after the last one refreshed, in id order, wrapping around to the smallest ids. Picked while the
// scan streams by (the listing is complete enough: a lead it does not list is not refreshed), so
// the adapter needs no snapshot query of its own and keeps at most 2 × `limit` rows.

/** Ids in code unit order (the snapshot's byte order for ASCII ids). */
const before = (a: string, b: string) => a < b;

export class RoundRobinPick<T> {
  /** Ids after `afterId`, ascending, at most `limit`. */
  readonly #after: Array<[string, T]> = [];
  /** Ids up to and including `afterId` (the wrap-around), ascending, at most `limit`. */
  readonly #wrap: Array<[string, T]> = [];

  constructor(
    private readonly afterId: string | null,
    private readonly limit: number,
  ) {}

  /** A listed lead that may be refreshed; listed again, its latest value counts. */
  offer(id: string, value: T): void {
    if (this.limit <= 0) return;
    const list = this.afterId === null || before(this.afterId, id) ? this.#after : this.#wrap;
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (before(list[mid]![0], id)) lo = mid + 1;
      else hi = mid;
    }
    if (list[lo]?.[0] === id) {
      list[lo] = [id, value];
      return;
    }
    if (lo >= this.limit) return;
    list.splice(lo, 0, [id, value]);
    if (list.length > this.limit) list.pop();
  }

  /** The picked leads in refresh order: those after `afterId`, then the wrap-around. */
  picked(): Array<[string, T]> {
    return [...this.#after, ...this.#wrap].slice(0, this.limit);
  }
}
