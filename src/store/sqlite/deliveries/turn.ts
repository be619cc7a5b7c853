// One delivery-worker turn in one transaction (one commit): record the finished attempts, fan out
// new events, claim what the free slots allow. Measured: a commit costs ~0.2 ms, as much per turn
// as the records' own statements, so the claims share the records' commit.
import type { Db } from '../db.js';
import type { DeliveryTurn, DeliveryTurnResult } from '../../contract.js';
import type { ClaimedDelivery, Subscription } from '../../types.js';
import { isStorageError } from '../../errors.js';
import type { SqliteRecordAttempts } from './record-attempts.js';
import type { SqliteFanOut } from './fan-out.js';
import type { SqliteClaim } from './claim.js';

export function sqliteTurn(
  db: Db,
  parts: { records: SqliteRecordAttempts; fanOut: SqliteFanOut; claim: SqliteClaim; subscriptions: () => Subscription[] },
  t: DeliveryTurn,
): DeliveryTurnResult {
  const result: DeliveryTurnResult = { recorded: [], fannedOut: 0, claimed: [] };
  db.transaction(() => {
    result.recorded = parts.records.run(t.records, t.health);
    // In a savepoint of its own: should fan-out or a claim fail, the outcomes still commit.
    try {
      db.transaction(() => {
        if (t.fanOutLimit > 0) {
          const f = parts.fanOut.run(t.match, parts.subscriptions(), t.newDeliveryId, t.now, t.fanOutLimit);
          result.fannedOut = f.fannedOut;
          result.moreToFanOut = f.more;
          if (f.filtered.size) result.filtered = [...f.filtered].map(([subscriptionId, count]) => ({ subscriptionId, count }));
        }
        const claimed: ClaimedDelivery[] = [];
        for (const c of t.claims) {
          const room = t.maxTotal - claimed.length;
          if (room <= 0) break;
          claimed.push(...parts.claim.run(c.subscriptionId, Math.min(c.limit, room), t.now, t.leaseUntil));
        }
        result.claimed = claimed;
      })();
    } catch (err) {
      // SQLite may have rolled back the whole transaction (its docs: "Response To Errors Within A
      // Transaction"): a storage error fails the turn as a whole.
      if (isStorageError(err)) throw err;
      result.fannedOut = 0;
      delete result.filtered;
      result.claimed = [];
      result.claimError = err instanceof Error ? err : new Error(String(err));
    }
  })();
  return result;
}
