// Brings a PostgreSQL database to the schema this code knows: numbered migrations, each in its own
// transaction and recorded in schema_migrations, under an advisory lock so that replicas starting
// together migrate once (the others wait, then find nothing to do). A newer schema is refused untouched.
import pg from 'pg';
import { RelayError } from '../../util/errors.js';
import { LOCKS } from './locks.js';
import { pgMigrations, type PgMigration } from './migrations/index.js';

export const LATEST_PG_SCHEMA = pgMigrations.at(-1)?.version ?? 0;

/** The last migration recorded in the database (0: none, or no schema_migrations table). */
export async function recordedVersion(client: Pick<pg.ClientBase, 'query'>): Promise<number> {
  const { rows } = await client.query<{ exists: boolean }>(`SELECT to_regclass('schema_migrations') IS NOT NULL AS exists`);
  if (!rows[0]?.exists) return 0;
  const max = await client.query<{ v: number | null }>('SELECT max(version) AS v FROM schema_migrations');
  return max.rows[0]?.v ?? 0;
}

/**
 * Migrates on `config`'s database through a connection of its own: with no statement timeout
 * (waiting for another replica's migration, or a migration itself, may take longer than the
 * pool's statement timeout allows), closed at the end. `target` names the database in errors.
 */
export async function migrate(config: pg.ClientConfig, target: string, migrations: readonly PgMigration[] = pgMigrations): Promise<{ applied: number[] }> {
  const client = new pg.Client({ ...config, statement_timeout: false });
  const applied: number[] = [];
  // An 'error' event with no listener would crash the process; the failing query reports it.
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('SELECT pg_advisory_lock($1)', [LOCKS.migrate]);
    try {
      const latest = migrations.at(-1)?.version ?? 0;
      // Read-only until here: a database from a newer leadrelay is left exactly as it was.
      const current = await recordedVersion(client);
      if (current > latest) {
        throw new RelayError(
          'storage_too_new',
          `database ${target} has schema version ${current}, newer than this leadrelay knows (${latest}); run a newer leadrelay or point storage.url elsewhere`,
        );
      }
      if (current === latest) return { applied };
      await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`);
      for (const m of migrations) {
        if (m.version <= current) continue;
        await client.query('BEGIN');
        try {
          // Recorded first: a second runner that got past the lock somehow fails on the key.
          await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [m.version, m.name, new Date().toISOString()]);
          await client.query(m.sql);
          await client.query('COMMIT');
        } catch (err) {
          await client.query('ROLLBACK').catch(() => {});
          if (err instanceof Error && !(err instanceof RelayError)) err.message = `migration ${m.version} (${m.name}) failed: ${err.message}`;
          throw err;
        }
        applied.push(m.version);
      }
      return { applied };
    } finally {
      // Session lock: released here, or by the server when the connection goes.
      await client.query('SELECT pg_advisory_unlock($1)', [LOCKS.migrate]).catch(() => {});
    }
  } finally {
    await client.end().catch(() => {});
  }
}
