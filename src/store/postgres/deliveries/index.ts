// The PostgreSQL delivery queue (DeliveryOps): one file per operation, shared by every replica on
// the database (claims with SKIP LOCKED and fencing tokens, fan-out exactly once, cluster-wide limits).
import type { DeliveryOps } from '../../contract.js';
import type { PgDb } from './client.js';
import { pgTurn } from './turn.js';
import { operatorOps } from './operator.js';
import { viewOps } from './views.js';

export type { PgDb, PgClient, PgQueryable } from './client.js';

/** `db`: a pg.Pool (or anything with its query(config) and connect(), e.g. a round-trip counter). */
export function createPgDeliveryOps(db: PgDb): DeliveryOps {
  return {
    turn: (t) => pgTurn(db, t),
    ...operatorOps(db),
    ...viewOps(db),
  };
}
