// The delivery op group on PostgreSQL: a placeholder so PgStore compiles; branch i13-pg-b replaces
// this file with the real queue (claims, outcomes, fan-out).
import type pg from 'pg';
import type { DeliveryOps } from '../../contract.js';

export function createPgDeliveryOps(db: pg.Pool): DeliveryOps {
  void db;
  const notYet = async (): Promise<never> => {
    throw new Error('not implemented yet');
  };
  return {
    turn: notYet,
    release: notYet,
    releaseLeasesAtStart: notYet,
    nextDueAfter: notYet,
    pendingCount: notYet,
    queueBySubscription: notYet,
    get: notYet,
    listForSubscription: notYet,
    retryNow: notYet,
    insertPing: notYet,
    requeue: notYet,
  };
}
