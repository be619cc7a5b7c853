// interface.md "GET /v1/events" (the event log) and docs/delivery.md "Retention" (delivery.retention), over
// real HTTP against a whole relay; old rows are made by backdating them through a second connection.
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../src/config/index.js';
import { createLogger } from '../src/log.js';
import { RetentionPruner } from '../src/delivery/retention.js';
import { generateSecret } from '../src/delivery/sign.js';
import { openSqliteStore } from '../src/store/index.js';
import { ADMIN_TOKEN, Harness } from './helpers/harness.js';
import { TestSubscriber } from './helpers/subscriber.js';
import { sleep, waitFor } from './helpers/wait.js';

interface LogEntry {
  id: string;
  type: string;
  source: string | null;
  leadId: string | null;
  createdAt: string;
  payload: any;
}

async function events(h: Harness, query = ''): Promise<{ data: LogEntry[]; nextCursor: string | null }> {
  const res = await h.api('GET', `/v1/events${query ? `?${query}` : ''}`);
  expect(res.status, `GET /v1/events?${query}: ${JSON.stringify(res.body)}`).toBe(200);
  return res.body;
}

/** Every page of a query, following nextCursor. */
async function allPages(h: Harness, query: string): Promise<{ pages: LogEntry[][]; all: LogEntry[] }> {
  const pages: LogEntry[][] = [];
  let cursor: string | null = null;
  do {
    const page: { data: LogEntry[]; nextCursor: string | null } = await events(
      h,
      `${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    pages.push(page.data);
    cursor = page.nextCursor;
    expect(pages.length).toBeLessThan(50);
  } while (cursor);
  return { pages, all: pages.flat() };
}

const DAY_MS = 86_400_000;

/** A second connection to the relay's database (WAL lets it write while the relay runs). */
function openDb(h: Harness) {
  const db = new Database(join(h.dir, 'relay.db'));
  db.pragma('busy_timeout = 5000');
  return db;
}

describe('GET /v1/events: the event log, newest first, filtered and cursor-paginated', () => {
  let h: Harness;
  let lead: { a: string; b: string; c: string };
  /** Between the first syncs (both sources) and the later changes (apten only). */
  let mid: string;
  let full: LogEntry[];

  beforeAll(async () => {
    h = await new Harness({ secondSource: true }).start();
    lead = { a: h.apten.createLead().id, b: h.apten.createLead().id, c: h.apten.createLead().id };
    await h.sync('apten');
    await h.sync('apten-b');
    await h.waitIdle();
    await sleep(5);
    mid = new Date().toISOString();
    await sleep(5);
    h.apten.updateLead(lead.a, { isQualified: true });
    h.apten.addEvent(lead.b, { type: 'MESSAGE', data: { direction: 'INBOUND', content: { text: 'Hi' }, status: 'RECEIVED' } });
    h.apten.deleteLead(lead.c);
    await h.sync('apten');
    const ping = await h.api('POST', '/v1/subscriptions/all/test');
    expect(ping.status).toBe(202);
    await h.waitIdle();
    await waitFor(() => h.sub.accepted.length === 11, { what: '11 webhooks' });
    full = (await events(h, 'limit=200')).data;
  });
  afterAll(async () => h?.stop());

  it('lists every event once, newest first, each {id, type, source, leadId, createdAt, payload}', async () => {
    expect(full).toHaveLength(11);
    for (const e of full) expect(Object.keys(e)).toEqual(['id', 'type', 'source', 'leadId', 'createdAt', 'payload']);
    // evt_ ids are time-ordered and unique: newest first means strictly descending.
    const ids = full.map((e) => e.id);
    expect(ids).toEqual([...ids].sort().reverse());
    expect(new Set(ids).size).toBe(11);
    const times = full.map((e) => e.createdAt);
    expect(times).toEqual([...times].sort().reverse());
    const labels = full.map((e) => `${e.type} ${e.source}`);
    expect(labels[0]).toBe('ping null');
    // The later changes, in the order the sync detected them.
    expect(labels.slice(1, 5).sort()).toEqual(['event.added apten', 'lead.deleted apten', 'lead.updated apten', 'lead.updated apten']);
    expect(labels.slice(5)).toEqual([
      'lead.created apten-b',
      'lead.created apten-b',
      'lead.created apten-b',
      'lead.created apten',
      'lead.created apten',
      'lead.created apten',
    ]);
    // Without limit, a page holds 50: all 11 here, and no next page.
    const dflt = await events(h);
    expect(dflt.data.map((e) => e.id)).toEqual(ids);
    expect(dflt.nextCursor).toBeNull();
  });

  it('payload is exactly the webhook body the subscriber received under the same webhook-id', () => {
    const byId = new Map(h.sub.accepted.map((r) => [r.id, r]));
    expect(byId.size).toBe(11);
    for (const e of full) {
      const got = byId.get(e.id);
      expect(got, e.id).toBeDefined();
      expect(e.payload).toEqual(got!.body);
      expect(JSON.stringify(e.payload)).toBe(got!.raw);
      expect(e.type).toBe(got!.type);
    }
  });

  it('test pings appear with source and leadId null; changes carry their source and lead id', () => {
    const ping = full[0]!;
    expect(ping).toMatchObject({ type: 'ping', source: null, leadId: null });
    expect(ping.payload.data.subscriptionId).toBe('all');
    const deleted = full.find((e) => e.type === 'lead.deleted')!;
    expect(deleted).toMatchObject({ type: 'lead.deleted', source: 'apten', leadId: lead.c });
    expect(deleted.payload.data.lead.id).toBe(lead.c);
    expect(Date.parse(deleted.createdAt)).toBeGreaterThan(Date.parse(mid));
  });

  it('type filters by one type or several, comma separated', async () => {
    const created = (await events(h, 'type=lead.created')).data;
    expect(created).toHaveLength(6);
    expect(created.every((e) => e.type === 'lead.created')).toBe(true);
    expect(created.map((e) => e.id)).toEqual(full.filter((e) => e.type === 'lead.created').map((e) => e.id));

    const two = (await events(h, 'type=lead.deleted,event.added')).data;
    expect(two.map((e) => e.type).sort()).toEqual(['event.added', 'lead.deleted']);
    expect(two.map((e) => e.id)).toEqual(full.filter((e) => ['event.added', 'lead.deleted'].includes(e.type)).map((e) => e.id));
    const pings = (await events(h, 'type=ping')).data;
    expect(pings.map((e) => e.id)).toEqual([full[0]!.id]);
    expect((await events(h, 'type=event.updated')).data).toEqual([]);
  });

  it('source filters by source id; an unknown source finds nothing', async () => {
    const b = (await events(h, 'source=apten-b')).data;
    expect(b).toHaveLength(3);
    expect(b.every((e) => e.source === 'apten-b' && e.type === 'lead.created')).toBe(true);
    expect(new Set(b.map((e) => e.leadId))).toEqual(new Set(Object.values(lead)));
    const a = (await events(h, 'source=apten')).data;
    expect(a.map((e) => e.id)).toEqual(full.filter((e) => e.source === 'apten').map((e) => e.id));
    expect(a).toHaveLength(7);
    expect((await events(h, 'source=nowhere')).data).toEqual([]);
  });

  it('lead filters one lead: with source in that source, without source across all sources', async () => {
    const inApten = (await events(h, `source=apten&lead=${lead.b}`)).data;
    expect(inApten.map((e) => e.type)).toEqual(['event.added', 'lead.updated', 'lead.created']);
    expect(inApten.every((e) => e.leadId === lead.b && e.source === 'apten')).toBe(true);

    const everywhere = (await events(h, `lead=${lead.b}`)).data;
    expect(everywhere.map((e) => `${e.type} ${e.source}`)).toEqual([
      'event.added apten',
      'lead.updated apten',
      'lead.created apten-b',
      'lead.created apten',
    ]);
    expect((await events(h, `source=apten-b&lead=${lead.a}`)).data.map((e) => e.type)).toEqual(['lead.created']);
    expect((await events(h, 'lead=room_nobody')).data).toEqual([]);
    // Combined with a type.
    expect((await events(h, `lead=${lead.b}&type=lead.created`)).data.map((e) => e.source)).toEqual(['apten-b', 'apten']);
  });

  it('since is inclusive and until exclusive, on createdAt; any time zone offset means the same instant', async () => {
    const after = (await events(h, `since=${mid}`)).data;
    expect(after.map((e) => e.id)).toEqual(full.slice(0, 5).map((e) => e.id));
    expect(after.map((e) => e.type).sort()).toEqual(['event.added', 'lead.deleted', 'lead.updated', 'lead.updated', 'ping']);
    const before = (await events(h, `until=${mid}`)).data;
    expect(before).toHaveLength(6);
    expect(before.every((e) => e.type === 'lead.created')).toBe(true);

    // The same instant written with a +02:00 offset.
    const d = new Date(Date.parse(mid) + 2 * 3_600_000).toISOString().replace('Z', '+02:00');
    expect((await events(h, `since=${encodeURIComponent(d)}`)).data.map((e) => e.id)).toEqual(after.map((e) => e.id));

    // At an event's own createdAt: since includes it, until leaves it out, and together they split the log.
    const x = full.find((e) => e.type === 'event.added')!;
    const from = (await events(h, `since=${x.createdAt}&limit=200`)).data;
    const upTo = (await events(h, `until=${x.createdAt}&limit=200`)).data;
    expect(from.map((e) => e.id)).toContain(x.id);
    expect(upTo.map((e) => e.id)).not.toContain(x.id);
    expect([...from, ...upTo].map((e) => e.id)).toEqual(full.map((e) => e.id));
    expect(from.every((e) => e.createdAt >= x.createdAt) && upTo.every((e) => e.createdAt < x.createdAt)).toBe(true);

    // A window holding nothing, a date-only bound, and all filters together.
    expect((await events(h, 'until=2000-01-01')).data).toEqual([]);
    expect((await events(h, 'since=2000-01-01')).data).toHaveLength(11);
    const narrow = (await events(h, `type=lead.updated&source=apten&lead=${lead.a}&since=${mid}&until=2999-01-01T00:00:00Z`)).data;
    expect(narrow.map((e) => [e.type, e.leadId])).toEqual([['lead.updated', lead.a]]);
  });

  it('pages by cursor without overlap or gaps, with and without filters', async () => {
    const { pages, all } = await allPages(h, 'limit=3');
    expect(pages.map((p) => p.length)).toEqual([3, 3, 3, 2]);
    expect(all.map((e) => e.id)).toEqual(full.map((e) => e.id));

    const filtered = await allPages(h, 'limit=2&source=apten');
    expect(filtered.pages.map((p) => p.length)).toEqual([2, 2, 2, 1]);
    expect(filtered.all.map((e) => e.id)).toEqual(full.filter((e) => e.source === 'apten').map((e) => e.id));

    // A limit equal to what is left: the last page is full and says there is nothing more.
    const exact = await events(h, 'limit=11');
    expect(exact.data).toHaveLength(11);
    expect(exact.nextCursor).toBeNull();
    const one = await events(h, 'limit=1');
    expect(one.data.map((e) => e.id)).toEqual([full[0]!.id]);
    expect(typeof one.nextCursor).toBe('string');
    expect(one.nextCursor).not.toContain(full[0]!.id); // opaque, not an event id
  });

  it('a bad query is 400 invalid_request naming the field', async () => {
    const cases: Array<[string, string]> = [
      ['type=lead.nope', 'type'],
      ['type=lead.created,', 'type'],
      ['type=', 'type'],
      ['type=lead.*', 'type'],
      ['since=yesterday', 'since'],
      ['since=2026-02-30', 'since'],
      ['since=2026-05-01T10:00:00', 'since'], // no time zone
      ['until=1715700000', 'until'],
      [`since=${mid}&until=${mid}`, 'until'],
      ['limit=0', 'limit'],
      ['limit=abc', 'limit'],
      ['limit=201', 'limit'],
      ['limit=-1', 'limit'],
      ['cursor=garbage', 'cursor'],
      [`cursor=${Buffer.from('e:0').toString('base64url')}`, 'cursor'],
      ['source=Not%20An%20Id', 'source'],
      ['colour=red', 'query'],
    ];
    for (const [query, field] of cases) {
      const res = await h.api('GET', `/v1/events?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.body.error.code, query).toBe('invalid_request');
      expect(res.body.error.message.length).toBeGreaterThan(0);
      expect(res.body.error.details.map((d: any) => d.field), query).toContain(field);
    }
  });

  it('needs the admin token (401 without it or with a wrong one)', async () => {
    for (const token of [null, 'wrong-token-0123456789']) {
      const res = await h.api('GET', '/v1/events', undefined, token);
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('unauthorized');
      expect(JSON.stringify(res.body)).not.toContain('lead.created');
    }
    expect((await h.api('GET', '/v1/events', undefined, ADMIN_TOKEN)).status).toBe(200);
  });
});

