// Issue #6 items 4 and 5: GET /metrics (Prometheus text whose values follow the relay's work) and
// structured logs (request ids, access lines, the configured level, no secret in any line).
import { afterEach, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { ADMIN_TOKEN, APTEN_KEY, Harness } from './helpers/harness.js';
import { waitFor } from './helpers/wait.js';
import { createLogger, resolveLogLevel } from '../src/log.js';
import { validateConfig } from '../src/config/index.js';

let h: Harness;
afterEach(async () => {
  await h?.stop();
});

/** GET /metrics without a token, as a scraper does. */
async function scrape() {
  const res = await request(`${h.relay.url}/metrics`);
  return { status: res.statusCode, contentType: String(res.headers['content-type']), text: await res.body.text() };
}

/** The value of the one sample of `name` carrying all of `labels`; undefined when there is none. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = (m[2] ?? '').split(',');
    if (wanted.every((w) => have.includes(w))) return Number(m[3]);
  }
  return undefined;
}

async function metric(name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  return sample((await scrape()).text, name, labels);
}

/** A raw admin API call, to set and read headers the harness's api() does not expose. */
async function call(path: string, headers: Record<string, string> = {}) {
  const res = await request(`${h.relay.url}${path}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...headers } });
  await res.body.text();
  return { status: res.statusCode, requestId: res.headers['x-request-id'] as string | undefined };
}

const parsedLogs = () => h.logs.map((l) => JSON.parse(l) as Record<string, any>);
const accessLines = () => parsedLogs().filter((l) => l.msg === 'admin API request');

const apten = { source: 'apten', vendor: 'apten' };

describe('GET /metrics', () => {
  it('serves Prometheus text without a token: process metrics and every relay metric', async () => {
    const startedAt = Date.now();
    h = await new Harness().start();
    const res = await scrape();
    expect(res.status).toBe(200);
    expect(res.contentType).toContain('text/plain');
    expect(res.contentType).toContain('version=0.0.4');
    expect(res.text).toContain('# TYPE process_cpu_user_seconds_total counter');
    expect(res.text).toContain('# TYPE nodejs_heap_size_used_bytes gauge');
    for (const [name, type] of [
      ['leadrelay_sync_runs_total', 'counter'],
      ['leadrelay_sync_errors_total', 'counter'],
      ['leadrelay_sync_leads_seen_total', 'counter'],
      ['leadrelay_events_emitted_total', 'counter'],
      ['leadrelay_sync_duration_seconds', 'histogram'],
      ['leadrelay_source_lag_seconds', 'gauge'],
      ['leadrelay_source_leads', 'gauge'],
      ['leadrelay_source_polled_here', 'gauge'],
      ['leadrelay_delivery_attempts_total', 'counter'],
      ['leadrelay_delivery_filtered_total', 'counter'],
      ['leadrelay_delivery_attempt_duration_seconds', 'histogram'],
      ['leadrelay_delivery_queue_depth', 'gauge'],
      ['leadrelay_delivery_oldest_pending_age_seconds', 'gauge'],
      ['leadrelay_subscription_circuit_open', 'gauge'],
      ['leadrelay_subscription_enabled', 'gauge'],
    ]) {
      expect(res.text).toContain(`# TYPE ${name} ${type}`);
    }
    // The start-up run succeeded after the harness started: the lag is present and no older than that.
    const lag = sample(res.text, 'leadrelay_source_lag_seconds', apten);
    expect(lag).toBeGreaterThanOrEqual(0);
    expect(lag).toBeLessThanOrEqual((Date.now() - startedAt) / 1000 + 1);
    expect(sample(res.text, 'leadrelay_subscription_enabled', { subscription: 'all' })).toBe(1);
    expect(sample(res.text, 'leadrelay_source_polled_here', apten)).toBe(1); // the one replica polls it
  });

  it('two relays in one process keep separate counts', async () => {
    h = await new Harness().start();
    const other = await new Harness().start();
    try {
      const before = (await metric('leadrelay_sync_runs_total', { ...apten, result: 'ok' }))!;
      await other.sync();
      await other.sync();
      expect(await metric('leadrelay_sync_runs_total', { ...apten, result: 'ok' })).toBe(before);
    } finally {
      await other.stop();
    }
  });

  it('moves with the work: polls, leads seen, events by type, deliveries and their latency', async () => {
    h = await new Harness().start();
    const runs = (await metric('leadrelay_sync_runs_total', { ...apten, result: 'ok' }))!;
    const seen = (await metric('leadrelay_sync_leads_seen_total', apten))!;
    const durations = (await metric('leadrelay_sync_duration_seconds_count', apten))!;
    expect(runs).toBeGreaterThanOrEqual(1); // the run at start-up
    expect(await metric('leadrelay_events_emitted_total', { ...apten, type: 'lead.created' })).toBeUndefined();

    const lead = h.apten.createLead();
    h.apten.createLead();
    await h.sync();
    await h.waitIdle();
    let text = (await scrape()).text;
    expect(sample(text, 'leadrelay_sync_runs_total', { ...apten, result: 'ok' })).toBe(runs + 1);
    expect(sample(text, 'leadrelay_sync_leads_seen_total', apten)).toBeGreaterThanOrEqual(seen + 2);
    expect(sample(text, 'leadrelay_sync_duration_seconds_count', apten)).toBe(durations + 1);
    expect(sample(text, 'leadrelay_events_emitted_total', { ...apten, type: 'lead.created' })).toBe(2);
    expect(sample(text, 'leadrelay_source_leads', apten)).toBe(2);
    expect(sample(text, 'leadrelay_delivery_attempts_total', { subscription: 'all', outcome: 'succeeded' })).toBe(2);
    expect(sample(text, 'leadrelay_delivery_attempt_duration_seconds_count', { subscription: 'all' })).toBe(2);
    expect(sample(text, 'leadrelay_delivery_attempt_duration_seconds_bucket', { subscription: 'all', le: '30' })).toBe(2);
    expect(sample(text, 'leadrelay_delivery_queue_depth', { subscription: 'all' })).toBe(0);

    h.apten.updateLead(lead.id, { isHot: true });
    await h.sync();
    await h.waitIdle();
    text = (await scrape()).text;
    expect(sample(text, 'leadrelay_events_emitted_total', { ...apten, type: 'lead.updated' })).toBe(1);
    expect(sample(text, 'leadrelay_delivery_attempts_total', { subscription: 'all', outcome: 'succeeded' })).toBe(3);
  });

  it('shows the queue growing and the circuit open while a subscriber fails, then both back to 0', async () => {
    h = await new Harness({
      retrySchedule: Array(20).fill('30ms'),
      delivery: { circuitBreakerAfter: 2, circuitBreakerCooldown: '1s' },
    }).start();
    h.sub.respond = () => 500;
    h.apten.createLead();
    await h.sync();
    await waitFor(async () => (await metric('leadrelay_subscription_circuit_open', { subscription: 'all' })) === 1, {
      what: 'the circuit to open',
    });
    const text = (await scrape()).text;
    expect(sample(text, 'leadrelay_delivery_queue_depth', { subscription: 'all' })).toBe(1);
    expect(sample(text, 'leadrelay_delivery_oldest_pending_age_seconds', { subscription: 'all' })).toBeGreaterThan(0);
    expect(sample(text, 'leadrelay_delivery_attempts_total', { subscription: 'all', outcome: 'retry' })).toBeGreaterThanOrEqual(2);
    expect(sample(text, 'leadrelay_delivery_attempts_total', { subscription: 'all', outcome: 'succeeded' })).toBeUndefined();

    h.sub.respond = () => 204;
    await h.waitIdle();
    const after = (await scrape()).text;
    expect(sample(after, 'leadrelay_delivery_queue_depth', { subscription: 'all' })).toBe(0);
    expect(sample(after, 'leadrelay_delivery_oldest_pending_age_seconds', { subscription: 'all' })).toBe(0);
    expect(sample(after, 'leadrelay_subscription_circuit_open', { subscription: 'all' })).toBe(0);
    expect(sample(after, 'leadrelay_delivery_attempts_total', { subscription: 'all', outcome: 'succeeded' })).toBe(1);
  });

  it('counts a failing vendor under its error code', async () => {
    h = await new Harness().start();
    const errorsBefore = await metric('leadrelay_sync_runs_total', { ...apten, result: 'error' });
    expect(errorsBefore).toBe(0);
    h.apten.failNext(5, { status: 401 });
    const run = await h.sync();
    expect(run.error?.code).toBe('vendor_auth_failed');
    const text = (await scrape()).text;
    expect(sample(text, 'leadrelay_sync_runs_total', { ...apten, result: 'error' })).toBe(1);
    expect(sample(text, 'leadrelay_sync_errors_total', { ...apten, code: 'vendor_auth_failed' })).toBe(1);
  });
});

