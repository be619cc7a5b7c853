// Repeated secret rotation: every secret whose grace period has not ended keeps signing (up to 3
// earlier ones), through the API and through a secret changed in the config file, and across the
// 0006 migration. Receivers verify with the standardwebhooks package.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it } from 'vitest';
import { generateSecret } from '../src/delivery/sign.js';
import { openSqliteStore } from '../src/store/index.js';
import { MAX_PREVIOUS_SECRETS, signingSecrets } from '../src/store/index.js';
import { migrations } from '../src/store/sqlite/migrations/index.js';
import { Harness } from './helpers/harness.js';
import { TestSubscriber, type Received } from './helpers/subscriber.js';
import { waitFor } from './helpers/wait.js';

let h: Harness;
const extra: TestSubscriber[] = [];
afterEach(async () => {
  await h?.stop();
  await Promise.all(extra.splice(0).map((s) => s.close()));
});

const DAY_MS = 86_400_000;

/** Whether a receiver holding `secret` accepts the webhook (the standardwebhooks package decides). */
function verifies(secret: string, r: Received, signature = r.signature): boolean {
  try {
    new Webhook(secret).verify(r.raw, { 'webhook-id': r.id, 'webhook-timestamp': String(r.timestamp), 'webhook-signature': signature });
    return true;
  } catch {
    return false;
  }
}

/** Each space-separated signature verifies with exactly one of `secrets`, and each secret with one of them. */
function expectSignedByEach(r: Received, secrets: string[]) {
  const parts = r.signature.split(' ');
  expect(parts).toHaveLength(secrets.length);
  for (const s of secrets) {
    expect(verifies(s, r), 'a receiver on this secret accepts it').toBe(true);
    expect(parts.filter((p) => verifies(s, r, p))).toHaveLength(1);
  }
}

async function newLeadWebhook(to: TestSubscriber): Promise<Received> {
  const before = to.received.length;
  h.apten.createLead();
  await h.sync();
  await waitFor(() => to.received.length > before, { timeoutMs: 15_000, what: 'a webhook' });
  return to.received.at(-1)!;
}

describe('rotating again within the grace period (API)', () => {
  it('keeps every earlier secret signing; receivers on any of the four verify; a 4th rotation is 409 and changes nothing', async () => {
    h = await new Harness().start();
    const secrets = [generateSecret(), generateSecret(), generateSecret(), generateSecret()];
    const mine = await new TestSubscriber(secrets[0]!).start(); // stays on the original secret
    extra.push(mine);
    const created = await h.api('POST', '/v1/subscriptions', { url: mine.url, secret: secrets[0] });
    const id = created.body.id as string;

    const expiries: string[] = [];
    for (const next of secrets.slice(1)) {
      const rot = await h.api('POST', `/v1/subscriptions/${id}/rotate-secret`, { secret: next });
      expect(rot.status, JSON.stringify(rot.body)).toBe(200);
      expect(rot.body.secret).toBe(next);
      expiries.unshift(rot.body.previousSecretExpiresAt);
    }
    expect(Date.parse(expiries.at(-1)!)).toBeGreaterThan(Date.now() + DAY_MS - 60_000);

    // Newest first: the secret each rotation replaced, until when it signs.
    const shown = await h.api('GET', `/v1/subscriptions/${id}/secret`);
    expect(shown.body).toEqual({
      secret: secrets[3],
      previousSecret: secrets[2],
      previousSecretExpiresAt: expiries[0],
      previousSecrets: [
        { secret: secrets[2], expiresAt: expiries[0] },
        { secret: secrets[1], expiresAt: expiries[1] },
        { secret: secrets[0], expiresAt: expiries[2] },
      ],
    });
    expect((await h.api('GET', `/v1/subscriptions/${id}`)).body.previousSecretExpiresAt).toBe(expiries[0]);

    const r = await newLeadWebhook(mine);
    expect(r.verified).toBe(true); // the receiver that never switched still accepts it
    expectSignedByEach(r, secrets);
    expect(verifies(generateSecret(), r)).toBe(false);

    expect(MAX_PREVIOUS_SECRETS).toBe(3);
    const fourth = await h.api('POST', `/v1/subscriptions/${id}/rotate-secret`);
    expect(fourth.status).toBe(409);
    expect(fourth.body.error.code).toBe('rotation_limit_reached');
    expect(fourth.body.error.message).toContain(expiries[2]); // when the oldest stops signing
    expect((await h.api('GET', `/v1/subscriptions/${id}/secret`)).body).toEqual(shown.body);
  });

  it('each earlier secret stops signing when its own grace period ends, not before', async () => {
    h = await new Harness().start();
    const secrets = [generateSecret(), generateSecret(), generateSecret()];
    const mine = await new TestSubscriber(secrets[2]!).start();
    extra.push(mine);
    const id = (await h.api('POST', '/v1/subscriptions', { url: mine.url, secret: secrets[0] })).body.id as string;
    for (const next of secrets.slice(1)) await h.api('POST', `/v1/subscriptions/${id}/rotate-secret`, { secret: next });

    // The oldest one's grace ends (its recorded end moved to the past, as time passing would).
    const raw = new Database(join(h.dir, 'relay.db'));
    const stored = JSON.parse((raw.prepare('SELECT previous_secrets FROM subscriptions WHERE id = ?').get(id) as any).previous_secrets);
    expect(stored.map((p: { secret: string }) => p.secret)).toEqual([secrets[1], secrets[0]]);
    stored[1].expiresAt = Date.now() - 1;
    raw.prepare('UPDATE subscriptions SET previous_secrets = ? WHERE id = ?').run(JSON.stringify(stored), id);
    raw.close();

    const r = await newLeadWebhook(mine);
    expectSignedByEach(r, [secrets[2]!, secrets[1]!]);
    expect(verifies(secrets[0]!, r)).toBe(false);
    const shown = (await h.api('GET', `/v1/subscriptions/${id}/secret`)).body;
    expect(shown.previousSecrets.map((p: { secret: string }) => p.secret)).toEqual([secrets[1]]);

    // The expired one no longer takes a place: two more rotations fit, a third does not.
    expect((await h.api('POST', `/v1/subscriptions/${id}/rotate-secret`)).status).toBe(200);
    expect((await h.api('POST', `/v1/subscriptions/${id}/rotate-secret`)).status).toBe(200);
    expect((await h.api('POST', `/v1/subscriptions/${id}/rotate-secret`)).status).toBe(409);
    const stays = (await h.api('GET', `/v1/subscriptions/${id}/secret`)).body.previousSecrets.map((p: { secret: string }) => p.secret);
    expect(stays).toHaveLength(3);
    expect(stays.slice(1)).toEqual([secrets[2], secrets[1]]);

    // Rotating to the current secret is no rotation.
    const current = (await h.api('GET', `/v1/subscriptions/${id}/secret`)).body.secret;
    const same = await h.api('POST', `/v1/subscriptions/${id}/rotate-secret`, { secret: current });
    expect(same.status).toBe(400);
    expect(same.body.error.details).toEqual([{ field: 'secret', message: 'is already the current secret' }]);
  });

  it('signingSecrets: the current secret first, then every earlier one until its own end', () => {
    const sub = {
      secret: 'whsec_current',
      previousSecrets: [
        { secret: 'whsec_b', expiresAt: 2000 },
        { secret: 'whsec_a', expiresAt: 1000 },
      ],
    };
    expect(signingSecrets(sub, 999)).toEqual(['whsec_current', 'whsec_b', 'whsec_a']);
    expect(signingSecrets(sub, 1000)).toEqual(['whsec_current', 'whsec_b']);
    expect(signingSecrets(sub, 2000)).toEqual(['whsec_current']);
  });
});

