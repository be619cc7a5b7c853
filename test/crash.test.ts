// The relay killed with SIGKILL at many points (mid-sync, mid-delivery, with a retry backlog) loses
// nothing: after restarts every change has its webhook, nothing is invented, the database is intact.
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import { generateSecret } from '../src/delivery/sign.js';
import { AptenSimulator, aptenActivityStep, mulberry32 } from '../src/sim/apten/index.js';
import { ChildRelay } from './helpers/child-relay.js';
import { TestSubscriber } from './helpers/subscriber.js';
import { sleep, waitFor } from './helpers/wait.js';

const TOKEN = 'crash-test-admin-token-000';
const dir = mkdtempSync(join(tmpdir(), 'leadrelay-crash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function api(relay: ChildRelay, path: string) {
  const res = await request(`${relay.url}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });
  return (await res.body.json()) as any;
}

describe('crash safety (SIGKILL)', () => {
  it('delivers every change exactly as detected across repeated kills', async () => {
    const rnd = mulberry32(42);
    const apten = new AptenSimulator({ apiKey: 'crash-key', random: rnd });
    apten.seed(150, { eventsPerLead: 2 });
    const aptenServer = await apten.listen();
    const sub = await new TestSubscriber(generateSecret()).start();
    // A flaky, slowish receiver: a retry backlog builds up while the relay is being killed.
    sub.respond = ({ count }) => (count === 1 && rnd() < 0.3 ? 503 : { status: 204, delayMs: 2 });
    const relay = new ChildRelay(dir, {
      server: { host: '127.0.0.1', port: 0, adminToken: TOKEN },
      storage: { path: join(dir, 'relay.db') },
      sources: [
        { id: 'apten', vendor: 'apten', baseUrl: aptenServer.url, apiKey: 'crash-key', pollInterval: '200ms', initialSync: 'emit', pageSize: 25 },
      ],
      subscriptions: [{ id: 'all', url: sub.url, secret: sub.secret }],
      delivery: { allowPrivateTargets: true, timeout: '2s', retrySchedule: ['50ms', '100ms', '200ms', '400ms', '800ms', '1s', '1s', '1s'] },
    });

    let kills = 0;
    try {
      const killPoints = Number(process.env.LEADRELAY_CRASH_KILLS ?? 12);
      for (let i = 0; i < killPoints; i++) {
        await relay.start();
        // Vendor activity goes on regardless of the relay's state.
        for (let k = 0; k < 5; k++) aptenActivityStep(apten, rnd);
        // Kill after a random short time: lands during first sync pages, deliveries or retries.
        await sleep(20 + Math.floor(rnd() * 250));
        await relay.kill();
        kills++;
      }
      await relay.start();
      // Let it finish: a sync after the last change, and nothing pending.
      await waitFor(
        async () => {
          const sources = await api(relay, '/v1/sources');
          const s = sources.data[0];
          const pending = await api(relay, '/v1/subscriptions/all/deliveries?status=pending&limit=1');
          return s.lastSync.result === 'ok' && s.lastSync.stats.eventsEmitted === 0 && pending.data.length === 0;
        },
        { timeoutMs: 30_000, intervalMs: 100, what: 'relay to catch up' },
      ).catch((err) => {
        throw new Error(`${(err as Error).message}\nrelay output (tail):\n${relay.output.slice(-3000)}`);
      });
      expect(await relay.terminate()).toBe(0);
    } finally {
      await relay.kill();
      await sub.close();
      await aptenServer.close();
    }

    expect(kills).toBeGreaterThanOrEqual(12);
    const accepted = sub.accepted;
    const byKey = new Map<string, string[]>();
    for (const w of accepted) {
      const d = w.body.data;
      const key = w.type.startsWith('event.') ? `${w.type}:${d.leadId}:${d.event.type}:${d.event.id}:${d.event.updatedAt}` : `${w.type}:${d.lead.id}:${d.lead.updatedAt}`;
      byKey.set(key, [...(byKey.get(key) ?? []), w.id]);
    }
    // The same change always carries the same webhook-id (duplicates are re-sends, not new events).
    for (const [key, ids] of byKey) expect(new Set(ids).size, key).toBe(1);
    // Same id → same body, every time.
    const bodyById = new Map<string, string>();
    for (const w of accepted) {
      if (bodyById.has(w.id)) expect(w.raw).toBe(bodyById.get(w.id));
      bodyById.set(w.id, w.raw);
    }

    // Nothing missed: every lead, event and deletion the simulator made has its webhook.
    const ofType = (t: string) => accepted.filter((w) => w.type === t);
    const createdIds = new Set(ofType('lead.created').map((w) => w.body.data.lead.id));
    const liveOrDeletedLater = apten.leads();
    for (const lead of liveOrDeletedLater) {
      const createdDeletedBetweenPolls = lead.deleted && !createdIds.has(lead.id);
      if (!createdDeletedBetweenPolls) expect(createdIds.has(lead.id), `lead.created for ${lead.id}`).toBe(true);
    }
    const addedKeys = new Set(ofType('event.added').map((w) => `${w.body.data.leadId}:${w.body.data.event.type}:${w.body.data.event.id}`));
    for (const lead of liveOrDeletedLater) {
      if (!createdIds.has(lead.id)) continue;
      for (const e of apten.events(lead.id)) expect(addedKeys.has(`${lead.id}:${e.type}:${e.id}`), `event.added ${e.id}`).toBe(true);
    }
    const deletedIds = new Set(ofType('lead.deleted').map((w) => w.body.data.lead.id));
    for (const lead of liveOrDeletedLater.filter((l) => l.deleted && createdIds.has(l.id))) {
      expect(deletedIds.has(lead.id), `lead.deleted for ${lead.id}`).toBe(true);
    }
    // Converged: the last lead webhook of each reported lead carries the vendor's final record, and
    // every event's final version (after edits) was sent.
    const lastLead = new Map<string, any>();
    for (const w of accepted) if (w.type.startsWith('lead.')) lastLead.set(w.body.data.lead.id, w.body.data.lead);
    for (const lead of liveOrDeletedLater.filter((l) => createdIds.has(l.id))) {
      expect(lastLead.get(lead.id).raw, `final state of ${lead.id}`).toEqual(lead);
    }
    const eventVersions = new Set(
      accepted.filter((w) => w.type.startsWith('event.')).map((w) => `${w.body.data.event.id}@${w.body.data.event.updatedAt}`),
    );
    for (const lead of liveOrDeletedLater.filter((l) => createdIds.has(l.id))) {
      for (const e of apten.events(lead.id)) expect(eventVersions.has(`${e.id}@${e.updatedAt}`), `final ${e.id}`).toBe(true);
    }
    // Nothing invented: every lead mentioned exists at the vendor; created once per lead.
    const simIds = new Set(liveOrDeletedLater.map((l) => l.id));
    for (const w of accepted) expect(simIds.has(w.body.data.lead?.id ?? w.body.data.leadId)).toBe(true);
    expect(new Set(ofType('lead.created').map((w) => w.id)).size).toBe(createdIds.size);

    const db = new Database(join(dir, 'relay.db'), { readonly: true });
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      db.close();
    }
    const duplicates = accepted.length - new Set(accepted.map((w) => w.id)).size;
    console.log(`crash test: ${kills} kills, ${accepted.length} webhooks accepted, ${duplicates} re-sent duplicates, 0 lost`);
  }, 90_000);
});
