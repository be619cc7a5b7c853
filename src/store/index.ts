// The store: the only module that speaks SQL, behind one async contract (contract.ts) with two
// backends: SQLite (sqlite/, the embedded default) and PostgreSQL (postgres/, shared by replicas).
import { openSqliteStore, type SqliteOpenOptions } from './sqlite/index.js';
import type { Store } from './contract.js';
import type { PgStoreOptions } from './postgres/index.js';

export interface StorageOptions {
  /** SQLite file (storage.path), used when `postgres` is absent. */
  path: string;
  sqlite?: SqliteOpenOptions;
  /** storage.url and its settings: PostgreSQL instead of SQLite. */
  postgres?: PgStoreOptions;
}

/** Opens (and migrates) the configured backend. */
export async function openStore(storage: StorageOptions): Promise<Store> {
  if (storage.postgres) {
    // Loaded only when used: a SQLite relay never loads the PostgreSQL driver.
    const { openPgStore } = await import('./postgres/index.js');
    return openPgStore(storage.postgres);
  }
  return openSqliteStore(storage.path, storage.sqlite);
}

export { openSqliteStore } from './sqlite/index.js';
export type { Store, Fence, StorageKind, DeliveryTurn, DeliveryTurnResult } from './contract.js';
export type * from './types.js';
export {
  CLEAN_HEALTH,
  MAX_PREVIOUS_SECRETS,
  livePreviousSecrets,
  newSubscription,
  previousAfterRotation,
  signingSecrets,
  planConfigSync,
} from './subscription-model.js';
export { LeaseLostError, isStorageError, storageErrorOf } from './errors.js';
export { DELIVERY_STATUSES } from './delivery-status.js';
