// What went wrong on the wire, in words an operator can act on: one wording for vendor requests and webhook attempts.
import { errors as undiciErrors } from 'undici';

export interface NetworkErrorContext {
  /** Who was on the other end: "the vendor", "the receiver". */
  peer: string;
  /** Whether the headers had come: a failure reading the body says so. */
  phase?: 'no response' | 'body';
  /** The setting that bounds the wait, named in a timeout's description ("requestTimeout"). */
  timeoutSetting?: string;
}

/**
 * A network failure described for a log line or an attempt record. undici says "other side closed"
 * or "read ECONNRESET" for a reset and "Body Timeout Error" for a stalled body; the description keeps
 * its code and words (operators search for them) and says which it was.
 */
export function describeNetworkError(err: unknown, ctx: NetworkErrorContext): string {
  const phase = ctx.phase ?? 'no response';
  const setting = ctx.timeoutSetting ? ` (${ctx.timeoutSetting})` : '';
  if (err instanceof undiciErrors.HeadersTimeoutError) return `timed out waiting for the response${setting}`;
  if (err instanceof undiciErrors.BodyTimeoutError) return `timed out: the response body stalled part-way${setting}`;
  const { code, message } = errorParts(err);
  const said = code && !message.includes(code) ? `${code}: ${message}` : message;
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || /other side closed|socket hang up/i.test(message)) {
    return `connection reset by ${ctx.peer}${phase === 'body' ? ' mid-body' : ''} (${said})`;
  }
  if (code === 'ECONNREFUSED') return `connection refused (${said})`;
  return phase === 'body' ? `response body failed: ${said}` : said;
}

/** The error's code and message, from a wrapping error's cause when it has one (fetch-style "fetch failed"). */
function errorParts(err: unknown): { code: string | undefined; message: string } {
  const e = (err ?? {}) as { code?: unknown; message?: unknown; cause?: { code?: unknown; message?: unknown } };
  const code = typeof e.code === 'string' ? e.code : typeof e.cause?.code === 'string' ? e.cause.code : undefined;
  const message =
    typeof e.cause?.message === 'string' && e.cause.message ? e.cause.message : typeof e.message === 'string' && e.message ? e.message : String(err);
  return { code, message };
}
