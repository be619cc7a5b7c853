// Vendor HTTP: one undici Pool per source, JSON GETs retried within a run (429/5xx/network) with p-retry.
import { Pool, errors as undiciErrors, type Dispatcher } from 'undici';
import pRetry from 'p-retry';
import { formatDuration } from '../config/duration.js';
import { RelayError } from '../util/errors.js';
import { clipRedacted, vendorKeyRedactor, type Redactor } from '../util/redact.js';
import { describeNetworkError } from '../util/network-error.js';
import { parseRetryAfter } from '../util/retry-after.js';
import { RequestBudget, type RequestPriority } from './budget.js';

export class VendorError extends RelayError {
  constructor(
    code:
      | 'vendor_auth_failed'
      | 'vendor_http_error'
      | 'vendor_bad_response'
      | 'vendor_unreachable'
      | 'vendor_rate_limited'
      | 'vendor_response_too_large',
    message: string,
    readonly httpStatus: number | null = null,
    readonly retryAfterMs: number | null = null,
    readonly retryable = false,
  ) {
    super(code, message, 502);
    this.name = 'VendorError';
  }
}

export interface VendorHttpOptions {
  baseUrl: string;
  headers: Record<string, string>;
  /** Query parameters sent with every request (auth by query parameter); secret, like header values. */
  query?: Record<string, string>;
  /** Vendor name for error messages. */
  vendor: string;
  /** One request, headers and body together (default 30 s). */
  timeoutMs?: number;
  /** Largest response body read (default 32 MiB); a larger one fails with vendor_response_too_large. */
  maxResponseBytes?: number;
  retries?: number;
  minRetryDelayMs?: number;
  maxRetryDelayMs?: number;
  /** Upper bound on a vendor's Retry-After we are willing to sleep inside one run. */
  maxRetryAfterMs?: number;
  /** The source's request budget; every request (retries included) takes from it. */
  budget?: RequestBudget;
  /** Told about every failed request, retried or not (metrics: a retry that works must not hide a flaky vendor). */
  onRequestError?: (error: VendorError) => void;
}

export class VendorHttp {
  private readonly pool: Pool;
  private readonly basePath: string;
  private readonly origin: string;
  requestCount = 0;
  readonly budget: RequestBudget;
  /** Cuts the source's keys out of quoted error bodies (util/redact.ts); lead data is never altered. */
  private readonly redactor: Redactor;
  private readonly timeoutMs: number;
  private readonly maxResponseBytes: number;

  constructor(private readonly opts: VendorHttpOptions) {
    const url = new URL(opts.baseUrl);
    this.origin = url.origin;
    this.basePath = url.pathname.replace(/\/$/, '');
    this.budget = opts.budget ?? new RequestBudget([]);
    // Query auth values are secrets like header values (keyed apart, so a header and a parameter of one name both count).
    const queryAuth = Object.fromEntries(Object.entries(opts.query ?? {}).map(([k, v]) => [`?${k}`, v]));
    this.redactor = vendorKeyRedactor({ ...opts.headers, ...queryAuth });
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.maxResponseBytes = opts.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    this.pool = new Pool(this.origin, {
      connections: 4,
      headersTimeout: this.timeoutMs,
      bodyTimeout: this.timeoutMs,
      // undici stops reading past it and fails the request (ResponseExceededMaxSizeError).
      maxResponseSize: this.maxResponseBytes,
    });
  }

  /** GET base + path with query, parsed as JSON; retried on transient failures. `priority`: what the request is for (budget.ts). */
  async getJson(
    path: string,
    query: Record<string, string | number | undefined>,
    signal: AbortSignal,
    priority: RequestPriority = 'scan',
  ): Promise<unknown> {
    const search = new URLSearchParams(this.opts.query);
    for (const [k, v] of Object.entries(query)) if (v !== undefined) search.set(k, String(v));
    const qs = search.toString();
    const fullPath = `${this.basePath}${path}${qs ? `?${qs}` : ''}`;
    const attempt = async () => {
      try {
        return await this.once(fullPath, signal, priority);
      } catch (err) {
        if (err instanceof VendorError) this.opts.onRequestError?.(err);
        throw err;
      }
    };
    return pRetry(attempt, {
      retries: this.opts.retries ?? 4,
      minTimeout: this.opts.minRetryDelayMs ?? 250,
      maxTimeout: this.opts.maxRetryDelayMs ?? 10_000,
      randomize: true,
      signal,
      shouldRetry: ({ error }) => error instanceof VendorError && error.retryable,
      onFailedAttempt: async ({ error }) => {
        if (error instanceof VendorError && error.retryAfterMs !== null && error.retryable) {
          // The budget makes the next request (of this run or any other) wait out the pause too.
          this.budget.pauseFor(Math.min(error.retryAfterMs, this.opts.maxRetryAfterMs ?? 60_000));
        }
      },
    });
  }

