// A clock that moves only when a test moves it: the relay's time-based decisions (rate buckets,
// circuit pauses, retry times) then depend on the test's steps, never on how busy the machine is.
import type { Clock } from '../../src/util/time.js';

export class ManualClock implements Clock {
  /** Starts at the real time, so signatures stay inside receivers' 5-minute tolerance. */
  constructor(private t: number = Date.now()) {}

  now(): number {
    return this.t;
  }

  advance(ms: number): number {
    this.t += ms;
    return this.t;
  }
}
