// PostgreSQL migrations, numbered like SQLite's but a history of their own (the PostgreSQL schema
// started at SQLite's eighth version). Applied by ../migrate.ts under an advisory lock.
//
// Rolling upgrades (docs/replicas.md, "Upgrades"): replicas of the previous version keep running on a
// schema a newer one migrated, so a migration only adds (tables, nullable columns or ones with a
// default, indexes); dropping or renaming what the previous version still uses waits for a later
// release. One that cannot keep to that must say "stop every replica first" in the release notes.
import { m0001_initial } from './0001_initial.js';
import { m0002_dashboard } from './0002_dashboard.js';
import { m0003_filters } from './0003_filters.js';
import { m0004_delivery_log } from './0004_delivery_log.js';
import { m0005_dashboard_indexes } from './0005_dashboard_indexes.js';
import { m0006_delivery_cost } from './0006_delivery_cost.js';

export interface PgMigration {
  version: number;
  name: string;
  sql: string;
}

export const pgMigrations: readonly PgMigration[] = [m0001_initial, m0002_dashboard, m0003_filters, m0004_delivery_log, m0005_dashboard_indexes, m0006_delivery_cost];
