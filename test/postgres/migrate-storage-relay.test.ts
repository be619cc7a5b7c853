// A relay moved from SQLite to PostgreSQL with `leadrelay migrate-storage` continues where it
// stopped, over real HTTP: nothing is announced again, the retry backlog goes out with the same
// webhook-ids and signatures (rotated secrets included), cursors and snapshot carry on, the header
// fingerprints and the event log are the same. Needs dist/ (npm run build).
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { Harness } from '../helpers/harness.js';
import { freshPgDatabase } from '../helpers/pg-db.js';
import { runCli } from '../helpers/run-cli.js';
import { TestSubscriber } from '../helpers/subscriber.js';
import { waitFor } from '../helpers/wait.js';
import { generateSecret } from '../../src/delivery/sign.js';

const PASSWORD = 'pw-of-the-relay-db-91c2';
let h: Harness | undefined;
let other: TestSubscriber | undefined;
afterEach(async () => {
  await h?.stop();
  await other?.close();
  h = undefined;
  other = undefined;
});

const leadOf = (w: { body: any }) => w.body.data.lead?.id ?? w.body.data.leadId;

describe('a relay moved from SQLite to PostgreSQL continues where it stopped', () => {
  it('sends nothing again, sends its backlog with the same webhook-ids, and keeps cursors, secrets, fingerprints and the event log', async () => {
    // Retries every 250 ms for 10 s: the backlog is still pending when the SQLite relay stops.
    h = await new Harness({ retrySchedule: Array<string>(40).fill('250ms') }).start();
    const [s1, s2] = [generateSecret(), generateSecret()];
    other = await new TestSubscriber(s1).start(); // verifies with the first secret only
    const created = await h.api('POST', '/v1/subscriptions', { url: other.url, secret: s1, headers: { 'X-Api-Key': 'k-123' } });
    expect(created.status).toBe(201);
    const subId: string = created.body.id;
    expect((await h.api('POST', `/v1/subscriptions/${subId}/rotate-secret`, { secret: s2 })).status).toBe(200);

    const leads = [h.apten.createLead(), h.apten.createLead(), h.apten.createLead()];
    await h.sync();
    await h.waitIdle();
    expect(other.accepted.map((w) => w.type)).toEqual(['lead.created', 'lead.created', 'lead.created']);

    // A backlog: the second subscriber fails the update, over and over; the lead's next event waits behind it.
    other.respond = () => 503;
    h.apten.updateLead(leads[0]!.id, { isHot: !leads[0]!.isHot });
    h.apten.addEvent(leads[0]!.id, { type: 'CALL', data: {} });
    await h.sync();
    await waitFor(() => other!.received.some((r) => r.status === 503) && h!.sub.accepted.length === 5, { what: 'the backlog to build up' });
    const backlog = h.sub.accepted.slice(3).map((w) => w.id);
    expect(h.sub.accepted.slice(3).map((w) => w.type)).toEqual(['lead.updated', 'event.added']);
    const before = {
      subscriptions: (await h.api('GET', '/v1/subscriptions')).body.data as Array<{ id: string; headers: Record<string, string> }>,
      events: (await h.api('GET', '/v1/events?limit=200')).body.data as Array<{ id: string; type: string }>,
      sent: h.sub.received.length,
      sentOther: other.accepted.length,
    };
    expect(before.subscriptions.find((s) => s.id === subId)!.headers['X-Api-Key']).toMatch(/^\[redacted hmac:[0-9a-f]{8}\]$/);
    await h.relay.stop();

    const sqlitePath = h.config.storage.path;
    const pending = new Database(sqlitePath, { readonly: true }).prepare(`SELECT count(*) AS n FROM deliveries WHERE status = 'pending'`).get() as { n: number };
    expect(pending.n).toBe(2);

    const url = new URL(await freshPgDatabase());
    url.password = PASSWORD;
    const run = await runCli(['migrate-storage', '--from', sqlitePath, '--to', url.toString()], { cwd: h.dir, timeoutMs: 30_000 });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^ {2}deliveries +\d+$/m);
    expect(run.stdout + run.stderr).not.toContain(PASSWORD);

    // The same config, now on PostgreSQL; the receiver works again.
    h.config = { ...h.config, storage: { ...h.config.storage, url: url.toString() } };
    other.respond = () => 204;
    await h.startRelay(); // returns once nothing is pending
    expect((await h.api('GET', '/healthz')).body.storage).toBe('postgres');

    // The backlog went out with the same webhook-ids, signed with the previous secret too.
    const resent = other.accepted.slice(before.sentOther);
    expect(resent.map((w) => w.id)).toEqual(backlog); // in order: one lead's events one after another
    for (const w of resent) expect(w.signature.split(' ')).toHaveLength(2);
    expect((await h.api('GET', `/v1/subscriptions/${subId}/secret`)).body.secret).toBe(s2);

    // Nothing announced again, even by a sync that finds the same leads.
    await h.sync();
    await h.waitIdle();
    expect(h.sub.received.length).toBe(before.sent);
    expect(other.accepted.length).toBe(before.sentOther + 2);

    // The cursor and the snapshot carry on: a later change is an update, in both subscriptions.
    h.apten.updateLead(leads[2]!.id, { isHot: !leads[2]!.isHot });
    await h.sync();
    await h.waitIdle();
    const next = h.sub.accepted.slice(before.sent);
    expect(next.map((w) => [w.type, leadOf(w)])).toEqual([['lead.updated', leads[2]!.id]]);
    expect(other.accepted.at(-1)!.id).toBe(next[0]!.id);

    // The same header fingerprints (the install key came along) and the same event log, with the new event on top.
    const after = (await h.api('GET', '/v1/subscriptions')).body.data as Array<{ id: string; headers: Record<string, string> }>;
    expect(after.map((s) => [s.id, s.headers])).toEqual(before.subscriptions.map((s) => [s.id, s.headers]));
    const events = (await h.api('GET', '/v1/events?limit=200')).body.data as Array<{ id: string; type: string }>;
    expect(events.slice(1).map((e) => e.id)).toEqual(before.events.map((e) => e.id));
    expect(events[0]!.id).toBe(next[0]!.id);
  });
});
