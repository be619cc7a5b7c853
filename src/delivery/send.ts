// One HTTP attempt to a subscriber: undici, no redirects, a hard per-attempt timeout, a capped body read.
import type { Dispatcher } from 'undici';
import { truncateUtf8, urlCredentials, type Redactor } from '../util/redact.js';
import { invalidHeader } from '../util/http-headers.js';
import { describeNetworkError } from '../util/network-error.js';

export interface SendInput {
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  dispatcher: Dispatcher;
  /** Cuts the attempt short (shutdown). */
  shutdown?: Shutdown;
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

/** How much of a receiver's response we keep for the attempt log. */
export const RESPONSE_EXCERPT_BYTES = 1024;
/** Response headers kept per attempt, and bytes kept of each value (the dashboard shows them). */
export const RESPONSE_HEADERS_MAX = 40;
export const RESPONSE_HEADER_VALUE_BYTES = 256;

/**
 * A response's headers for the attempt log, in the order received, from undici's raw list (name,
 * value, name, value, …): names lower-cased, at most RESPONSE_HEADERS_MAX, each value cut to
 * RESPONSE_HEADER_VALUE_BYTES, the subscription's secrets cut out (a receiver may echo a request
 * header, as it may echo the body).
 */
export function responseHeadersOf(raw: Buffer[], redactor?: Redactor): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (let i = 0; i + 1 < raw.length && out.length < RESPONSE_HEADERS_MAX; i += 2) {
    const value = raw[i + 1]!.toString('utf8');
    out.push([raw[i]!.toString('latin1').toLowerCase(), truncateUtf8(redactor ? redactor.redact(value) : value, RESPONSE_HEADER_VALUE_BYTES)]);
  }
  return out;
}

/**
 * Where a subscription's webhooks go, worked out once per subscription rather than per attempt
 * (measured: parsing the URL, taking credentials out of it and checking the headers cost ~2.7 µs an
 * attempt): undici's origin and path, the subscription's own headers (with the URL's credentials as
 * Authorization), and why those headers cannot be sent, if so.
 */
export interface Target {
  origin: string;
  path: string;
  headers: Record<string, string>;
  /** The reason no attempt can go out (a header undici would refuse, a URL that does not parse), or null. */
  refused: string | null;
}

export function prepareTarget(url: string, headers: Record<string, string>): Target {
  const plain = withUrlCredentials(url, headers);
  // undici 7 keeps a pool connection for each request it refuses over a header, and requests
  // waiting for one ignore their abort signal: 64 such attempts would jam the origin for good.
  const bad = invalidHeader(plain.headers);
  let u: URL;
  try {
    u = new URL(plain.url);
  } catch {
    return { origin: '', path: '', headers: plain.headers, refused: 'invalid URL' };
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return { origin: '', path: '', headers: plain.headers, refused: `invalid URL: ${u.protocol} is not http: or https:` };
  return {
    origin: u.origin,
    path: u.search ? `${u.pathname}${u.search}` : u.pathname,
    headers: plain.headers,
    refused: bad ? `invalid header ${bad.name}: ${bad.problem}` : null,
  };
}

/**
 * Attempts in flight that a shutdown cuts short: one set for all of them, where an AbortSignal
 * needed an event listener added and removed per attempt.
 */
export class Shutdown {
  private readonly attempts = new Set<() => void>();
  aborted = false;

  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    for (const cut of [...this.attempts]) cut();
  }

  /** @internal */ add(cut: () => void): void {
    this.attempts.add(cut);
  }

  /** @internal */ delete(cut: () => void): void {
    this.attempts.delete(cut);
  }
}

/** One attempt, the target worked out for it alone (the worker prepares each subscription's once). */
export async function sendWebhook(input: SendInput): Promise<SendResult> {
  return sendTo(prepareTarget(input.url, input.headers), { ...input, headers: {} });
}

/** One attempt to a prepared target; `input.headers` come on top of the target's own. */
export function sendTo(target: Target, input: Omit<SendInput, 'url'>): Promise<SendResult> {
  const started = performance.now();
  if (target.refused !== null) {
    return Promise.resolve({ statusCode: null, error: target.refused, responseExcerpt: null, responseHeaders: null, durationMs: 0, retryAfterHeader: null });
  }
  if (input.shutdown?.aborted) {
    return Promise.resolve({ statusCode: null, error: 'aborted: relay shutting down', responseExcerpt: null, responseHeaders: null, durationMs: 0, retryAfterHeader: null });
  }
  const headers = hasKeys(target.headers) ? { ...target.headers, ...input.headers } : input.headers;
  return new Promise<SendResult>((resolve) => {
    const attempt = new Attempt(input, started, resolve);
    // undici's dispatch API with a handler of our own, not its request(): no promise, no response
    // stream and no abort signal per attempt. Measured on the delivery benchmark's raw POSTs: 43.5
    // against 57 µs of CPU per POST.
    // undici's request() never follows redirects either: a 3xx is a failure.
    try {
      input.dispatcher.dispatch({ origin: target.origin, path: target.path, method: 'POST', headers, body: input.body }, attempt);
    } catch (err) {
      attempt.onError(err instanceof Error ? err : new Error(String(err)));
    }
  });
}

function hasKeys(o: Record<string, string>): boolean {
  for (const _ in o) return true;
  return false;
}

type Ended = 'timeout' | 'shutdown' | 'enough';

/**
 * undici's dispatch handler for one attempt: status and Retry-After from the head, at most
 * RESPONSE_EXCERPT_BYTES (plus the redactor's margin) of the body, one timer for the whole attempt.
 * Once that much of the body is in, the response counts as complete and the rest is never read (the
 * connection is dropped), so a 50 MB answer costs a few KiB.
 */
