// vitest globalSetup: the real services the tests drive, installed first if the machine lacks them
// (packages.ts): Chromium for the browser tests, and one throwaway PostgreSQL for the whole run, its
// URL provided to the test files (freshPgDatabase in pg-db.ts), removed at the end.
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { ensureChromium } from './chromium-install.js';
import { ensurePostgres } from './pg-install.js';
import { PgServer } from './pg-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** postgres://leadrelay@127.0.0.1:<port>/postgres of the run's server (trust auth, loopback). */
    pgUrl: string;
    /** The database new ones are copied from: an en-US collation, as production databases often have. */
    pgTemplate: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  ensureChromium();
  ensurePostgres();
  const server = await PgServer.start();
  project.provide('pgUrl', server.url());
  project.provide('pgTemplate', await makeTemplate(server.url()));
  return () => server.destroy();
}

/**
 * Test databases are copies of one with ICU's en-US collation (sorts "B" after "b" and ignores "-"
 * at first), where the server's own default here is C: a query relying on the database's collation
 * for byte order would pass on C and fail in production.
 */
async function makeTemplate(url: string): Promise<string> {
  const client = new pg.Client(url);
  await client.connect();
  try {
    await client.query(`CREATE DATABASE lr_template TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C'`);
  } catch (err) {
    // A PostgreSQL built without ICU: plain copies of template1 still test everything else.
    process.stderr.write(`test databases use the C collation (no ICU: ${(err as Error).message})\n`);
    return 'template1';
  } finally {
    await client.end();
  }
  return 'lr_template';
}
