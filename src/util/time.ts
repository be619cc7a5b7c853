// Injectable clock and sleep, so tests and the engine share one notion of "now".
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** Resolves after ms, or early (without rejecting) when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, Math.max(0, ms));
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** value scaled by a random factor in [1 - spread, 1 + spread]. */
export function jitter(value: number, spread: number, random: () => number = Math.random): number {
  return value * (1 - spread + 2 * spread * random());
}
