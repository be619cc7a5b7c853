// The queue behind every simulator's failNext: scripted bad answers, taken by matching requests in order.
export interface QueuedFault {
  path?: string;
  /** Let this many matching requests through before the fault starts (e.g. fail page 2 of a scan). */
  skip?: number;
}

export class FaultQueue<F extends QueuedFault> {
  private readonly entries: Array<{ remaining: number; skip: number; fault: F }> = [];

  /** The next `n` matching requests (after `fault.skip` of them pass) get `fault`. */
  add(n: number, fault: F): void {
    if (n > 0) this.entries.push({ remaining: n, skip: fault.skip ?? 0, fault: { ...fault } });
  }

  /** The fault for this request, if one is queued for it. */
  take(matches: (fault: F) => boolean): F | undefined {
    const entry = this.entries.find((e) => matches(e.fault));
    if (!entry) return undefined;
    if (entry.skip > 0) {
      entry.skip--;
      return undefined;
    }
    if (--entry.remaining === 0) this.entries.splice(this.entries.indexOf(entry), 1);
    return entry.fault;
  }
}

/** The usual match: the request path contains the fault's path (any path when it has none). */
export const pathContains = (path: string) => (fault: QueuedFault) => fault.path === undefined || path.includes(fault.path);