describe('GET /v1/events pagination is by position, not offset', () => {
  let h: Harness;
  afterEach(async () => h?.stop());

  it('events detected between two page requests do not shift the next page', async () => {
    h = await new Harness().start();
    for (let i = 0; i < 5; i++) h.apten.createLead();
    await h.sync();
    const before = (await events(h, 'limit=200')).data;
    expect(before).toHaveLength(5);
    const first = await events(h, 'limit=2');
    expect(first.data.map((e) => e.id)).toEqual(before.slice(0, 2).map((e) => e.id));

    h.apten.createLead();
    h.apten.createLead();
    await h.sync();
    expect((await events(h, 'limit=200')).data).toHaveLength(7);

    const second = await events(h, `limit=2&cursor=${encodeURIComponent(first.nextCursor!)}`);
    expect(second.data.map((e) => e.id)).toEqual(before.slice(2, 4).map((e) => e.id));
    const third = await events(h, `limit=2&cursor=${encodeURIComponent(second.nextCursor!)}`);
    expect(third.data.map((e) => e.id)).toEqual(before.slice(4).map((e) => e.id));
    expect(third.nextCursor).toBeNull();
  });
});

describe('delivery.retention: the config key', () => {
  const base = { server: { adminToken: 'admin-token-0123456789abcd' } };

  it('defaults to 30d and takes a duration of at least 1h', () => {
    const dflt = validateConfig(base);
    expect(dflt.ok && dflt.config.delivery.retention).toBe(30 * DAY_MS);
    const week = validateConfig({ ...base, delivery: { retention: '7d' } });
    expect(week.ok && week.config.delivery.retention).toBe(7 * DAY_MS);
    const hour = validateConfig({ ...base, delivery: { retention: '1h' } });
    expect(hour.ok && hour.config.delivery.retention).toBe(3_600_000);
  });

  it('rejects 0, less than 1h and non-durations, naming delivery.retention', () => {
    for (const retention of ['0', '0s', '59m', 'forever', 30]) {
      const res = validateConfig({ ...base, delivery: { retention } });
      expect(res.ok, String(retention)).toBe(false);
      if (!res.ok) expect(res.problems.map((p) => p.path.join('.'))).toContain('delivery.retention');
    }
    const zero = validateConfig({ ...base, delivery: { retention: '0s' } });
    expect(!zero.ok && zero.problems[0]!.message).toBe('must be at least 1h');
  });
});