describe('request ids and access lines', () => {
  it('gives every request an id, echoes it, and logs one access line carrying it', async () => {
    h = await new Harness().start();
    const res = await call('/v1/sources');
    expect(res.status).toBe(200);
    expect(res.requestId).toMatch(/^req_[0-9A-Z]{26}$/);
    const lines = accessLines().filter((l) => l.requestId === res.requestId);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 30, method: 'GET', path: '/v1/sources', status: 200, component: 'api' });
    expect(typeof lines[0]!.durationMs).toBe('number');
  });

  it("keeps a caller's sane x-request-id", async () => {
    h = await new Harness().start();
    const res = await call('/v1/subscriptions', { 'x-request-id': 'trace.ABC-123_x' });
    expect(res.requestId).toBe('trace.ABC-123_x');
    expect(accessLines().filter((l) => l.requestId === 'trace.ABC-123_x')).toHaveLength(1);
  });

  it("replaces a caller's id that is too long or has other characters", async () => {
    h = await new Harness().start();
    for (const bad of ['a'.repeat(65), 'has space', 'semi;colon', '{"level":60}']) {
      const res = await call('/v1/sources', { 'x-request-id': bad });
      expect(res.requestId).toMatch(/^req_/);
      expect(h.logs.join('\n')).not.toContain(bad);
    }
  });

  it('ids and logs 401s and 404s too, without the query string', async () => {
    h = await new Harness().start();
    const denied = await call('/v1/sources', { authorization: 'Bearer wrong-token-0123456789' });
    expect(denied.status).toBe(401);
    const missing = await call('/v1/nothing-here?token=query-secret-zz');
    expect(missing.status).toBe(404);
    const lines = accessLines();
    expect(lines.find((l) => l.requestId === denied.requestId)).toMatchObject({ status: 401, path: '/v1/sources' });
    expect(lines.find((l) => l.requestId === missing.requestId)).toMatchObject({ status: 404, path: '/v1/nothing-here' });
    expect(h.logs.join('\n')).not.toContain('query-secret-zz');
  });

  it('logs /healthz and /metrics at debug, the rest at info', async () => {
    h = await new Harness().start();
    const health = await call('/healthz');
    await scrape();
    const byPath = (p: string) => accessLines().filter((l) => l.path === p);
    expect(byPath('/healthz').find((l) => l.requestId === health.requestId)?.level).toBe(20);
    expect(byPath('/metrics').map((l) => l.level)).toEqual([20]);
    expect(byPath('/v1/sources').every((l) => l.level === 30)).toBe(true);
  });
});

