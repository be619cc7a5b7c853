// vendor: rest on its own terms (src/vendors/rest/README.md): a JSON list API that none of the
// built-in adapters covers (key in the query string, numeric ids, Unix-second timestamps, a keyset
// cursor or limit/offset), served for real on 127.0.0.1; and config errors that name the bad key.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { validateConfig } from '../src/config/index.js';
import { Harness } from './helpers/harness.js';
import { restBlock } from './helpers/rest-examples.js';
import type { SimServerHandle, VendorSimulator, SimFault, SimRequest } from '../src/vendors/sim-common/types.js';

const KEY = 'ck_live_5f1e9a7c3b2d4e6f8a0b';

interface Contact {
  id: number;
  first: string;
  last: string | null;
  mail: string;
  stage: number;
  labels: Array<{ label: string }>;
  updated: number;
  is_deleted: boolean;
}

/**
 * A small contacts API: GET /v2/contacts?api_key=&limit=&starting_after=&offset=&updated_after=
 * answers {data, has_more, count}, in id order; a wrong key gets a 401 that quotes it back.
 */
class ContactsApi implements VendorSimulator {
  readonly vendor = 'rest' as const;
  readonly requests: SimRequest[] = [];
  readonly contacts = new Map<number, Contact>();
  private nextId = 101;
  private clock = 1_767_000_000; // Unix seconds, moved by every change

