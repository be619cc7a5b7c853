// A fresh, empty PostgreSQL database on the run's server (global-setup.ts), one per caller:
// tests never see each other's rows. Copied from the run's template (en-US collation); dropped with
// the server at the end of the run.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';

/** The URL of a new empty database (CREATE DATABASE with a unique name). */
export async function freshPgDatabase(): Promise<string> {
  const base = inject('pgUrl');
  const name = `lr_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const client = new pg.Client(base);
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name} TEMPLATE ${inject('pgTemplate')}`);
  } finally {
    await client.end();
  }
  const url = new URL(base);
  url.pathname = `/${name}`;
  return url.toString();
}
