// Compiled filters per subscription: compiled when a subscription's filter is first seen or changed,
// never per event. Fan-out hands over the same subscription objects for a whole batch (a WeakMap hit);
// a fresh read of an unchanged subscription costs one JSON.stringify of its filter to recognise it.
import { compileFilter, type Predicate } from './compile.js';
import { parseFilter } from './parse.js';

/** A stored filter that no longer parses (written by hand into the database) matches nothing. */
const NOTHING: Predicate = () => false;

export class FilterCache {
  private readonly byObject = new WeakMap<object, Predicate>();
  private readonly byId = new Map<string, { text: string; predicate: Predicate }>();
  /** Compilations so far (tests and the benchmark check that it is once per change). */
  compiled = 0;

  constructor(private readonly onInvalid?: (subscriptionId: string, problem: string) => void) {}

  /** The subscription's compiled filter; null when it has none (every event matches). */
  get(sub: { id: string; filter: object | null }): Predicate | null {
    const filter = sub.filter;
    if (filter === null) return null;
    const hit = this.byObject.get(filter);
    if (hit) return hit;
    const text = JSON.stringify(filter);
    let entry = this.byId.get(sub.id);
    if (!entry || entry.text !== text) {
      entry = { text, predicate: this.compile(sub.id, filter) };
      this.byId.set(sub.id, entry);
    }
    this.byObject.set(filter, entry.predicate);
    return entry.predicate;
  }

  /** Drops subscriptions not in `ids` (deleted ones), so the map does not grow for ever. */
  retain(ids: ReadonlySet<string>): void {
    for (const id of this.byId.keys()) if (!ids.has(id)) this.byId.delete(id);
  }

  private compile(id: string, filter: object): Predicate {
    this.compiled++;
    const parsed = parseFilter(filter);
    if (!parsed.ok) {
      this.onInvalid?.(id, parsed.problems.map((p) => p.message).join('; '));
      return NOTHING;
    }
    return compileFilter(parsed.root);
  }
}
