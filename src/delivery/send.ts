// One HTTP attempt to a subscriber: undici, no redirects, a hard per-attempt timeout, a capped body read.
import { request, type Dispatcher } from 'undici';
import { truncateUtf8, type Redactor } from '../util/redact.js';
import { invalidHeader } from '../util/http-headers.js';

export interface SendInput {
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  dispatcher: Dispatcher;
  /** Aborts the attempt early (shutdown). */
  signal?: AbortSignal;
  /** Cuts the subscription's secrets out of the response excerpt (a receiver may echo its request). */
  redactor?: Redactor;
}

export interface SendResult {
  statusCode: number | null;
  error: string | null;
  responseExcerpt: string | null;
  /** The response's headers (responseHeadersOf); null when no response came. */
  responseHeaders: Array<[string, string]> | null;
  durationMs: number;
  retryAfterHeader: string | null;
}

/**
 * `https://user:password@host/…` means HTTP Basic auth, as in curl and browsers; undici would drop
 * the userinfo silently and the receiver would answer 401. A configured Authorization header wins.
 */
export function withUrlCredentials(url: string, headers: Record<string, string>): { url: string; headers: Record<string, string> } {
  const credentials = urlCredentials(url);
  if (!credentials) return { url, headers };
  const u = new URL(url);
  u.username = '';
  u.password = '';
  const hasAuthorization = Object.keys(headers).some((k) => k.toLowerCase() === 'authorization');
  return { url: u.toString(), headers: hasAuthorization ? headers : { ...headers, authorization: credentials.authorization } };
}

/** A URL's userinfo, decoded, and the Basic authorization it stands for; null when it has none. */
export function urlCredentials(url: string): { user: string; password: string; authorization: string } | null {
  if (!url.includes('@')) return null;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if (!u.username && !u.password) return null;
  const user = safeDecode(u.username);
  const password = safeDecode(u.password);
  return { user, password, authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** How much of a receiver's response we keep for the attempt log. */
export const RESPONSE_EXCERPT_BYTES = 1024;
/** Response headers kept per attempt, and bytes kept of each value (the dashboard shows them). */
export const RESPONSE_HEADERS_MAX = 40;
export const RESPONSE_HEADER_VALUE_BYTES = 256;

/**
 * A response's headers for the attempt log, in the order received: at most RESPONSE_HEADERS_MAX,
 * each value cut to RESPONSE_HEADER_VALUE_BYTES, the subscription's secrets cut out (a receiver may
 * echo a request header, as it may echo the body).
 */
export function responseHeadersOf(headers: Record<string, string | string[] | undefined>, redactor?: Redactor): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const [name, value] of Object.entries(headers)) {
    for (const v of Array.isArray(value) ? value : value === undefined ? [] : [value]) {
      if (out.length >= RESPONSE_HEADERS_MAX) return out;
      out.push([name, truncateUtf8(redactor ? redactor.redact(v) : v, RESPONSE_HEADER_VALUE_BYTES)]);
    }
  }
  return out;
}

