// The dashboard's small pure parts: the failed-login limiter, the relative way back to the root
// that keeps every URL working under a proxy prefix, and the per-minute buckets of the chart.
import { describe, expect, it } from 'vitest';
import { LoginLimiter } from '../src/dashboard/login-limiter.js';
import { relativeRoot, url } from '../src/dashboard/view.js';
import { minuteBuckets } from '../src/dashboard/chart.js';

describe('the failed-login limiter', () => {
  it('lets a client fail maxFailures times in a window, then makes it wait until its oldest failure leaves the window', () => {
    let now = 1_000_000;
    const limiter = new LoginLimiter(() => now, { maxFailures: 3, windowMs: 60_000, maxClients: 100 });
    for (let i = 0; i < 3; i++) {
      expect(limiter.retryAfterMs('a')).toBe(0);
      limiter.fail('a');
      now += 1000;
    }
    expect(limiter.retryAfterMs('a')).toBe(57_000); // the first failure leaves the window at 1,060,000
    expect(limiter.retryAfterMs('b')).toBe(0); // per client
    now += 57_000;
    expect(limiter.retryAfterMs('a')).toBe(0);
  });

  it('remembers a bounded number of clients, forgetting those that failed longest ago', () => {
    const limiter = new LoginLimiter(() => 0, { maxFailures: 1, windowMs: 60_000, maxClients: 2 });
    limiter.fail('a');
    limiter.fail('b');
    limiter.fail('c');
    expect(limiter.retryAfterMs('a')).toBe(0);
    expect(limiter.retryAfterMs('b')).toBeGreaterThan(0);
    expect(limiter.retryAfterMs('c')).toBeGreaterThan(0);
  });
});

describe('relative URLs', () => {
  it('lead back to the root from any depth, so a proxy prefix is kept', () => {
    expect(relativeRoot('/')).toBe('./');
    expect(relativeRoot('/login')).toBe('./');
    expect(relativeRoot('/subscriptions/sub_1')).toBe('../');
    expect(relativeRoot('/sources/a/sync')).toBe('../../');
    expect(relativeRoot('/events/')).toBe('../');
    expect(url({ root: '../../' }, '')).toBe('../../');
    expect(url({ root: '../' }, 'subscriptions/x')).toBe('../subscriptions/x');
    // As a browser resolves them under a prefix.
    expect(new URL(url({ root: relativeRoot('/sources/a/sync') }, ''), 'https://h.example/relay/sources/a/sync').pathname).toBe('/relay/');
  });
});

describe('the chart buckets', () => {
  it('gives one bucket per minute ending with the current one, zeros where nothing was attempted', () => {
    const now = 10 * 60_000 + 5_000;
    const buckets = minuteBuckets([{ minute: 8 * 60_000, succeeded: 3, failed: 1 }], now, 3);
    expect(buckets).toEqual([
      { minute: 8 * 60_000, succeeded: 3, failed: 1 },
      { minute: 9 * 60_000, succeeded: 0, failed: 0 },
      { minute: 10 * 60_000, succeeded: 0, failed: 0 },
    ]);
  });
});