  private async once(path: string, signal: AbortSignal, priority: RequestPriority): Promise<unknown> {
    const where = `${this.opts.vendor} GET ${path.split('?')[0]}`;
    await this.budget.take(signal, priority);
    this.requestCount++;
    // One deadline for headers and body together: undici's headersTimeout and bodyTimeout time each
    // wait on its own, so a body trickling in a byte at a time never tripped them (seen: 10 s and
    // more with requestTimeout 2s). A plain timer and the run's signal feed one controller.
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.timeoutMs);
    const stop = () => controller.abort(signal.reason);
    if (signal.aborted) stop();
    else signal.addEventListener('abort', stop, { once: true });
    try {
      let res: Dispatcher.ResponseData;
      try {
        res = await this.pool.request({
          method: 'GET',
          path,
          headers: { accept: 'application/json', ...this.opts.headers },
          signal: controller.signal,
        });
      } catch (err) {
        if (signal.aborted) throw err;
        const problem = timedOut ? `timed out waiting for the response (requestTimeout ${formatDuration(this.timeoutMs)})` : describeNetworkError(err, { peer: 'the vendor', timeoutSetting: 'requestTimeout' });
        throw new VendorError('vendor_unreachable', `${where}: ${problem}`, null, null, true);
      }
      let text: string;
      try {
        text = await res.body.text();
      } catch (err) {
        if (signal.aborted) throw err;
        if (err instanceof undiciErrors.ResponseExceededMaxSizeError) {
          // Not retried: the same request would get the same answer.
          const mb = Math.round((this.maxResponseBytes / 1024 / 1024) * 100) / 100;
          throw new VendorError(
            'vendor_response_too_large',
            `${where}: the response is larger than maxResponseMb (${mb} MB); raise the source's maxResponseMb or lower its pageSize`,
            res.statusCode,
          );
        }
        const problem = timedOut
          ? `timed out: the response body stalled part-way or came in too slowly (requestTimeout ${formatDuration(this.timeoutMs)} covers headers and body)`
          : describeNetworkError(err, { peer: 'the vendor', phase: 'body', timeoutSetting: 'requestTimeout' });
        throw new VendorError('vendor_unreachable', `${where}: ${problem}`, null, null, true);
      }
      return this.answer(where, res, text);
    } finally {
      clearTimeout(timer);
      signal.removeEventListener('abort', stop);
    }
  }

  /** The parsed body of a 2xx answer, or the VendorError its status means. */
  private answer(where: string, res: Dispatcher.ResponseData, text: string): unknown {
    const status = res.statusCode;
    this.budget.observe(res.headers);
    if (status >= 200 && status < 300) {
      try {
        return JSON.parse(text);
      } catch {
        throw new VendorError('vendor_bad_response', `${where}: response is not valid JSON (${this.describeBody(text)})`, status);
      }
    }
    const retryAfterMs = parseRetryAfter(res.headers['retry-after']);
    if (status === 401 || status === 403) {
      // The answer to a wrong key is the likeliest to quote it: only a short excerpt.
      const detail = this.quote(text, AUTH_QUOTE_CHARS);
      throw new VendorError('vendor_auth_failed', `${where}: ${status} ${detail || 'unauthorized'}: check the source's apiKey`, status);
    }
    const detail = this.quote(text, QUOTE_CHARS);
    if (status === 429) {
      throw new VendorError('vendor_rate_limited', `${where}: 429 rate limited${detail ? `: ${detail}` : ''}`, status, retryAfterMs, true);
    }
    const retryable = status >= 500 || status === 408;
    throw new VendorError('vendor_http_error', `${where}: HTTP ${status}${detail ? `: ${detail}` : ''}`, status, retryAfterMs, retryable);
  }

  async close(): Promise<void> {
    await this.pool.close();
  }

  /** The vendor's own words from an error body (its message, or the body's start), secrets cut, at most max characters. */
  private quote(text: string, max: number): string {
    const message = vendorMessage(text);
    if (message === null) return this.describeBody(text);
    // Redacted first, then clipped: max counts what is shown, a whole key is ten characters.
    const shown = clipRedacted(this.redactor.redactHead(message, LOOK_CHARS), max);
    return message.length > LOOK_CHARS && !shown.endsWith('…') ? `${shown}…` : shown;
  }

  private describeBody(text: string): string {
    const t = text.trimStart();
    if (!t) return 'empty body';
    return `body starts ${JSON.stringify(clipRedacted(this.redactor.redactHead(t, LOOK_CHARS), 60))}`;
  }
}

const DEFAULT_MAX_RESPONSE_BYTES = 32 * 1024 * 1024;

/** How many characters of a vendor's error message an error quotes; on 401/403 fewer. */
const QUOTE_CHARS = 200;
const AUTH_QUOTE_CHARS = 80;
/** How much of a vendor's message is redacted before it is clipped to the above. */
const LOOK_CHARS = 2000;

/**
 * The human part of a vendor's JSON error body, whatever its shape ({message}, {error}, {error:
 * {message}}), decoded by JSON.parse; '' when it has none, null when the body is not JSON.
 */
function vendorMessage(text: string): string | null {
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return null;
  }
  if (body === null || typeof body !== 'object') return '';
  const err = body.error;
  if (typeof body.message === 'string') return body.message;
  if (typeof err === 'string') return err;
  if (err && typeof err === 'object' && typeof (err as Record<string, unknown>).message === 'string') return (err as Record<string, unknown>).message as string;
  return '';
}
