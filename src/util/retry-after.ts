// Retry-After (RFC 9110 §10.2.3) read once for both sides: vendors pausing a source, deliveries pausing a subscriber.

/** Retry-After as delay-seconds or an HTTP date, in milliseconds from now; null when absent or unparseable. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | null {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return null;
  if (/^\d+(\.\d+)?$/.test(v.trim())) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}