export async function sendWebhook(input: SendInput): Promise<SendResult> {
  const started = performance.now();
  // One controller, a plain timer and a listener on the shutdown signal: measured ~4 µs per attempt,
  // against ~34 µs for AbortSignal.any([AbortSignal.timeout(ms), signal]) on Node 20.
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, input.timeoutMs);
  const stop = () => controller.abort();
  if (input.signal?.aborted) stop();
  else input.signal?.addEventListener('abort', stop, { once: true });
  const done = (partial: Omit<SendResult, 'durationMs'>): SendResult => ({
    ...partial,
    durationMs: Math.round(performance.now() - started),
  });
  try {
    const { url, headers } = withUrlCredentials(input.url, input.headers);
    // undici 7 keeps a pool connection for each request it refuses over a header, and requests
    // waiting for one ignore their abort signal: 64 such attempts would jam the origin for good.
    const bad = invalidHeader(headers);
    if (bad) {
      return done({ statusCode: null, error: `invalid header ${bad.name}: ${bad.problem}`, responseExcerpt: null, responseHeaders: null, retryAfterHeader: null });
    }
    // undici's request never follows redirects unless a redirect interceptor is added: a 3xx is a failure.
    const res = await request(url, {
      method: 'POST',
      headers,
      body: input.body,
      dispatcher: input.dispatcher,
      signal: controller.signal,
    });
    const { excerpt, failure } = await readExcerpt(res.body, input.redactor);
    const responseHeaders = responseHeadersOf(res.headers, input.redactor);
    const retryAfter = res.headers['retry-after'];
    const retryAfterHeader = (Array.isArray(retryAfter) ? retryAfter[0] : retryAfter) ?? null;
    if (failure !== null) {
      // A status line followed by a body cut short (timeout, reset) is no answer: "200" then a dead
      // connection may come from a proxy in front of a receiver that never finished. At-least-once
      // means it is retried. Cut short by shutdown, it counts as not attempted (the lease is released).
      if (input.signal?.aborted && !timedOut) {
        return done({ statusCode: null, error: 'aborted: relay shutting down', responseExcerpt: null, responseHeaders: null, retryAfterHeader: null });
      }
      const problem = timedOut ? `timed out after ${input.timeoutMs} ms` : describeNetworkError(failure.err);
      return done({
        statusCode: res.statusCode,
        error: `${problem} while reading the response body (HTTP ${res.statusCode})`,
        responseExcerpt: excerpt,
        responseHeaders,
        retryAfterHeader,
      });
    }
    return done({
      statusCode: res.statusCode,
      error: res.statusCode >= 200 && res.statusCode < 300 ? null : describeStatus(res.statusCode),
      responseExcerpt: excerpt,
      responseHeaders,
      retryAfterHeader,
    });
  } catch (err) {
    const message = timedOut
      ? `timed out after ${input.timeoutMs} ms`
      : input.signal?.aborted
        ? 'aborted: relay shutting down'
        : describeNetworkError(err);
    return done({ statusCode: null, error: message, responseExcerpt: null, responseHeaders: null, retryAfterHeader: null });
  } finally {
    clearTimeout(timer);
    input.signal?.removeEventListener('abort', stop);
  }
}

/**
 * Reads at most RESPONSE_EXCERPT_BYTES, plus the redactor's margin: the response is complete once the
 * body ends or that much is in (the rest is never read, so a 50 MB answer costs a few KiB).
 * `failure`: the body broke off first. Secrets are cut out before the excerpt is cut to size, and the
 * margin lets a secret that starts before the cut be seen whole, so no part of one is kept.
 */
async function readExcerpt(
  body: Dispatcher.ResponseData['body'],
  redactor: Redactor | undefined,
): Promise<{ excerpt: string | null; failure: { err: unknown } | null }> {
  const wanted = RESPONSE_EXCERPT_BYTES + (redactor?.margin ?? 0);
  const chunks: Buffer[] = [];
  let size = 0;
  let failure: { err: unknown } | null = null;
  try {
    for await (const chunk of body) {
      chunks.push(chunk as Buffer);
      size += (chunk as Buffer).length;
      if (size >= wanted) break; // leaving the loop destroys the stream: no huge reads
    }
  } catch (err) {
    failure = { err };
  }
  if (size === 0) return { excerpt: null, failure };
  const bytes = Buffer.concat(chunks).subarray(0, wanted);
  const text = new TextDecoder().decode(bytes, { stream: true }); // a character cut at the end is dropped
  if (!redactor) return { excerpt: truncateUtf8(text, RESPONSE_EXCERPT_BYTES), failure };
  // The characters that the first RESPONSE_EXCERPT_BYTES hold are kept; the margin only completes secrets.
  const keep = truncateUtf8(text, RESPONSE_EXCERPT_BYTES).length;
  return { excerpt: truncateUtf8(redactor.redactHead(text, keep), RESPONSE_EXCERPT_BYTES), failure };
}

function describeStatus(status: number): string {
  if (status >= 300 && status < 400) return `HTTP ${status}: redirects are not followed`;
  return `HTTP ${status}`;
}

function describeNetworkError(err: unknown): string {
  const e = err as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = e.code ?? e.cause?.code;
  const message = e.cause?.message ?? e.message ?? String(err);
  return code ? `${code}: ${message}` : message;
}
