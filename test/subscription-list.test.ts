// GET /v1/subscriptions is paged like the other lists ({data, nextCursor}, limit, cursor), and the
// number of subscriptions is capped by delivery.maxSubscriptions: API, REST hooks and config file.
import { afterEach, describe, expect, it } from 'vitest';
import { formatProblem, validateConfig } from '../src/config/index.js';
import { Harness } from './helpers/harness.js';

let h: Harness;
afterEach(async () => h?.stop());

const TARGET = 'https://93.184.216.34/hook';

async function create(n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const res = await h.api('POST', '/v1/subscriptions', { url: `${TARGET}/${i}`, description: `#${i}` });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    ids.push(res.body.id);
  }
  return ids;
}

async function page(query: string) {
  const res = await h.api('GET', `/v1/subscriptions${query}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  expect(Object.keys(res.body).sort()).toEqual(['data', 'nextCursor']);
  return res.body as { data: Array<{ id: string; createdAt: string }>; nextCursor: string | null };
}

describe('GET /v1/subscriptions is paginated', () => {
  it('50 by default, limit up to 200, nextCursor until the last page; every subscription once, oldest first', async () => {
    h = await new Harness().start(); // plus the config subscription "all"
    const made = await create(56);
    const first = await page('');
    expect(first.data).toHaveLength(50);
    expect(first.data[0]!.id).toBe('all');
    expect(first.nextCursor).toEqual(expect.any(String));
    const rest = await page(`?cursor=${encodeURIComponent(first.nextCursor!)}`);
    expect(rest.data).toHaveLength(7);
    expect(rest.nextCursor).toBeNull();
    expect([...first.data, ...rest.data].map((s) => s.id)).toEqual(['all', ...made]);
    expect((await page('?limit=200')).data).toHaveLength(57);

    // Walking small pages gives the same list; a subscription deleted meanwhile (even the one the
    // cursor points at) neither repeats nor hides anything after it.
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const p = await page(`?limit=10${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      seen.push(...p.data.map((s) => s.id));
      if (pages === 0) expect((await h.api('DELETE', `/v1/subscriptions/${p.data.at(-1)!.id}`)).status).toBe(204);
      cursor = p.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(6);
    expect(seen).toEqual(['all', ...made]);
  });

  it('a bad limit or cursor is a 400 naming it', async () => {
    h = await new Harness().start();
    for (const [query, field] of [
      ['?limit=0', 'limit'],
      ['?limit=201', 'limit'],
      ['?limit=ten', 'limit'],
      ['?cursor=nope', 'cursor'],
      ['?cursor=ZTox', 'cursor'], // the events route's cursor is not this one's
      ['?page=2', 'query'],
    ]) {
      const res = await h.api('GET', `/v1/subscriptions${query}`);
      expect(res.status, query).toBe(400);
      expect(res.body.error.code).toBe('invalid_request');
      expect(JSON.stringify(res.body.error.details), query).toContain(field === 'query' ? 'page' : field);
    }
  });
});

describe('delivery.maxSubscriptions', () => {
  it('caps what POST /v1/subscriptions and POST /v1/hooks may add (409 subscription_limit_reached); config ones count', async () => {
    h = await new Harness({ delivery: { maxSubscriptions: 3 } }).start(); // "all" from the config is one
    await create(1);
    const hook = await h.api('POST', '/v1/hooks', { target_url: TARGET, event: 'lead.created' });
    expect(hook.status, JSON.stringify(hook.body)).toBe(201);

    const refused = await h.api('POST', '/v1/subscriptions', { url: TARGET });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('subscription_limit_reached');
    expect(refused.body.error.message).toMatch(/3 subscriptions.*delivery\.maxSubscriptions/);
    const refusedHook = await h.api('POST', '/v1/hooks', { target_url: TARGET, event: 'lead.*' });
    expect(refusedHook.status).toBe(409);
    expect(refusedHook.body.error.code).toBe('subscription_limit_reached');
    expect((await page('')).data).toHaveLength(3);

    // Room again once one is gone; several at once get exactly the room there is.
    expect((await h.api('DELETE', `/v1/hooks/${hook.body.id}`)).status).toBe(204);
    const burst = await Promise.all(Array.from({ length: 5 }, () => h.api('POST', '/v1/subscriptions', { url: TARGET })));
    expect(burst.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409]);
    expect((await page('')).data).toHaveLength(3);
  });

  it('a config file with more subscriptions than the cap is a config error naming both', () => {
    const subscriptions = Array.from({ length: 3 }, (_, i) => ({ id: `s${i}`, url: `https://hooks.example.com/${i}` }));
    const result = validateConfig({ server: { adminToken: 'config-test-admin-token-0123456' }, subscriptions, delivery: { maxSubscriptions: '2' } });
    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.problems.map(formatProblem)).toEqual([
      'subscriptions: has 3 entries, more than delivery.maxSubscriptions (2)',
    ]);
    const fits = validateConfig({ server: { adminToken: 'config-test-admin-token-0123456' }, subscriptions, delivery: { maxSubscriptions: 3 } });
    expect(fits.ok).toBe(true);
    const defaults = validateConfig({ server: { adminToken: 'config-test-admin-token-0123456' } });
    expect(defaults.ok && defaults.config.delivery.maxSubscriptions).toBe(1000);
    for (const bad of [0, -1, 1.5, 'many']) {
      const r = validateConfig({ server: { adminToken: 'config-test-admin-token-0123456' }, delivery: { maxSubscriptions: bad } });
      expect(r.ok ? [] : r.problems.map(formatProblem).join('\n'), String(bad)).toMatch(/^delivery\.maxSubscriptions: /);
    }
  });
});
