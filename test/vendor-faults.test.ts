// Issue #8 item 2: vendor faults, per vendor. Every vendor simulator is made to fail in each way a
// real API does (429 with and without Retry-After, 5xx, resets, stalls, bad JSON, missing fields, a
// key revoked mid-run, a rejected cursor, skewed clocks). Promises checked after each fault: no change
// made at the vendor is lost, no lead is called deleted that exists, the failure shows on
// GET /v1/sources and in /metrics without leaking the key, and the next sync recovers on its own.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { VENDORS } from '../src/vendors/registry.js';
import type { ConformanceCase, FaultCase as VendorFaultCase, SimFault } from '../src/vendors/sim-common/types.js';
import { AptenSimulator, AptenVendorSim } from '../src/vendors/apten/sim/index.js';
import { Harness } from './helpers/harness.js';

/** A vendor clock the tests can move: the simulators stamp every change with it. */
interface VendorClock {
  skewMs: number;
}

/**
 * One vendor's case (src/vendors/<id>/conformance.ts, those with `faults`), from the registry: `source`
 * is its fault-suite source config, `listPath` the list endpoint alone, `make` takes the clock the tests move.
 */
interface VendorCase extends Omit<ConformanceCase, 'make' | 'faults'>, Omit<VendorFaultCase, 'source' | 'listPath'> {
  vendor: string;
  name: string;
  make(clock: VendorClock): ReturnType<ConformanceCase['make']>;
}

const skewed = (clock: VendorClock) => () => Date.now() + clock.skewMs;

const cases: VendorCase[] = (
  await Promise.all(
    VENDORS.map(async (v) =>
      (await v.conformance()).flatMap(({ faults, ...c }) =>
        faults
          ? [{ ...c, ...faults, vendor: v.id, name: c.name ?? v.id, source: faults.source, listPath: faults.listPath ?? c.listPath, make: (clock: VendorClock) => c.make({ now: skewed(clock) }) }]
          : [],
      ),
    ),
  )
).flat();

/** What a fault must lead to: a failed run naming the problem, or a run that a retry saved. */
type Outcome =
  | { ok: false; code: string; message: (c: VendorCase) => RegExp }
  | { ok: true };

interface FaultCase {
  name: string;
  /** failNext calls: [n, fault]. With maxRetries 1 a request is tried twice, so n = 2 fails a run. */
  inject(c: VendorCase, key: string): Array<[number, SimFault]>;
  outcome: Outcome;
  /** The per-request error the relay must count in leadrelay_vendor_request_errors_total. */
  requestError?: { code: string; status: string };
}

/** Page 2 of the list breaks: page 1 is already committed when the fault hits. */
const onPage2 = (c: VendorCase, fault: SimFault): SimFault => ({ path: c.listPath, skip: 1, ...fault });

