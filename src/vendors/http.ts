// Vendor HTTP: one undici Pool per source, JSON GETs retried within a run (429/5xx/network) with p-retry.
import { Pool, errors as undiciErrors, type Dispatcher } from 'undici';
import pRetry from 'p-retry';
import { RelayError } from '../util/errors.js';
import { RequestBudget, type RequestPriority } from './budget.js';

export class VendorError extends RelayError {
  constructor(
    code: 'vendor_auth_failed' | 'vendor_http_error' | 'vendor_bad_response' | 'vendor_unreachable' | 'vendor_rate_limited',
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
  /** Vendor name for error messages. */
  vendor: string;
  timeoutMs?: number;
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

  constructor(private readonly opts: VendorHttpOptions) {
    const url = new URL(opts.baseUrl);
    this.origin = url.origin;
    this.basePath = url.pathname.replace(/\/$/, '');
    this.budget = opts.budget ?? new RequestBudget([]);
    this.pool = new Pool(this.origin, {
      connections: 4,
      headersTimeout: opts.timeoutMs ?? 30_000,
      bodyTimeout: opts.timeoutMs ?? 30_000,
    });
  }

  /** GET base + path with query, parsed as JSON; retried on transient failures. `priority`: what the request is for (budget.ts). */
  async getJson(
    path: string,
    query: Record<string, string | number | undefined>,
    signal: AbortSignal,
    priority: RequestPriority = 'scan',
  ): Promise<unknown> {
    const search = new URLSearchParams();
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
    let res: Dispatcher.ResponseData;
    try {
      res = await this.pool.request({
        method: 'GET',
        path,
        headers: { accept: 'application/json', ...this.opts.headers },
        signal,
      });
    } catch (err) {
      if (signal.aborted) throw err;
      throw new VendorError('vendor_unreachable', `${where}: ${networkProblem(err, 'no response')}`, null, null, true);
    }
    let text: string;
    try {
      text = await res.body.text();
    } catch (err) {
      if (signal.aborted) throw err;
      throw new VendorError('vendor_unreachable', `${where}: ${networkProblem(err, 'body')}`, null, null, true);
    }
    const status = res.statusCode;
    this.budget.observe(res.headers);
    if (status >= 200 && status < 300) {
      try {
        return JSON.parse(text);
      } catch {
        throw new VendorError('vendor_bad_response', `${where}: response is not valid JSON (${describeBody(this.scrub(text))})`, status);
      }
    }
    const detail = vendorMessage(this.scrub(text));
    const retryAfterMs = parseRetryAfter(res.headers['retry-after']);
    if (status === 401 || status === 403) {
      throw new VendorError('vendor_auth_failed', `${where}: ${status} ${detail || 'unauthorized'}: check the source's apiKey`, status);
    }
    if (status === 429) {
      throw new VendorError('vendor_rate_limited', `${where}: 429 rate limited${detail ? `: ${detail}` : ''}`, status, retryAfterMs, true);
    }
    const retryable = status >= 500 || status === 408;
    throw new VendorError('vendor_http_error', `${where}: HTTP ${status}${detail ? `: ${detail}` : ''}`, status, retryAfterMs, retryable);
  }

  async close(): Promise<void> {
    await this.pool.close();
  }

  /**
   * Error messages quote the vendor's response body, and those end up in logs and on GET
   * /v1/sources: a vendor echoing the key it was sent ("invalid key abc...") must not leak it.
   * Only error bodies pass here; lead data is never altered.
   */
  private scrub(text: string): string {
    let out = text;
    for (const value of Object.values(this.opts.headers)) {
      for (const secret of [value, value.replace(/^Bearer\s+/i, '')]) {
        if (secret.length >= 8) out = out.split(secret).join('[redacted]');
      }
    }
    return out;
  }
}

/**
 * What went wrong on the wire, in words an operator can act on. undici says "other side closed" or
 * "read ECONNRESET" for a reset and "Body Timeout Error" for a stalled body; the message keeps its
 * words and adds which it was.
 */
function networkProblem(err: unknown, phase: 'no response' | 'body'): string {
  if (err instanceof undiciErrors.HeadersTimeoutError) return 'timed out waiting for the response (requestTimeout)';
  if (err instanceof undiciErrors.BodyTimeoutError) return 'timed out: the response body stalled part-way (requestTimeout)';
  const e = err as NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException };
  const code = e.code ?? e.cause?.code;
  const message = e.message || String(err);
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || /other side closed|socket hang up/i.test(message)) {
    return `connection reset by the vendor${phase === 'body' ? ' mid-body' : ''} (${message})`;
  }
  if (code === 'ECONNREFUSED') return `connection refused (${message})`;
  return phase === 'body' ? `response body failed: ${message}` : message;
}

/** Retry-After as delay-seconds or an HTTP date; null when absent or unparseable. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | null {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return null;
  if (/^\d+(\.\d+)?$/.test(v.trim())) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/** The human part of a vendor's error body, whatever its shape ({message}, {error}, {error: {message}}). */
function vendorMessage(text: string): string {
  try {
    const body = JSON.parse(text) as Record<string, unknown>;
    const err = body.error;
    const msg =
      typeof body.message === 'string'
        ? body.message
        : typeof err === 'string'
          ? err
          : err && typeof err === 'object' && typeof (err as Record<string, unknown>).message === 'string'
            ? ((err as Record<string, unknown>).message as string)
            : '';
    return msg.slice(0, 200);
  } catch {
    return describeBody(text);
  }
}

function describeBody(text: string): string {
  const t = text.trim();
  if (!t) return 'empty body';
  return `body starts ${JSON.stringify(t.slice(0, 60))}`;
}
