// PostgreSQL migrations, numbered like SQLite's but a history of their own (the PostgreSQL schema
// started at SQLite's eighth version). Applied by ../migrate.ts under an advisory lock.
import { m0001_initial } from './0001_initial.js';

export interface PgMigration {
  version: number;
  name: string;
  sql: string;
}

export const pgMigrations: readonly PgMigration[] = [m0001_initial];
