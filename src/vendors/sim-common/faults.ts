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

/**
 * The usual match: the request path contains the fault's path (any path when it has none). A fault
 * path ending in `$` must end the request path: `/api/v1/tenant/leads$` is the list, not a lead's details.
 */
export const pathContains = (path: string) => (fault: QueuedFault) => {
  if (fault.path === undefined) return true;
  return fault.path.endsWith('$') ? path.endsWith(fault.path.slice(0, -1)) : path.includes(fault.path);
};