class Attempt implements Dispatcher.DispatchHandler {
  private abortRequest: ((reason: Error) => void) | null = null;
  private ended: Ended | null = null;
  private done = false;
  private statusCode: number | null = null;
  private retryAfter: string | null = null;
  private rawHeaders: Buffer[] | null = null;
  private chunks: Buffer[] | null = null;
  private size = 0;
  private readonly wanted: number;
  private readonly timer: NodeJS.Timeout;
  private readonly cut = () => this.end('shutdown');

  constructor(
    private readonly input: Omit<SendInput, 'url'>,
    private readonly started: number,
    private readonly resolve: (r: SendResult) => void,
  ) {
    this.wanted = RESPONSE_EXCERPT_BYTES + (input.redactor?.margin ?? 0);
    this.timer = setTimeout(() => this.end('timeout'), input.timeoutMs);
    input.shutdown?.add(this.cut);
  }

  /** Stops the request (now, or as soon as undici hands it to a connection). */
  private end(why: Ended): void {
    if (this.done || this.ended !== null) return;
    this.ended = why;
    if (why === 'enough') {
      this.finish(null);
    } else if (this.statusCode === null && this.abortRequest === null) {
      // Still waiting for a pool connection: undici cannot abort it before it starts (onConnect
      // does then). The attempt is over now, not when a connection frees up.
      this.finish(new Error(why));
    }
    this.abortRequest?.(new Error(why));
  }

  onConnect(abort: (reason: Error) => void): void {
    this.abortRequest = abort;
    if (this.ended !== null) abort(new Error(this.ended));
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[]): boolean {
    if (statusCode < 200) return true; // 1xx: informational, the answer comes after
    this.statusCode = statusCode;
    this.rawHeaders = rawHeaders; // decoded only once the attempt is over (headers())
    // Only a failure's Retry-After is ever read (429, 503): a success's headers are not looked at.
    if (statusCode >= 300) {
      for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
        const name = rawHeaders[i]!;
        if (name.length === 11 && name.toString('latin1').toLowerCase() === 'retry-after') {
          this.retryAfter = rawHeaders[i + 1]!.toString('latin1');
          break;
        }
      }
    }
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.done) return true;
    (this.chunks ??= []).push(chunk);
    this.size += chunk.length;
    if (this.size >= this.wanted) this.end('enough');
    return true;
  }

  onComplete(): void {
    this.finish(null);
  }

  onError(err: Error): void {
    this.finish(err);
  }

  private finish(err: Error | null): void {
    if (this.done) return;
    this.done = true;
    clearTimeout(this.timer);
    this.input.shutdown?.delete(this.cut);
    this.resolve(this.result(err));
  }

  private result(err: Error | null): SendResult {
    const durationMs = Math.round(performance.now() - this.started);
    const ended = this.ended === 'enough' ? null : this.ended;
    const status = this.statusCode;
    if (status === null) {
      const error = ended === 'timeout' ? `timed out after ${this.input.timeoutMs} ms` : ended === 'shutdown' ? 'aborted: relay shutting down' : describeNetworkError(err, { peer: 'the receiver' });
      return { statusCode: null, error, responseExcerpt: null, responseHeaders: null, durationMs, retryAfterHeader: null };
    }
    const excerpt = this.excerpt();
    if (err !== null && this.ended !== 'enough') {
      // A status line followed by a body cut short (timeout, reset) is no answer: "200" then a dead
      // connection may come from a proxy in front of a receiver that never finished. At-least-once
      // means it is retried. Cut short by shutdown, it counts as not attempted (the lease is released).
      if (ended === 'shutdown') return { statusCode: null, error: 'aborted: relay shutting down', responseExcerpt: null, responseHeaders: null, durationMs, retryAfterHeader: null };
      const problem = ended === 'timeout' ? `timed out after ${this.input.timeoutMs} ms` : describeNetworkError(err, { peer: 'the receiver' });
      return { statusCode: status, error: `${problem} while reading the response body (HTTP ${status})`, responseExcerpt: excerpt, responseHeaders: this.headers(), durationMs, retryAfterHeader: this.retryAfter };
    }
    return {
      statusCode: status,
      error: status >= 200 && status < 300 ? null : describeStatus(status),
      responseExcerpt: excerpt,
      responseHeaders: this.headers(),
      durationMs,
      retryAfterHeader: this.retryAfter,
    };
  }

  private headers(): Array<[string, string]> | null {
    return this.rawHeaders === null ? null : responseHeadersOf(this.rawHeaders, this.input.redactor);
  }

  /**
   * The excerpt kept for the attempt log. Secrets are cut out before the excerpt is cut to size, and
   * the margin lets a secret that starts before the cut be seen whole, so no part of one is kept.
   */
  private excerpt(): string | null {
    if (this.size === 0 || this.chunks === null) return null;
    const bytes = (this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks)).subarray(0, this.wanted);
    const text = new TextDecoder().decode(bytes, { stream: true }); // a character cut at the end is dropped
    const redactor = this.input.redactor;
    if (!redactor) return truncateUtf8(text, RESPONSE_EXCERPT_BYTES);
    // The characters that the first RESPONSE_EXCERPT_BYTES hold are kept; the margin only completes secrets.
    const keep = truncateUtf8(text, RESPONSE_EXCERPT_BYTES).length;
    return truncateUtf8(redactor.redactHead(text, keep), RESPONSE_EXCERPT_BYTES);
  }
}

function describeStatus(status: number): string {
  if (status >= 300 && status < 400) return `HTTP ${status}: redirects are not followed`;
  return `HTTP ${status}`;
}