describe('log level', () => {
  it('server.logLevel applies: debug lines appear only at debug', async () => {
    h = await new Harness({ logLevel: 'info' }).start();
    await call('/healthz');
    await h.sync(); // nothing changed: "sync finished" is a debug line
    expect(parsedLogs().some((l) => l.level < 30)).toBe(false);
    expect(parsedLogs().some((l) => l.msg === 'admin API request' && l.path === '/v1/sources')).toBe(true);
    await h.stop();

    h = await new Harness({ logLevel: 'debug' }).start();
    await call('/healthz');
    await h.sync();
    expect(parsedLogs().some((l) => l.level === 20 && l.path === '/healthz')).toBe(true);
    expect(parsedLogs().some((l) => l.level === 20 && l.msg === 'sync finished')).toBe(true);
  });

  it('LEADRELAY_LOG_LEVEL overrides the config; a bad value is an error, a bad config value a problem', () => {
    expect(resolveLogLevel('info', {})).toBe('info');
    expect(resolveLogLevel('info', { LEADRELAY_LOG_LEVEL: 'debug' })).toBe('debug');
    expect(resolveLogLevel('debug', { LEADRELAY_LOG_LEVEL: ' WARN ' })).toBe('warn');
    expect(() => resolveLogLevel('info', { LEADRELAY_LOG_LEVEL: 'verbose' })).toThrow(/must be one of trace, debug/);
    const bad = validateConfig({ server: { adminToken: ADMIN_TOKEN, logLevel: 'verbose' } });
    expect(bad.ok ? [] : bad.problems).toContainEqual({ path: ['server', 'logLevel'], message: expect.stringContaining('must be one of trace') });
    const good = validateConfig({ server: { adminToken: ADMIN_TOKEN } });
    expect(good.ok && good.config.server.logLevel).toBe('info');
  });
});

