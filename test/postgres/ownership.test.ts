// Which replica polls which source (src/sync/ownership.ts) with several replicas on one PostgreSQL
// database, each with its own connections: the sources spread so that no live replica sits idle
// while another polls two more, whatever the order the replicas start in; nobody holds a source twice.
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { openPgStore, type PgStore } from '../../src/store/postgres/index.js';
import { SourceOwnership } from '../../src/sync/ownership.js';
import { systemClock } from '../../src/util/time.js';
import { freshPgDatabase } from '../helpers/pg-db.js';
import { waitFor } from '../helpers/wait.js';

const LEASE_TTL_MS = 900; // heartbeats every 300 ms
const running: Array<{ ownership: SourceOwnership; store: PgStore }> = [];
afterEach(async () => {
  for (const r of running.splice(0)) {
    await r.ownership.stop();
    await r.store.close();
  }
});

async function replica(url: string, id: string, sourceIds: string[]): Promise<SourceOwnership> {
  const store = await openPgStore({ url, poolSize: 2, replicaId: id });
  await store.sources.register(sourceIds.map((s) => ({ id: s, vendor: 'apten' as const })), Date.now());
  const ownership = new SourceOwnership(
    { replicaId: id, version: 'test', sourceIds, leaseTtlMs: LEASE_TTL_MS },
    { store, clock: systemClock, logger: pino({ level: 'silent' }), onAcquired: () => {}, onLost: () => {} },
  );
  running.push({ ownership, store });
  await ownership.start();
  return ownership;
}

/** Until the sources polled per replica (sorted) are `counts`, every source held by exactly one. */
async function settlesAs(replicas: SourceOwnership[], sources: number, counts: number[]): Promise<void> {
  await waitFor(
    () => {
      const owned = replicas.map((r) => r.owned());
      const all = owned.flat();
      const spread = owned.map((o) => o.length).sort((a, b) => a - b);
      return all.length === sources && new Set(all).size === sources && JSON.stringify(spread) === JSON.stringify(counts);
    },
    { timeoutMs: 15_000, intervalMs: 50, what: `the sources spread as ${counts.join(', ')} (now ${JSON.stringify(replicas.map((r) => r.owned()))})` },
  );
}

describe('sources spread over replicas', () => {
  it('4 sources over 3 replicas started one after the other settle as 1, 1, 2: none idle', async () => {
    const url = await freshPgDatabase();
    const sources = ['s1', 's2', 's3', 's4'];
    // The first takes all four, the second half of them; the ceiling (2) alone would leave the third idle.
    const r1 = await replica(url, 'r1', sources);
    await settlesAs([r1], 4, [4]);
    const r2 = await replica(url, 'r2', sources);
    await settlesAs([r1, r2], 4, [2, 2]);
    const r3 = await replica(url, 'r3', sources);
    await settlesAs([r1, r2, r3], 4, [1, 1, 2]);
  });

  it('6 sources over 3 replicas: 2 each; one stops, the other two take its sources; it returns, 2 each again', async () => {
    const url = await freshPgDatabase();
    const sources = ['s1', 's2', 's3', 's4', 's5', 's6'];
    const [r1, r2, r3] = [await replica(url, 'r1', sources), await replica(url, 'r2', sources), await replica(url, 'r3', sources)];
    await settlesAs([r1!, r2!, r3!], 6, [2, 2, 2]);
    const gone = running.splice(2, 1)[0]!;
    await gone.ownership.stop();
    await gone.store.close();
    await settlesAs([r1!, r2!], 6, [3, 3]);
    const back = await replica(url, 'r3', sources);
    await settlesAs([r1!, r2!, back], 6, [2, 2, 2]);
    expect(back.owned()).toHaveLength(2);
  });
});