const faults: FaultCase[] = [
  {
    name: '429 with Retry-After, once: the retry waits it out and the run succeeds',
    inject: (c) => [[1, onPage2(c, { status: 429, retryAfterSeconds: 1 })]],
    outcome: { ok: true },
    requestError: { code: 'vendor_rate_limited', status: '429' },
  },
  {
    name: '429 with Retry-After, persisting',
    inject: (c) => [[2, onPage2(c, { status: 429, retryAfterSeconds: 1 })]],
    outcome: { ok: false, code: 'vendor_rate_limited', message: () => /429 rate limited/ },
    requestError: { code: 'vendor_rate_limited', status: '429' },
  },
  {
    name: '429 without Retry-After',
    inject: (c) => [[2, onPage2(c, { status: 429 })]],
    outcome: { ok: false, code: 'vendor_rate_limited', message: () => /429 rate limited/ },
    requestError: { code: 'vendor_rate_limited', status: '429' },
  },
  {
    name: '500',
    inject: (c) => [[2, onPage2(c, { status: 500 })]],
    outcome: { ok: false, code: 'vendor_http_error', message: () => /HTTP 500/ },
    requestError: { code: 'vendor_http_error', status: '500' },
  },
  {
    name: '502',
    inject: (c) => [[2, onPage2(c, { status: 502 })]],
    outcome: { ok: false, code: 'vendor_http_error', message: () => /HTTP 502/ },
    requestError: { code: 'vendor_http_error', status: '502' },
  },
  {
    name: '503 once: the retry saves the run',
    inject: (c) => [[1, onPage2(c, { status: 503 })]],
    outcome: { ok: true },
    requestError: { code: 'vendor_http_error', status: '503' },
  },
  {
    name: '503',
    inject: (c) => [[2, onPage2(c, { status: 503 })]],
    outcome: { ok: false, code: 'vendor_http_error', message: () => /HTTP 503/ },
    requestError: { code: 'vendor_http_error', status: '503' },
  },
  {
    name: 'connection reset',
    inject: (c) => [[2, onPage2(c, { kind: 'reset' })]],
    outcome: { ok: false, code: 'vendor_unreachable', message: () => /connection reset by the vendor/ },
    requestError: { code: 'vendor_unreachable', status: 'none' },
  },
  {
    name: 'no answer at all (headers never come)',
    inject: (c) => [[2, onPage2(c, { kind: 'hang' })]],
    outcome: { ok: false, code: 'vendor_unreachable', message: () => /timed out waiting for the response/ },
    requestError: { code: 'vendor_unreachable', status: 'none' },
  },
  {
    name: 'timeout mid-body (headers sent, body stalls)',
    inject: (c) => [[2, onPage2(c, { kind: 'stall-body' })]],
    outcome: { ok: false, code: 'vendor_unreachable', message: () => /timed out: the response body stalled part-way/ },
    requestError: { code: 'vendor_unreachable', status: 'none' },
  },
  {
    name: 'malformed JSON',
    inject: (c) => [[1, onPage2(c, { status: 200, body: '{"data": [{"id": "lead_1", "na' })]],
    outcome: { ok: false, code: 'vendor_bad_response', message: () => /response is not valid JSON \(body starts / },
  },
  {
    name: 'a page missing required fields',
    inject: (c) => [[1, onPage2(c, { kind: 'rewrite', rewrite: (body) => (c.dropRequired(body), body) })]],
    outcome: { ok: false, code: 'vendor_bad_response', message: (c) => c.requiredMessage },
  },
  {
    name: 'the key turns invalid mid-run (401, the vendor echoing the key)',
    inject: (c, key) => [[1, onPage2(c, { status: 401, body: JSON.stringify(c.errorBody(`API key ${key} was revoked`)) })]],
    outcome: { ok: false, code: 'vendor_auth_failed', message: () => /401 API key \[redacted\] was revoked: check the source's apiKey/ },
    requestError: { code: 'vendor_auth_failed', status: '401' },
  },
  {
    name: 'a cursor the vendor rejects',
    inject: (c) => [[1, c.rejectCursor]],
    outcome: { ok: false, code: 'vendor_http_error', message: (c) => c.cursorMessage },
    requestError: { code: 'vendor_http_error', status: '400' },
  },
];

/** Figures for RELIABILITY.md, printed when the file ends. */
const figures = { faultsInjected: 0, failedRunsSeen: 0, changesMade: 0, falseDeletes: 0, lost: 0 };
afterAll(() => {
  console.log(`[vendor-faults] ${JSON.stringify(figures)}`);
});

/** The value of the one sample of `name` carrying all of `labels`; 0 when there is none. */
function sample(text: string, name: string, labels: Record<string, string>): number {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = (m[2] ?? '').split(',');
    if (wanted.every((w) => have.includes(w))) return Number(m[3]);
  }
  return 0;
}

/**
 * One relay reading one vendor simulator, and the ledger of what was done at the vendor: the test's
 * own record of every change, checked against what the subscriber verified and accepted.
 */
class VendorRun {
  h!: Harness;
  readonly clock: VendorClock = { skewMs: 0 };
  readonly created = new Set<string>();
  readonly deleted = new Set<string>();
  /** Lead id → times it was touched; every touch must produce a lead.updated delivered after it. */
  readonly touchedAt = new Map<string, number[]>();

  constructor(readonly c: VendorCase) {}

  async start(seed = 10): Promise<void> {
    this.h = await new Harness({ sim: this.c.make(this.clock), source: { requestTimeout: '1s', ...this.c.source }, maxRetries: 1 }).start();
    for (const id of this.h.vendorSim.seed(seed)) this.created.add(id);
    figures.changesMade += seed;
    await this.settle();
  }

  get key(): string {
    return this.h.vendorSim.sourceConfig(this.h.simServer.url).apiKey;
  }

  /** A few creates, touches and a delete at the vendor, enough that every sync has a second page. */
  change(creates = 3, touches = 3, deletes = 1): void {
    const sim = this.h.vendorSim;
    const live = sim.leadIds().filter((id) => !this.deleted.has(id));
    for (const id of live.slice(0, deletes)) {
      sim.deleteLead(id);
      this.deleted.add(id);
    }
    // Touch the least recently touched, so over many steps every lead gets changed.
    const touchable = live.slice(deletes).sort((a, b) => (this.touchedAt.get(a)?.at(-1) ?? 0) - (this.touchedAt.get(b)?.at(-1) ?? 0));
    for (const id of touchable.slice(0, touches)) {
      sim.touchLead(id);
      this.touchedAt.set(id, [...(this.touchedAt.get(id) ?? []), Date.now()]);
    }
    for (let i = 0; i < creates; i++) this.created.add(sim.createLead());
    figures.changesMade += creates + touches + deletes;
  }

  private accepted() {
    return this.h.sub.accepted;
  }

  /** lead.deleted only for leads deleted at the vendor. */
  falseDeletes(): string[] {
    return this.accepted()
      .filter((w) => w.type === 'lead.deleted' && !this.deleted.has(w.body.data.lead.id))
      .map((w) => w.body.data.lead.id as string);
  }

  /** Changes made at the vendor that no accepted webhook reports yet. */
  undelivered(): string[] {
    const byType = (type: string) => this.accepted().filter((w) => w.type === type);
    const created = new Set(byType('lead.created').map((w) => w.body.data.lead.id));
    const deleted = new Set(byType('lead.deleted').map((w) => w.body.data.lead.id));
    const updates = byType('lead.updated');
    const out: string[] = [];
    for (const id of this.created) if (!created.has(id)) out.push(`created ${id}`);
    for (const id of this.deleted) if (!deleted.has(id)) out.push(`deleted ${id}`);
    for (const [id, times] of this.touchedAt) {
      if (this.deleted.has(id)) continue;
      // The webhook for a touch is detected after it, so it was received after it too.
      const after = updates.filter((w) => w.body.data.lead.id === id && w.at >= times.at(-1)!);
      if (after.length === 0) out.push(`updated ${id}`);
    }
    return out;
  }

  /**
   * Syncs until every change made so far arrived; each of these runs must succeed (recovery needs no
   * restart). Deletes by absence need two complete scans, MEGA's full scan comes every third poll.
   */
  async settle(maxSyncs = 8): Promise<void> {
    let left = this.undelivered();
    for (let i = 0; i < maxSyncs && left.length > 0; i++) {
      const run = await this.h.sync();
      expect(run.error, 'a sync after the fault cleared').toBeNull();
      await this.h.waitIdle();
      left = this.undelivered();
    }
    figures.lost += left.length;
    expect(left, 'changes made at the vendor that never arrived').toEqual([]);
    const falseDeletes = this.falseDeletes();
    figures.falseDeletes += falseDeletes.length;
    expect(falseDeletes, 'lead.deleted for leads that exist').toEqual([]);
  }

  async metrics(): Promise<string> {
    const res = await request(`${this.h.relay.url}/metrics`);
    return res.body.text();
  }

  async source(): Promise<any> {
    return (await this.h.api('GET', '/v1/sources')).body.data.find((s: any) => s.id === this.h.sourceId);
  }
}

// Vendors run side by side (most of a fault's time is spent waiting out timeouts and Retry-After);
// each vendor's steps run in order against one relay that is never restarted.
describe.concurrent.each(cases)('$name: faults', (c) => {
  const v = new VendorRun(c);
  beforeAll(async () => v.start());
  afterAll(async () => v.h?.stop());

  it.sequential.each(faults)('$name', async (f) => {
    const labels = { source: v.h.sourceId, vendor: c.vendor };
    v.change();
    const injected = f.inject(c, v.key);
    for (const [n, fault] of injected) v.h.vendorSim.failNext(n, fault);
    figures.faultsInjected += injected.reduce((sum, [n]) => sum + n, 0);
    const before = await v.metrics();
    const requestsBefore = v.h.vendorSim.requests.length;

    const run = await v.h.sync();
    await v.h.waitIdle();
    const after = await v.metrics();
    const source = await v.source();

    if (f.outcome.ok) {
      expect(run.error).toBeNull();
      expect(source.lastSync.result).toBe('ok');
    } else {
      figures.failedRunsSeen++;
      expect(run.status).toBe('error');
      expect(run.error!.code).toBe(f.outcome.code);
      expect(run.error!.message).toMatch(f.outcome.message(c));
      // GET /v1/sources tells the operator the same, and keeps the key out of it.
      expect(source.lastSync.result).toBe('error');
      expect(source.lastError).toEqual(run.error);
      expect(JSON.stringify(source)).not.toContain(v.key);
      const code = { ...labels, code: f.outcome.code };
      expect(sample(after, 'leadrelay_sync_errors_total', code) - sample(before, 'leadrelay_sync_errors_total', code)).toBe(1);
      expect(sample(after, 'leadrelay_sync_runs_total', { ...labels, result: 'error' }) - sample(before, 'leadrelay_sync_runs_total', { ...labels, result: 'error' })).toBe(1);
    }
    if (f.requestError) {
      const l = { ...labels, ...f.requestError };
      const counted = sample(after, 'leadrelay_vendor_request_errors_total', l) - sample(before, 'leadrelay_vendor_request_errors_total', l);
      expect(counted, 'failed vendor requests counted in /metrics').toBe(injected[0]![0]);
    }
    expect(after).not.toContain(v.key);
    if (f.name.startsWith('429 with Retry-After, once')) {
      // The retry came only after the second the vendor asked for (sim clock: both stamps on it).
      const seen = v.h.vendorSim.requests.slice(requestsBefore);
      const limited = seen.findIndex((r) => r.status === 429);
      expect(limited).toBeGreaterThanOrEqual(0);
      const retry = seen.slice(limited + 1).find((r) => r.path === seen[limited]!.path && r.status === 200);
      expect(retry!.at - seen[limited]!.at).toBeGreaterThanOrEqual(1000);
    }
    // Nothing half-applied turned into a false delete, even before recovery.
    expect(v.falseDeletes()).toEqual([]);

    await v.settle();
    const recovered = await v.source();
    expect(recovered.lastSync.result).toBe('ok');
    expect(recovered.lastError).toBeNull();
  });
});

describe.concurrent.each(cases)('$vendor: vendor clock skew', (c) => {
  // Incremental cursors are vendor timestamps, never the relay's clock: a vendor clock an hour off
  // either way must not hide a change (with the relay's clock, "behind" would lose every one).
  for (const skewMs of [3_600_000, -3_600_000]) {
    it.sequential(`vendor clock ${skewMs > 0 ? 'ahead of' : 'behind'} the relay's by an hour`, async () => {
      const v = new VendorRun(c);
      v.clock.skewMs = skewMs;
      try {
        await v.start(6);
        for (let round = 0; round < 3; round++) {
          v.change(2, 2, round === 0 ? 1 : 0);
          await v.settle();
        }
      } finally {
        await v.h?.stop();
      }
    });
  }

  if (c.incremental) {
    it.sequential('timestamps that step back within the overlap (vendor nodes with different clocks) lose nothing', async () => {
      const v = new VendorRun(c);
      try {
        await v.start(6);
        for (let round = 0; round < 4; round++) {
          // Alternate between a node on time and one 1.5 s behind; the relay re-reads 2 s (overlap).
          v.clock.skewMs = round % 2 === 0 ? 0 : -1500;
          v.change(1, 2, 0);
          await v.settle();
        }
      } finally {
        await v.h?.stop();
      }
    });
  }

  const fullListEvery = c.fullListEvery;
  if (fullListEvery) {
    it.sequential('a clock that steps back past the overlap delays changes until the next full listing, never loses them', async () => {
      // Changes stamped a minute before what the relay has seen are invisible to `updatedSince`; the
      // periodic full listing (fullScanEvery) is what finds them.
      const v = new VendorRun({ ...c, source: { ...c.source, ...fullListEvery(3) } });
      try {
        await v.start(6);
        v.change(1, 1, 0); // stamped now: the relay's cursor reaches the vendor's present
        await v.settle();
        v.clock.skewMs = -60_000;
        v.change(2, 2, 0);
        await v.settle(3);
      } finally {
        await v.h?.stop();
      }
    });
  }
});

describe('mega: a listing page without its required next_cursor and total', () => {
  // Read leniently ("no next_cursor: last page", "no total: 0 leads"), two such pages in a row made
  // two "complete" full scans that missed every lead past page 1: 10 false lead.deleted of 110 leads,
  // under the 20% mass-delete guard. Now the page fails the run and nothing is judged missing.
  it('fails the run instead of ending a full scan early, so no lead is called deleted', async () => {
    const c = cases.find((x) => x.vendor === 'mega')!;
    const h = await new Harness({
      sim: c.make({ skewMs: 0 }),
      source: { pageSize: 100, rateLimits: [], fullScanEvery: 1 },
      maxRetries: 1,
    }).start();
    try {
      const ids = h.vendorSim.seed(110);
      expect((await h.sync()).error).toBeNull();
      await h.waitIdle();
      for (let scan = 0; scan < 2; scan++) {
        h.vendorSim.failNext(1, { kind: 'rewrite', path: c.listPath, rewrite: (body) => (c.dropRequired(body), body) });
        figures.faultsInjected++;
        const run = await h.sync();
        expect(run.error?.code).toBe('vendor_bad_response');
        expect(run.stats.scanComplete).not.toBe(true);
        await h.waitIdle();
      }
      expect((await h.sync()).error).toBeNull();
      await h.waitIdle();
      expect(h.sub.accepted.filter((w) => w.type === 'lead.deleted')).toEqual([]);
      expect(h.sub.accepted.filter((w) => w.type === 'lead.created').map((w) => w.body.data.lead.id).sort()).toEqual([...ids].sort());
      const source = (await h.api('GET', '/v1/sources')).body.data[0];
      expect(source.leadCount).toBe(110);
    } finally {
      await h.stop();
    }
  });
});

describe('a vendor refusing the key (401/403) and echoing it in any form', () => {
  // Slashes and a plus: the characters that JSON (PHP's \/) and URL encoding change.
  const KEY = 'ak/live/8f3a+Zq9Xy72Lm0Pq4Rs';
  const json = (message: string) => JSON.stringify({ message });
  const answers: Array<{ name: string; status: number; body: string; contentType?: string }> = [
    { name: 'JSON with escaped slashes', status: 401, body: json(`invalid key ${KEY}`).replace(/\//g, '\\/') },
    { name: 'every character \\u-escaped', status: 401, body: `{"message":"bad key ${[...KEY].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('')}"}` },
    { name: 'URL-encoded', status: 403, body: json(`GET /leads?api_key=${encodeURIComponent(KEY)} denied`) },
    { name: 'cut short', status: 401, body: json(`key ${KEY.slice(0, 14)}… was revoked`) },
    { name: 'cut short and escaped', status: 403, body: json(`key ${KEY.slice(0, 12)}... has no access`).replace(/\//g, '\\/') },
    { name: 'an HTML page quoting it URL-encoded', status: 401, contentType: 'text/html', body: `<p>${'x'.repeat(40)} ${encodeURIComponent(KEY)}</p>${'<br>'.repeat(1000)}` },
    { name: 'a long message', status: 403, body: json(`${'access denied; '.repeat(100)}${KEY}`) },
  ];

  /** Any 8 characters in a row of the key, as written or decoded from JSON or URL encoding. */
  function leaks(text: string): string | null {
    let decoded = text;
    try {
      decoded = decodeURIComponent(text);
    } catch {
      // not URL-encoded as a whole
    }
    const unescaped = text.replace(/\\u([0-9a-fA-F]{4})/g, (_, h) => String.fromCharCode(parseInt(h, 16))).replace(/\\\//g, '/');
    for (const t of [text, decoded, unescaped]) {
      for (let i = 0; i + 8 <= KEY.length; i++) if (t.includes(KEY.slice(i, i + 8))) return KEY.slice(i, i + 8);
    }
    return null;
  }

  it('keeps every piece of the key out of the error, GET /v1/sources and the log, and quotes only a short excerpt', async () => {
    const h = await new Harness({ sim: new AptenVendorSim(new AptenSimulator({ apiKey: KEY })), maxRetries: 0 }).start();
    try {
      for (const a of answers) {
        h.vendorSim.failNext(1, { status: a.status, body: a.body, contentType: a.contentType });
        const run = await h.sync();
        expect(run.error?.code, a.name).toBe('vendor_auth_failed');
        const message = run.error!.message;
        expect(message, a.name).toMatch(new RegExp(`^apten GET /leads: ${a.status} .*: check the source's apiKey$`));
        expect(leaks(message), `${a.name}: ${message}`).toBeNull();
        // The vendor's words, at most a short excerpt of them.
        const quoted = message.slice(`apten GET /leads: ${a.status} `.length, -": check the source's apiKey".length);
        expect(quoted.length, `${a.name}: ${message}`).toBeLessThanOrEqual(120);
        const source = (await h.api('GET', '/v1/sources')).body.data[0];
        expect(source.lastError).toEqual(run.error);
      }
      expect(h.logs.join('\n')).toContain('vendor_auth_failed');
      for (const line of h.logs) expect(leaks(line), line).toBeNull();
    } finally {
      await h.stop();
    }
  });
});

describe('a vendor response has one deadline for headers and body, and a size cap', () => {
  it('a body trickling in (one byte per 300 ms) fails the run at requestTimeout, though bytes keep coming', async () => {
    const h = await new Harness({ source: { requestTimeout: '1s' }, maxRetries: 0 }).start();
    try {
      h.apten.createLead();
      h.vendorSim.failNext(1, { kind: 'trickle', path: '/leads', trickleMs: 300 });
      const run = await h.sync();
      expect(run.error?.code).toBe('vendor_unreachable');
      expect(run.error?.message).toMatch(/apten GET \/leads: timed out: the response body .* \(requestTimeout 1s covers headers and body\)/);
      // The next run, answered normally, gets the lead.
      expect((await h.sync()).error).toBeNull();
      await h.waitIdle();
      expect(h.sub.accepted.filter((w) => w.type === 'lead.created')).toHaveLength(1);
    } finally {
      await h.stop();
    }
  });

  it('a response past maxResponseMb fails the run with vendor_response_too_large, and is not retried', async () => {
    const h = await new Harness({ source: { maxResponseMb: 1 }, maxRetries: 2 }).start();
    try {
      h.apten.createLead();
      const requests = h.vendorSim.requests.length;
      h.vendorSim.failNext(1, { kind: 'rewrite', path: '/leads', rewrite: (body) => ({ ...body, pad: 'x'.repeat(2 * 1024 * 1024) }) });
      const run = await h.sync();
      expect(run.error?.code).toBe('vendor_response_too_large');
      expect(run.error?.message).toMatch(/apten GET \/leads: the response is larger than maxResponseMb \(1 MB\)/);
      expect(h.vendorSim.requests.length - requests).toBe(1); // the same request would get the same answer
      const source = (await h.api('GET', '/v1/sources')).body.data[0];
      expect(source.lastError).toEqual(run.error);
      expect((await h.sync()).error).toBeNull();
    } finally {
      await h.stop();
    }
  });
});
