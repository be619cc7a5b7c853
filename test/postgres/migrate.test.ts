// PostgreSQL migrations: replicas starting together on a new database migrate it exactly once,
// each migration is all-or-nothing, and a schema newer than the code is refused and left untouched.
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { openPgStore, type PgStore } from '../../src/store/postgres/index.js';
import { LATEST_PG_SCHEMA, migrate } from '../../src/store/postgres/migrate.js';
import { pgMigrations } from '../../src/store/postgres/migrations/index.js';
import { freshPgDatabase } from '../helpers/pg-db.js';

const opened: PgStore[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
});

async function sql<T extends pg.QueryResultRow = Record<string, unknown>>(url: string, text: string, params: unknown[] = []): Promise<T[]> {
  const c = new pg.Client(url);
  await c.connect();
  try {
    return (await c.query<T>(text, params)).rows;
  } finally {
    await c.end();
  }
}

/** Tables, columns and indexes of the public schema, and the recorded migrations: to compare before and after. */
async function shape(url: string): Promise<unknown> {
  return {
    columns: await sql(url, `SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = 'public' ORDER BY 1, 2`),
    indexes: await sql(url, `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1`),
    migrations: await sql(url, `SELECT version, name, applied_at FROM schema_migrations ORDER BY version`).catch(() => null),
  };
}

describe('migrations', () => {
  it('ten replicas opening a new database at once all succeed, and each migration is applied once', async () => {
    const url = await freshPgDatabase();
    const stores = await Promise.all(Array.from({ length: 10 }, (_, i) => openPgStore({ url, poolSize: 2, replicaId: `boot-${i}` })));
    opened.push(...stores);
    const rows = await sql<{ version: number; n: string }>(url, 'SELECT version, count(*) AS n FROM schema_migrations GROUP BY version ORDER BY version');
    expect(rows).toEqual(pgMigrations.map((m) => ({ version: m.version, n: '1' })));
    // And the schema works from every one of them.
    await Promise.all(stores.map((s, i) => s.sources.register([{ id: `s${i}`, vendor: 'apten' }], 0)));
    expect(await stores[0]!.sources.list()).toHaveLength(10);
  });

  it('leaves an up-to-date database as it is when opened again', async () => {
    const url = await freshPgDatabase();
    opened.push(await openPgStore({ url }));
    const before = await shape(url);
    expect((await migrate({ connectionString: url }, 'test')).applied).toEqual([]);
    opened.push(await openPgStore({ url }));
    expect(await shape(url)).toEqual(before);
  });

  it('refuses a database whose schema is newer than this code, naming both versions, and changes nothing', async () => {
    const url = await freshPgDatabase();
    opened.push(await openPgStore({ url }));
    await sql(url, `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, 'from the future', '2030-01-01T00:00:00.000Z')`, [LATEST_PG_SCHEMA + 1]);
    await sql(url, `CREATE TABLE future_things (id TEXT)`);
    const before = await shape(url);
    const refused = openPgStore({ url: url.replace('leadrelay@', 'leadrelay:s3cret-pw@') });
    await expect(refused).rejects.toMatchObject({
      code: 'storage_too_new',
      message: expect.stringContaining(`schema version ${LATEST_PG_SCHEMA + 1}, newer than this leadrelay knows (${LATEST_PG_SCHEMA})`),
    });
    await expect(refused).rejects.not.toMatchObject({ message: expect.stringContaining('s3cret') });
    expect(await shape(url)).toEqual(before);
  });

  it('applies each migration in its own transaction: a failing one leaves no trace, earlier ones stay', async () => {
    const url = await freshPgDatabase();
    const good = { version: 1, name: 'good', sql: 'CREATE TABLE t1 (id INT);' };
    const bad = { version: 2, name: 'bad', sql: 'CREATE TABLE t2 (id INT); SELECT no_such_function();' };
    await expect(migrate({ connectionString: url }, 'test', [good, bad])).rejects.toThrow(/migration 2 \(bad\) failed/);
    expect(await sql(url, 'SELECT version FROM schema_migrations')).toEqual([{ version: 1 }]);
    expect(await sql(url, `SELECT to_regclass('t1') IS NOT NULL AS t1, to_regclass('t2') IS NOT NULL AS t2`)).toEqual([{ t1: true, t2: false }]);
    // Fixed, it goes on from where it stopped.
    expect((await migrate({ connectionString: url }, 'test', [good, { ...bad, sql: 'CREATE TABLE t2 (id INT);' }])).applied).toEqual([2]);
  });
});
