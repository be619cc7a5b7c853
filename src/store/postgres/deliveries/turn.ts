// One delivery-worker turn in one transaction: record the finished attempts, fan out new events,
// claim what the free slots allow. Round trips: BEGIN, the records (with the claim locks), the
// fan-out's read and write (only when asked to and events wait), the claims, COMMIT.
import type { DeliveryTurn, DeliveryTurnResult } from '../../contract.js';
import type { ClaimedDelivery, RecordRequest, HealthPolicy } from '../../types.js';
import { CallbackError, asError, checkout, isRetryable, isStatementFault, rollback, type PgClient, type PgDb } from './client.js';
import { recordBatch, recordEach } from './record-attempts.js';
import { fanOut } from './fan-out.js';
import { claim } from './claim.js';

/** Outcomes already committed on their own (after a failure), so a retried turn won't record them twice. */
interface Progress {
  recorded: Array<boolean | Error> | null;
}

export async function pgTurn(db: PgDb, t: DeliveryTurn): Promise<DeliveryTurnResult> {
  // One claim per subscription: a repeat would only lock rows this same statement already holds.
  const claims = [...new Map(t.claims.filter((c) => c.limit > 0).map((c) => [c.subscriptionId, c] as const)).values()];
  if (t.records.length === 0 && claims.length === 0 && t.fanOutLimit <= 0) return { recorded: [], fannedOut: 0, claimed: [] };
  const progress: Progress = { recorded: null };
  for (let round = 1; ; round++) {
    try {
      return await turnOnce(db, t, claims, progress);
    } catch (err) {
      // A deadlock rolled the whole transaction back: run it again (see client.ts isRetryable).
      if (round < 5 && isRetryable(err)) continue;
      throw err;
    }
  }
}

async function turnOnce(db: PgDb, t: DeliveryTurn, claims: DeliveryTurn['claims'], progress: Progress): Promise<DeliveryTurnResult> {
  const client = await checkout(db);
  let inTx = false;
  let broken: Error | undefined;
  const sql = async (text: 'BEGIN' | 'COMMIT' | 'ROLLBACK') => {
    inTx = text === 'BEGIN';
    await client.query({ text });
  };
  try {
    await sql('BEGIN');
    const records = progress.recorded ? [] : t.records;
    const claimSubs = claims.map((c) => c.subscriptionId);
    let recorded = progress.recorded;
    let gated: string[] = [];
    if (records.length > 0 || claimSubs.length > 0) {
      try {
        const out = await recordBatch(client, records, t.health, claimSubs);
        gated = out.gated;
        recorded ??= out.recorded;
      } catch (err) {
        if (records.length === 0 || !isStatementFault(err)) throw err;
        // One record is bad (a constraint, bad data): each alone, so it cannot sink the others.
        await sql('ROLLBACK');
        progress.recorded = recorded = await recordEach(client, records, t.health);
        await sql('BEGIN');
        gated = (await recordBatch(client, [], t.health, claimSubs)).gated;
      }
    }
    let fannedOut = 0;
    let filtered: Array<{ subscriptionId: string; count: number }> = [];
    let claimed: ClaimedDelivery[] = [];
    try {
      if (t.fanOutLimit > 0) ({ taken: fannedOut, filtered } = await fanOut(client, t));
      claimed = await claim(client, claims, t.now, t.leaseUntil, gated, t.maxTotal);
    } catch (err) {
      if (!isStatementFault(err)) throw err;
      // As SQLite's savepoint does: the outcomes still commit, nothing is fanned out or claimed.
      // Without a savepoint per turn (a round trip each), the rollback takes them too: again, alone.
      await sql('ROLLBACK');
      progress.recorded ??= await recordOnTheirOwn(client, t.records, t.health);
      return { recorded: progress.recorded, fannedOut: 0, claimed: [], claimError: err instanceof CallbackError ? asError(err.original) : asError(err) };
    }
    await sql('COMMIT');
    return {
      recorded: recorded ?? [],
      fannedOut,
      moreToFanOut: t.fanOutLimit > 0 && fannedOut >= t.fanOutLimit,
      claimed,
      ...(filtered.length ? { filtered } : {}),
    };
  } catch (err) {
    if (inTx) broken = await rollback(client, err);
    else if (!isStatementFault(err)) broken = asError(err);
    throw err;
  } finally {
    client.release(broken);
  }
}

async function recordOnTheirOwn(client: PgClient, records: readonly RecordRequest[], health: HealthPolicy): Promise<Array<boolean | Error>> {
  if (records.length === 0) return [];
  await client.query({ text: 'BEGIN' });
  try {
    const out = await recordBatch(client, records, health, []);
    await client.query({ text: 'COMMIT' });
    return out.recorded;
  } catch (err) {
    await client.query({ text: 'ROLLBACK' });
    if (!isStatementFault(err)) throw err;
    return recordEach(client, records, health);
  }
}