describe('no secret reaches a log line', () => {
  it('keeps the vendor key, admin token, signing secret and header values out of every line', async () => {
    h = await new Harness({
      retrySchedule: ['20ms', '20ms'],
      subscriptions: ({ sub }) => [{ id: 'all', url: sub.url, secret: sub.secret, headers: { Authorization: 'Bearer super-secret-header' } }],
    }).start();
    // A subscriber that keeps failing, then gives up: retry and failed-for-good lines.
    h.sub.respond = () => 500;
    h.apten.createLead();
    await h.sync();
    await h.waitIdle();
    // A vendor that rejects the key, once echoing it in its error body.
    h.apten.failNext(1, { status: 401, body: JSON.stringify({ message: `invalid key ${APTEN_KEY}` }) });
    const echoed = await h.sync();
    expect(echoed.error?.message).toContain('[redacted]');
    expect(echoed.error?.message).not.toContain(APTEN_KEY);
    h.apten.failNext(5, { status: 401 });
    expect((await h.sync()).status).toBe('error');
    // Wrong tokens (one that contains the real one), and a subscription created with secrets in its body.
    expect((await h.api('GET', '/v1/sources', undefined, 'wrong-token-0123456789')).status).toBe(401);
    expect((await h.api('GET', '/v1/sources', undefined, `${ADMIN_TOKEN}x`)).status).toBe(401);
    const created = await h.api('POST', '/v1/subscriptions', {
      url: 'https://example.com/hook',
      secret: 'whsec_' + Buffer.alloc(32, 7).toString('base64'),
      headers: { 'X-Api-Token': 'another-header-secret' },
    });
    expect(created.status).toBe(201);
    await h.api('GET', `/v1/subscriptions/${created.body.id}/secret`);

    const all = h.logs.join('\n');
    // The failures were logged, so the check below looks at lines that talk about them.
    expect(all).toContain('delivery failed for good');
    expect(all).toContain('vendor_auth_failed');
    expect(parsedLogs().filter((l) => l.status === 401).length).toBeGreaterThanOrEqual(2);
    for (const secret of [
      APTEN_KEY,
      ADMIN_TOKEN,
      h.sub.secret,
      h.sub.secret.slice('whsec_'.length),
      'super-secret-header',
      'another-header-secret',
      Buffer.alloc(32, 7).toString('base64'),
    ]) {
      expect(all).not.toContain(secret);
    }
  });

  it('censors secret-bearing keys even when an object or error carrying them is logged', () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'info', destination: { write: (l: string) => void lines.push(l) } });
    const err = Object.assign(new Error('request failed'), { headers: { authorization: 'Bearer from-an-error' } });
    logger.warn(
      {
        err,
        subscription: { id: 'sub_1', secret: 'whsec_in-an-object', headers: { 'X-Custom': 'custom-header-value' } },
        source: { apiKey: 'api-key-in-an-object' },
        server: { adminToken: 'admin-token-in-an-object' },
      },
      'something with secrets',
    );
    const line = lines.join('');
    expect(line).toContain('sub_1');
    expect(line).toContain('[redacted]');
    for (const s of ['from-an-error', 'whsec_in-an-object', 'custom-header-value', 'api-key-in-an-object', 'admin-token-in-an-object']) {
      expect(line).not.toContain(s);
    }
  });
});