  async listen(): Promise<SimServerHandle> {
    const server: Server = createServer((req, res) => {
      const url = new URL(req.url!, 'http://x');
      const q = Object.fromEntries(url.searchParams);
      const send = (status: number, body: unknown) => {
        this.requests.push({ method: req.method!, path: url.pathname, query: q, status, at: Date.now() });
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      };
      if (url.pathname !== '/v2/contacts') return send(404, { error: 'not found' });
      if (q.api_key !== KEY) return send(401, { error: `invalid api_key ${q.api_key}` });
      const since = q.updated_after === undefined ? -Infinity : Number(q.updated_after);
      const all = [...this.contacts.values()].filter((c) => c.updated >= since).sort((a, b) => a.id - b.id);
      const rest = q.starting_after !== undefined ? all.filter((c) => c.id > Number(q.starting_after)) : all.slice(Number(q.offset ?? 0));
      const limit = Number(q.limit ?? 10);
      send(200, { data: rest.slice(0, limit), has_more: rest.length > limit, count: all.length });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    return { url: `http://127.0.0.1:${port}`, port, close: () => new Promise((r) => server.close(() => r())) };
  }

  seed(n: number): string[] {
    return Array.from({ length: n }, () => this.createLead());
  }

  createLead(fields: Partial<Contact> = {}): string {
    const id = this.nextId++;
    this.contacts.set(id, { id, first: `First${id}`, last: `Last${id}`, mail: `c${id}@example.com`, stage: 1, labels: [{ label: 'inbound' }], updated: ++this.clock, is_deleted: false, ...fields });
    return String(id);
  }

  touchLead(id: string): void {
    const c = this.contacts.get(Number(id))!;
    Object.assign(c, { stage: 2, updated: ++this.clock });
  }

  deleteLead(id: string): void {
    Object.assign(this.contacts.get(Number(id))!, { is_deleted: true, updated: ++this.clock });
  }

  leadIds(): string[] {
    return [...this.contacts.keys()].map(String);
  }

  failNext(_n: number, _fault: SimFault): void {
    throw new Error('not used here');
  }

  sourceConfig(url: string) {
    return { vendor: 'rest' as const, baseUrl: url, apiKey: KEY };
  }
}

const contactsRest = (overrides: Record<string, unknown> = {}) => ({
  auth: { query: { api_key: '{apiKey}' } },
  list: { path: '/v2/contacts', records: 'data', paging: { style: 'keyset', afterParam: 'starting_after', afterField: 'id', hasMore: 'has_more', sizeParam: 'limit', pageSize: 3 } },
  sync: { mode: 'incremental', sinceParam: 'updated_after', updatedField: 'updated', sinceFormat: 'unix', fullScanEvery: 100 },
  deletes: { field: 'is_deleted' },
  fields: {
    firstName: 'first',
    lastName: 'last',
    name: { join: ['first', 'last'] },
    email: 'mail',
    emails: 'mail',
    status: { from: 'stage', values: { '1': 'NEW', '2': 'WON' } },
    tags: { from: 'labels', item: 'label' },
    updatedAt: 'updated',
  },
  ...overrides,
});

let h: Harness;
afterEach(async () => h?.stop());


describe('a JSON list API described in YAML: key in the query, keyset cursor, numeric ids, Unix times', () => {
  it('announces created, updated and soft-deleted contacts, asking only for what changed since the last poll', async () => {
    const api = new ContactsApi();
    h = await new Harness({ sim: api, sourceId: 'contacts', source: { rest: contactsRest() } }).start();
    const ids = api.seed(7);
    const created = await h.syncAndCollect();
    expect(created.map((w) => w.body.data.lead.id).sort()).toEqual([...ids].sort());
    expect(created[0]!.body.data.lead).toMatchObject({ vendor: 'rest', source: 'contacts', deleted: false, tags: ['inbound'], status: 'NEW', owner: null, phone: null });
    const first = created.find((w) => w.body.data.lead.id === ids[0])!.body.data.lead;
    expect(first).toMatchObject({ name: `First${ids[0]} Last${ids[0]}`, email: `c${ids[0]}@example.com`, emails: [`c${ids[0]}@example.com`] });
    expect(first.updatedAt).toBe(new Date(api.contacts.get(Number(ids[0]))!.updated * 1000).toISOString());
    // Pages of 3 by the last id: 7 contacts take three requests, the key in the query string each time.
    const listing = api.requests.filter((r) => r.status === 200).slice(-3);
    expect(listing.map((r) => r.query.starting_after)).toEqual([undefined, ids[2], ids[5]]);
    expect(listing.every((r) => r.query.api_key === KEY)).toBe(true);

    api.touchLead(ids[1]!);
    api.deleteLead(ids[4]!);
    const before = api.requests.length;
    const changed = await h.syncAndCollect();
    expect(changed.map((w) => [w.type, w.body.data.lead.id, w.body.data.reason ?? null]).sort()).toEqual([
      ['lead.deleted', ids[4], 'vendor_deleted'],
      ['lead.updated', ids[1], null],
    ]);
    expect(changed.find((w) => w.type === 'lead.updated')!.body.data.changes).toEqual(expect.arrayContaining(['status', 'raw.stage']));
    // Incremental: updated_after is the largest `updated` seen, less the 2 s overlap, in Unix seconds.
    expect(api.requests[before]!.query.updated_after).toBe(String(Math.max(...created.map((w) => w.body.data.lead.raw.updated)) - 2));
    expect(await h.syncAndCollect()).toEqual([]);
  });

  it('limit/offset with deletes by absence: gone from two complete listings is lead.deleted (missing)', async () => {
    const api = new ContactsApi();
    const rest = contactsRest({
      list: { path: '/v2/contacts', records: 'data', paging: { style: 'offset', offsetParam: 'offset', sizeParam: 'limit', pageSize: 3, hasMore: 'has_more', total: 'count' } },
      sync: { mode: 'full' },
      deletes: { absence: true },
    });
    h = await new Harness({ sim: api, sourceId: 'contacts', source: { rest } }).start();
    const ids = api.seed(8);
    await h.syncAndCollect();
    api.contacts.delete(Number(ids[3]));
    expect(await h.syncAndCollect()).toEqual([]); // missed by one complete listing: not yet
    const gone = await h.syncAndCollect();
    expect(gone.map((w) => [w.type, w.body.data.reason, w.body.data.lead.id])).toEqual([['lead.deleted', 'missing', ids[3]]]);
    expect(api.requests.filter((r) => r.status === 200).slice(-3).map((r) => r.query.offset)).toEqual(['0', '3', '6']);
  });

  it('a wrong key fails the run with an error that does not show the key, though the vendor quoted it', async () => {
    const api = new ContactsApi();
    h = await new Harness({ sim: api, sourceId: 'contacts', source: { rest: contactsRest(), apiKey: 'ck_live_wrong0key1234567' }, maxRetries: 0 }).start();
    const run = await h.sync();
    expect(run.error!.code).toBe('vendor_auth_failed');
    expect(run.error!.message).toContain('[redacted]');
    expect(run.error!.message).not.toContain('wrong0key');
    const source = (await h.api('GET', '/v1/sources')).body.data[0];
    expect(JSON.stringify(source)).not.toContain('wrong0key');
  });
});

describe('config errors name the bad key', () => {
  const good = restBlock('nexus-erp');
  const problems = (source: Record<string, unknown>) => {
    const r = validateConfig({
      server: { adminToken: 'abcdefghijklmnopqrstuvwxyz0123' },
      sources: [{ id: 's', baseUrl: 'https://erp.example.com', apiKey: 'k', ...source }],
    });
    return r.ok ? [] : r.problems.map((p) => `${p.path.join('.')}: ${p.message}`);
  };
  const withRest = (patch: (rest: any) => void) => {
    const rest = structuredClone(good);
    patch(rest);
    return problems({ vendor: 'rest', rest });
  };

  it('accepts the examples, and wants rest: with vendor rest only', () => {
    for (const name of ['nexus-erp', 'mega', 'apten'] as const) {
      expect(problems({ vendor: 'rest', rest: restBlock(name, { MEGA_CUSTOMER_ID: '3f2b8c4e-9d1a-4e6b-8a7c-5d0e1f2a3b4c' }) })).toEqual([]);
    }
    expect(problems({ vendor: 'rest' })).toEqual(['sources.0.rest: required for vendor rest']);
    expect(problems({ vendor: 'nexus-erp', rest: good })).toEqual(['sources.0.rest: only used by vendor rest']);
  });

  it.each([
    ['a paging style', (r: any) => (r.list.paging.style = 'pages'), 'sources.0.rest.list.paging.style: must be one of page, offset, token, keyset'],
    ['no paging style', (r: any) => delete r.list.paging.style, 'sources.0.rest.list.paging.style: required: one of page, offset, token, keyset'],
    ['a sync mode', (r: any) => (r.sync = { mode: 'delta' }), 'sources.0.rest.sync.mode: must be one of full, incremental'],
    ['incremental without its keys', (r: any) => (r.sync = { mode: 'incremental', updatedField: 'updatedAt' }), 'sources.0.rest.sync.sinceParam: required'],
    ['a misspelt field', (r: any) => (r.fields.mail = 'x'), 'sources.0.rest.fields: unknown key "mail"'],
    ['two ways for one field', (r: any) => (r.fields.name = { from: 'a', join: ['b'] }), 'sources.0.rest.fields.name: use one of from, join and cases, not from and join'],
    ['a field that is no path', (r: any) => (r.fields.email = 5), 'sources.0.rest.fields.email: expected a path, a list of paths, or {from | join | cases, ...}'],
    ['equals without field', (r: any) => (r.deletes = { equals: true }), 'sources.0.rest.deletes.equals: needs deletes.field, the soft-delete field it is compared with'],
    ['a query the paging sets', (r: any) => (r.list.query = { page: 2 }), 'sources.0.rest.list.query.page: is set by the paging, sync or auth settings; remove it here'],
    ['a relative list path', (r: any) => (r.list.path = 'api/v1/leads'), 'sources.0.rest.list.path: must start with "/" and contain no spaces'],
    ['a bad id path', (r: any) => (r.idField = 'a..b'), 'sources.0.rest.idField: must be a dotted path like "owner.id"'],
    ['a bad header name', (r: any) => (r.auth.headers = { 'bad header': 'x' }), 'sources.0.rest.auth.headers.bad header: is not a valid header name'],
  ])('%s', (_what, patch, message) => {
    expect(withRest(patch)).toEqual([message]);
  });
});