describe('a secret changed in the config file again within the grace period', () => {
  it('keeps the earlier ones signing the same way; a 4th change lets the oldest go, with a warning', async () => {
    h = await new Harness().start();
    const secrets = [h.sub.secret, generateSecret(), generateSecret(), generateSecret(), generateSecret()];
    for (const next of secrets.slice(1, 4)) {
      h.config.subscriptions[0]!.secret = next;
      await h.restartRelay();
    }
    const shown = (await h.api('GET', '/v1/subscriptions/all/secret')).body;
    expect(shown.secret).toBe(secrets[3]);
    expect(shown.previousSecrets.map((p: { secret: string }) => p.secret)).toEqual([secrets[2], secrets[1], secrets[0]]);
    const r = await newLeadWebhook(h.sub);
    expect(r.verified).toBe(true); // h.sub still verifies with the first secret
    expectSignedByEach(r, secrets.slice(0, 4));

    // A restart cannot be refused like an API call: the oldest stops signing now, and the log says so.
    h.config.subscriptions[0]!.secret = secrets[4];
    await h.restartRelay();
    const warning = h.logs.map((l) => JSON.parse(l)).find((l) => /earlier secrets/.test(l.msg));
    expect(warning).toMatchObject({ level: 40, subscription: 'all' });
    expect(JSON.stringify(h.logs)).not.toContain(secrets[0]!.slice(6));
    h.sub.secret = secrets[1]!;
    const after = await newLeadWebhook(h.sub);
    expectSignedByEach(after, secrets.slice(1));
    expect(verifies(secrets[0]!, after)).toBe(false);
  });
});

describe('migration 0006', () => {
  it('carries a previous secret still in its grace period over, and it keeps signing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'leadrelay-store-'));
    const path = join(dir, 'relay.db');
    try {
      const old = new Database(path);
      old.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
      for (const m of migrations.filter((m) => m.version <= 5)) {
        old.exec(m.sql);
        old.prepare('INSERT INTO schema_migrations VALUES (?, ?, ?)').run(m.version, m.name, 'then');
      }
      const expires = Date.now() + DAY_MS;
      const insert = old.prepare(
        `INSERT INTO subscriptions (id, url, secret, previous_secret, previous_secret_expires_at, events, origin, created_at, updated_at)
         VALUES (?, 'https://example.com/h', ?, ?, ?, '["*"]', 'api', 'then', 'then')`,
      );
      insert.run('rotating', 'whsec_new', 'whsec_old', expires);
      insert.run('settled', 'whsec_only', null, null);
      old.close();

      const store = openSqliteStore(path);
      expect(await store.subscriptions.get('rotating')).toMatchObject({ secret: 'whsec_new', previousSecrets: [{ secret: 'whsec_old', expiresAt: expires }] });
      expect(signingSecrets((await store.subscriptions.get('rotating'))!, Date.now())).toEqual(['whsec_new', 'whsec_old']);
      expect(await store.subscriptions.get('settled')).toMatchObject({ secret: 'whsec_only', previousSecrets: [] });
      await store.close();
      const db = new Database(path);
      const columns = (db.prepare(`SELECT name FROM pragma_table_info('subscriptions')`).all() as Array<{ name: string }>).map((c) => c.name);
      db.close();
      expect(columns).toContain('previous_secrets');
      expect(columns).not.toContain('previous_secret');
      expect(columns).not.toContain('previous_secret_expires_at');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
