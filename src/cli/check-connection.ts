// check-config --connect: reaches the configured database and says what it found (server and schema
// versions), or why it could not, without changing anything and without printing the password.
import type { Config } from '../config/index.js';

export interface ConnectionReport {
  ok: boolean;
  /** One line for the operator. */
  message: string;
}

function versions(schema: number, latest: number): { ok: boolean; text: string } {
  if (schema > latest) return { ok: false, text: `schema version ${schema}, newer than this leadrelay knows (${latest}): it would refuse to start; run a newer leadrelay` };
  if (schema < latest) return { ok: true, text: `schema version ${schema} (migrated to ${latest} at start)` };
  return { ok: true, text: `schema version ${schema} (up to date)` };
}

async function checkPostgres(storage: Config['storage'] & { url: string }): Promise<ConnectionReport> {
  const [{ default: pg }, { clientConfig }, { describeTarget }, { recordedVersion, LATEST_PG_SCHEMA }, { pgStorageError }] = await Promise.all([
    import('pg'),
    import('../store/postgres/pool.js'),
    import('../store/postgres/url.js'),
    import('../store/postgres/migrate.js'),
    import('../store/postgres/errors.js'),
  ]);
  const target = describeTarget(storage.url);
  const client = new pg.Client(
    clientConfig({ url: storage.url, sslmode: storage.sslmode, statementTimeoutMs: storage.statementTimeout, replicaId: 'check-config', connectTimeoutMs: 10_000 }),
  );
  client.on('error', () => {}); // reported by the failing call below
  try {
    await client.connect();
    const { rows } = await client.query<{ v: string }>(`SELECT current_setting('server_version') AS v`);
    const v = versions(await recordedVersion(client), LATEST_PG_SCHEMA);
    return { ok: v.ok, message: `storage: PostgreSQL ${rows[0]?.v ?? '?'} at ${target}, ${v.text}` };
  } catch (err) {
    const mapped = pgStorageError(err, target) as Error & { code?: string };
    return { ok: false, message: `storage: cannot use PostgreSQL at ${target}: ${mapped.message}${mapped.code ? ` (${mapped.code})` : ''}` };
  } finally {
    await client.end().catch(() => {});
  }
}

async function checkSqlite(path: string): Promise<ConnectionReport> {
  const { existsSync } = await import('node:fs');
  if (!existsSync(path)) return { ok: true, message: `storage: SQLite ${path} does not exist yet; it is created at start` };
  const [{ default: Database }, { migrations }] = await Promise.all([import('better-sqlite3'), import('../store/sqlite/migrations/index.js')]);
  try {
    // Read-only: checking must not create -wal files or migrate.
    const db = new Database(path, { readonly: true, fileMustExist: true });
    try {
      const userVersion = db.pragma('user_version', { simple: true }) as number;
      const hasTable = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`).get();
      const applied = hasTable ? ((db.prepare('SELECT max(version) AS v FROM schema_migrations').get() as { v: number | null }).v ?? 0) : 0;
      const v = versions(Math.max(userVersion, applied), migrations.at(-1)?.version ?? 0);
      return { ok: v.ok, message: `storage: SQLite ${path}, ${v.text}` };
    } finally {
      db.close();
    }
  } catch (err) {
    return { ok: false, message: `storage: cannot open SQLite ${path}: ${(err as Error).message}` };
  }
}

export async function checkConnection(storage: Config['storage']): Promise<ConnectionReport> {
  return storage.url !== undefined ? checkPostgres({ ...storage, url: storage.url }) : checkSqlite(storage.path);
}