describe('retention: old finished deliveries and the events nothing needs are pruned', () => {
  let h: Harness;
  let down: TestSubscriber | undefined;
  afterEach(async () => {
    await h?.stop();
    await down?.close();
    down = undefined;
  });

  it('deletes old succeeded/failed deliveries with their attempts and then unneeded old events; keeps pending ones, what they need, recent rows and the snapshot', async () => {
    // A long retry delay keeps a failed-once delivery pending for the whole test.
    h = await new Harness({ retrySchedule: ['1h'] }).start();
    const a = h.apten.createLead();
    await h.sync(); // lead.created(a) -> "all" only, succeeded

    // A second endpoint: P's webhook keeps failing (pending), Q's gets 410 (failed; disables it).
    // P's attempt comes first, in a sync of its own: once Q's 410 disables the endpoint, nothing more is sent there.
    down = await new TestSubscriber(generateSecret()).start();
    let q: ReturnType<typeof h.apten.createLead> | undefined;
    down.respond = ({ body }) => (body.data.lead.id === q?.id ? 410 : 503);
    const created = await h.api('POST', '/v1/subscriptions', { url: down.url, secret: down.secret, events: ['lead.created'] });
    expect(created.status).toBe(201);
    const downId: string = created.body.id;
    const p = h.apten.createLead();
    await h.sync();
    await waitFor(() => down!.received.length === 1, { what: "P's failed attempt" });
    q = h.apten.createLead();
    await h.sync();
    await waitFor(() => down!.received.length === 2, { what: "Q's attempt" });
    await waitFor(async () => (await h.api('GET', `/v1/subscriptions/${downId}`)).body.enabled === false, { what: '410 to disable it' });
    await h.waitIdle();

    const r = h.apten.createLead(); // recent: must survive
    await h.sync();
    await h.waitIdle();
    expect(h.sub.accepted.map((w) => w.body.data.lead.id).sort()).toEqual([a.id, p.id, q.id, r.id].sort());

    const db = openDb(h);
    try {
      const seqOf = (leadId: string) => (db.prepare(`SELECT seq FROM events WHERE lead_id = ?`).get(leadId) as { seq: number }).seq;
      const old = [a.id, p.id, q.id];
      const oldSeqs = old.map(seqOf);
      const statuses = db
        .prepare(`SELECT d.status, d.subscription_id AS sub, e.lead_id AS lead FROM deliveries d JOIN events e ON e.seq = d.event_seq ORDER BY d.id`)
        .all() as Array<{ status: string; sub: string; lead: string }>;
      expect(statuses.filter((s) => s.sub === downId).map((s) => [s.lead, s.status]).sort()).toEqual(
        [[p.id, 'pending'], [q.id, 'failed']].sort(),
      );
      // 40 days ago: every row about a, p and q, the pending delivery included.
      const longAgo = Date.now() - 40 * DAY_MS;
      db.prepare(
        `UPDATE deliveries SET created_at = @t, updated_at = @t, completed_at = CASE WHEN completed_at IS NULL THEN NULL ELSE @t END
         WHERE event_seq IN (SELECT value FROM json_each(@seqs))`,
      ).run({ t: longAgo, seqs: JSON.stringify(oldSeqs) });
      db.prepare(`UPDATE events SET created_at = ? WHERE seq IN (SELECT value FROM json_each(?))`).run(
        new Date(longAgo).toISOString(),
        JSON.stringify(oldSeqs),
      );
      const count = (table: string) => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
      const snapshotBefore = { leads: count('leads'), leadEvents: count('lead_events') };
      const attemptsBefore = count('delivery_attempts');
      expect(count('deliveries')).toBe(6); // a, p, q, r to "all"; p, q to down

      const result = await h.relay.pruneNow();
      // all/a, all/p, all/q, down/q; events a and q (p is still needed by its pending delivery).
      expect(result).toMatchObject({ deliveries: 4, events: 2, complete: true });
      expect(Date.parse(result.cutoff)).toBeLessThan(Date.now() - 29 * DAY_MS);

      const left = db
        .prepare(`SELECT d.status, d.subscription_id AS sub, e.lead_id AS lead FROM deliveries d JOIN events e ON e.seq = d.event_seq`)
        .all() as Array<{ status: string; sub: string; lead: string }>;
      expect(left.map((d) => `${d.sub} ${d.lead} ${d.status}`).sort()).toEqual(
        [`all ${r.id} succeeded`, `${downId} ${p.id} pending`].sort(),
      );
      const eventLeads = (db.prepare(`SELECT lead_id FROM events`).all() as Array<{ lead_id: string }>).map((e) => e.lead_id);
      expect(eventLeads.sort()).toEqual([p.id, r.id].sort());
      // Attempts went with their deliveries (cascade); the pending and the recent one keep theirs.
      const orphanAttempts = db.prepare(`SELECT count(*) AS n FROM delivery_attempts WHERE delivery_id NOT IN (SELECT id FROM deliveries)`).get() as { n: number };
      expect(orphanAttempts.n).toBe(0);
      expect(count('delivery_attempts')).toBe(2);
      expect(attemptsBefore).toBeGreaterThan(2);
      expect(db.pragma('foreign_key_check')).toEqual([]);
      // The snapshot is state, not history.
      expect({ leads: count('leads'), leadEvents: count('lead_events') }).toEqual(snapshotBefore);
      expect(snapshotBefore.leads).toBe(4);

      // The API agrees.
      expect((await events(h, 'limit=200')).data.map((e) => e.leadId).sort()).toEqual([p.id, r.id].sort());
      const allDeliveries = (await h.api('GET', '/v1/subscriptions/all/deliveries')).body.data;
      expect(allDeliveries.map((d: any) => d.leadId)).toEqual([r.id]);

      // Nothing more to do the second time.
      expect(await h.relay.pruneNow()).toMatchObject({ deliveries: 0, events: 0, complete: true });

      // The relay keeps syncing and delivering afterwards.
      const s = h.apten.createLead();
      h.apten.updateLead(r.id, { isQualified: true });
      const run = await h.sync();
      expect(run.status).toBe('ok');
      await h.waitIdle();
      const latest = h.sub.accepted.slice(-2).map((w) => `${w.type} ${w.body.data.lead.id}`).sort();
      expect(latest).toEqual([`lead.created ${s.id}`, `lead.updated ${r.id}`].sort());
      const log = (await events(h, 'limit=2')).data.map((e) => `${e.type} ${e.leadId}`).sort();
      expect(log).toEqual(latest);
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      db.close();
    }
  });

  it('runs on its own shortly after start and then on its interval, with the configured retention', async () => {
    h = await new Harness({ retention: '2h', pruner: { firstRunAfterMs: 50, intervalMs: 200 } }).start();
    const oldLead = h.apten.createLead();
    const youngLead = h.apten.createLead();
    await h.sync();
    await h.waitIdle();
    const db = openDb(h);
    try {
      const backdate = (leadId: string, ms: number) => {
        const t = Date.now() - ms;
        db.prepare(
          // Created then too: a delivery completes after it is created (retention walks created_at).
          `UPDATE deliveries SET created_at = min(created_at, @t), completed_at = @t WHERE event_seq IN (SELECT seq FROM events WHERE lead_id = @leadId)`,
        ).run({ t, leadId });
        db.prepare(`UPDATE events SET created_at = ? WHERE lead_id = ?`).run(new Date(t).toISOString(), leadId);
      };
      db.transaction(() => {
        backdate(oldLead.id, 3 * 3_600_000); // older than 2h: goes
        backdate(youngLead.id, 3_600_000); // 1h old: stays
      })();
      const eventsOf = (leadId: string) => (db.prepare(`SELECT count(*) AS n FROM events WHERE lead_id = ?`).get(leadId) as { n: number }).n;
      expect(eventsOf(oldLead.id)).toBe(1);
      // No pruneNow() here: the timer runs it, and its log line reports what it deleted.
      await waitFor(() => h.logs.some((l) => l.includes('retention pruned') && l.includes('"events":1')), {
        what: 'the scheduled run to prune the old event',
      });
      expect(eventsOf(oldLead.id)).toBe(0);
      expect(eventsOf(youngLead.id)).toBe(1);
      expect((db.prepare(`SELECT count(*) AS n FROM deliveries`).get() as { n: number }).n).toBe(1);
    } finally {
      db.close();
    }
  });
});

