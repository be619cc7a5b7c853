import { describe, expect, it } from 'vitest';
import { parseRetryAfter } from '../src/util/retry-after.js';

describe('Retry-After is read as delay-seconds or an HTTP date', () => {
  const now = Date.parse('2026-05-14T15:30:00.000Z');
  it('reads delay-seconds, fractions included', () => {
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter(' 1.5 ', now)).toBe(1500);
    expect(parseRetryAfter(['3', '9'], now)).toBe(3000);
  });
  it('reads an HTTP date as the time left until it, never negative', () => {
    expect(parseRetryAfter('Thu, 14 May 2026 15:31:00 GMT', now)).toBe(60_000);
    expect(parseRetryAfter('Thu, 14 May 2026 15:00:00 GMT', now)).toBe(0);
  });
  it('is null when absent or unparseable', () => {
    expect(parseRetryAfter(undefined, now)).toBeNull();
    expect(parseRetryAfter('', now)).toBeNull();
    expect(parseRetryAfter('soon', now)).toBeNull();
  });
});