describe('retention: the pruner and its SQL, on a store seeded row by row', () => {
  const dirs: string[] = [];
  const opened: Array<{ close(): unknown }> = [];
  afterEach(() => {
    for (const o of opened.splice(0)) o.close();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  const NOW = Date.parse('2026-05-14T12:00:00.000Z');
  const clock = { now: () => NOW };
  const logger = createLogger({ level: 'silent' });

  /** A migrated store plus a raw connection to write exactly the rows a case needs. */
  function seeded() {
    const dir = mkdtempSync(join(tmpdir(), 'leadrelay-retention-'));
    dirs.push(dir);
    const store = openSqliteStore(join(dir, 'relay.db'));
    const db = new Database(join(dir, 'relay.db'));
    opened.push(db, store);
    const iso = (ms: number) => new Date(ms).toISOString();
    db.prepare(
      `INSERT INTO subscriptions (id, url, secret, events, origin, created_at, updated_at) VALUES ('sub_1', 'https://example.com/h', ?, '["*"]', 'api', ?, ?)`,
    ).run(generateSecret(), iso(NOW), iso(NOW));
    let n = 0;
    const event = (createdAt: number, leadId = `lead_${n}`) =>
      Number(
        db
          .prepare(`INSERT INTO events (id, type, source_id, lead_id, created_at, body) VALUES (?, 'lead.created', 'apten', ?, ?, '{}')`)
          .run(`evt_${String(++n).padStart(4, '0')}`, leadId, iso(createdAt)).lastInsertRowid,
      );
    const delivery = (seq: number, status: 'pending' | 'succeeded' | 'failed', completedAt: number | null, attempts = 2) => {
      const id = `dlv_${String(++n).padStart(4, '0')}`;
      db.prepare(
        `INSERT INTO deliveries (id, subscription_id, event_seq, lead_key, status, attempts, next_attempt_at, created_at, updated_at, completed_at)
         VALUES (?, 'sub_1', ?, 'apten/x', ?, ?, ?, ?, ?, ?)`,
      ).run(id, seq, status, attempts, NOW, completedAt ?? NOW, completedAt ?? NOW, completedAt);
      for (let i = 1; i <= attempts; i++) {
        db.prepare(`INSERT INTO delivery_attempts (id, delivery_id, attempt, trigger, started_at, duration_ms) VALUES (?, ?, ?, 'scheduled', ?, 5)`).run(
          `att_${id}_${i}`,
          id,
          i,
          completedAt ?? NOW,
        );
      }
      return id;
    };
    const fannedOutTo = (seq: number) =>
      db.prepare(`INSERT INTO cursors (name, value) VALUES ('fanout', ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value`).run(seq);
    const count = (sql: string) => (db.prepare(`SELECT count(*) AS n FROM ${sql}`).get() as { n: number }).n;
    return { store, db, event, delivery, fannedOutTo, count };
  }

  it('deletes in batches, yielding to the event loop between them, and keeps every row something still needs', async () => {
    const { store, db, event, delivery, fannedOutTo, count } = seeded();
    const old = NOW - 40 * DAY_MS;
    const recent = NOW - DAY_MS;
    // Seven old events, each with an old succeeded delivery; #3 also has a pending one. #4..#6
    // share one created_at (one sync page), so a batch boundary falls inside the tie.
    const seqs = [0, 1, 2, 3, 4, 5, 6].map((i) => event(old + Math.min(i, 4)));
    const oldDeliveries = seqs.map((seq) => delivery(seq, 'succeeded', old + 10));
    const pending = delivery(seqs[3]!, 'pending', null, 1);
    // Pending again with an old completed_at still set (a retry that did not clear it): status decides.
    const stalePendingEvent = event(old);
    const stalePending = delivery(stalePendingEvent, 'pending', old, 1);
    // Old event whose failed delivery finished recently: both stay.
    const oldButRecentlyFailed = event(old);
    const recentFailure = delivery(oldButRecentlyFailed, 'failed', recent);
    // Recent event and delivery: both stay.
    const recentEvent = event(recent);
    const recentDelivery = delivery(recentEvent, 'succeeded', recent);
    fannedOutTo(recentEvent);
    // Old but not fanned out yet (its deliveries don't exist yet): stays.
    const notFannedOut = event(old);
    // The snapshot is never touched.
    db.prepare(
      `INSERT INTO leads (source_id, lead_id, hash, lead, raw, first_seen_at, changed_at) VALUES ('apten', 'lead_1', 'h', '{}', '{}', ?, ?)`,
    ).run(new Date(old).toISOString(), new Date(old).toISOString());
    db.prepare(`INSERT INTO lead_events (source_id, lead_id, event_key, hash) VALUES ('apten', 'lead_1', 'MESSAGE:1', 'h')`).run();

    const pruner = new RetentionPruner({ retentionMs: 30 * DAY_MS, batchSize: 2 }, { store, clock, logger, replicaId: 'test-replica' });
    let ticks = 0;
    let done = false;
    const tick = () => {
      ticks++;
      if (!done) setImmediate(tick);
    };
    setImmediate(tick);
    const result = await pruner.pruneNow();
    done = true;
    expect(result).toEqual({
      cutoff: new Date(NOW - 30 * DAY_MS).toISOString(),
      deliveries: 7,
      events: 6,
      sessions: 0,
      durationMs: 0,
      complete: true,
    });
    // 4 delivery batches (2, 2, 2, 1) and 4 event batches (2, 2, 2, 0), each followed by a yield.
    expect(ticks).toBeGreaterThanOrEqual(7);

    const ids = (sql: string) => (db.prepare(sql).all() as Array<{ id: string | number }>).map((r) => r.id);
    expect(ids(`SELECT id FROM deliveries ORDER BY id`)).toEqual([pending, stalePending, recentFailure, recentDelivery].sort());
    expect(ids(`SELECT seq AS id FROM events ORDER BY seq`)).toEqual([seqs[3], stalePendingEvent, oldButRecentlyFailed, recentEvent, notFannedOut]);
    for (const id of oldDeliveries) expect(count(`delivery_attempts WHERE delivery_id = '${id}'`)).toBe(0);
    expect(count('delivery_attempts')).toBe(1 + 1 + 2 + 2);
    expect(count('leads')).toBe(1);
    expect(count('lead_events')).toBe(1);
    expect(db.pragma('foreign_key_check')).toEqual([]);

    // The event the pending delivery needs goes once that delivery is done and old.
    // (Created before it completed, as every delivery is: retention walks created_at.)
    db.prepare(`UPDATE deliveries SET status = 'succeeded', created_at = ?, completed_at = ? WHERE id = ?`).run(old, old, pending);
    expect(await pruner.pruneNow()).toMatchObject({ deliveries: 1, events: 1, complete: true });
    expect(ids(`SELECT seq AS id FROM events ORDER BY seq`)).toEqual([stalePendingEvent, oldButRecentlyFailed, recentEvent, notFannedOut]);
  });

  it('stop() ends a run between batches; the next run picks up the rest', async () => {
    const { store, event, delivery, fannedOutTo, count } = seeded();
    const old = NOW - 40 * DAY_MS;
    let last = 0;
    for (let i = 0; i < 6; i++) delivery((last = event(old + i)), 'succeeded', old);
    fannedOutTo(last);

    const first = new RetentionPruner({ retentionMs: 30 * DAY_MS, batchSize: 1 }, { store, clock, logger, replicaId: 'test-replica' });
    const run = first.pruneNow();
    await new Promise((r) => setImmediate(r));
    await first.stop();
    const cut = await run;
    expect(cut.complete).toBe(false);
    expect(cut.deliveries).toBeGreaterThan(0);
    expect(cut.deliveries).toBeLessThan(6);
    expect(count('deliveries')).toBe(6 - cut.deliveries);
    // A stopped pruner does nothing more.
    expect(await first.pruneNow()).toMatchObject({ deliveries: 0, events: 0, complete: false });

    const next = new RetentionPruner({ retentionMs: 30 * DAY_MS }, { store, clock, logger, replicaId: 'test-replica' });
    expect(await next.pruneNow()).toMatchObject({ deliveries: 6 - cut.deliveries, events: 6, complete: true });
    expect(count('deliveries') + count('events') + count('delivery_attempts')).toBe(0);
  });
});
