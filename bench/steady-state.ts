// steady-state: a poll of 100k known leads of which 1% changed since the last one — a full scan for
// Nexus, an incremental poll for Apten (only the changed leads come back after the cursor) — against
// the raw pipeline over the same pages: fetch + JSON.parse, then a hash-compare-and-update loop.
import { setTimeout as sleep } from 'node:timers/promises';
import { throughput, type Scenario, type ScenarioResult } from './lib.js';
import {
  combinedRate,
  log,
  median,
  rawFetch,
  RawStore,
  scratchDir,
  startInProcessRelay,
  startSimProcess,
  type SimVendor,
} from './sync-kit.js';

const TARGET = 0.5;
const CHANGED = 0.01;
/** The Apten adapter's default overlap: it re-reads this far behind its cursor. */
const APTEN_OVERLAP_MS = 2000;

export const steadyState: Scenario = {
  name: 'steady-state',
  description: 'a poll of 100k known leads with 1% changed: Nexus full scan, Apten incremental; vs raw fetch+parse then hash-compare/update',
  async run({ smoke }): Promise<ScenarioResult> {
    const n = smoke ? 300 : Number(process.env.BENCH_SYNC_LEADS ?? 100_000);
    const rounds = smoke ? 1 : Number(process.env.BENCH_STEADY_ROUNDS ?? 5);
    const result: ScenarioResult = { name: 'steady-state', figures: {}, details: { leads: n, changedShare: CHANGED, rounds } };
    for (const vendor of ['nexus-erp', 'apten'] as const) {
      const r = await measure(vendor, n, rounds);
      result.figures[vendor] = throughput(
        'leads/s',
        r.relayRate,
        r.baselineRate,
        TARGET,
        `median of ${rounds}; ${r.leadsPerPoll} leads per poll; raw fetch+parse ${Math.round(r.fetchRate)}/s, raw compare/update ${Math.round(r.dbRate)}/s`,
      );
      result.details![vendor] = r;
    }
    return result;
  },
};

async function measure(vendor: SimVendor, n: number, rounds: number) {
  const scratch = scratchDir('steady');
  const sim = await startSimProcess(vendor);
  try {
    await sim.seed(n);
    // The relay's first poll (at start) records the snapshot (initialSync: baseline); syncNow waits
    // for it and runs one more poll with nothing changed, which warms every path measured below.
    const relay = await startInProcessRelay(sim, scratch.dir, 'baseline');
    const warmup = await relay.sync();
    log(`${vendor}: ${n} leads known; first sync (baseline) and a poll with nothing changed took ${Math.round(warmup.ms)} ms`);

    // The raw side's own snapshot of the same leads.
    const raw = new RawStore(`${scratch.dir}/raw.db`);
    const all: Array<Record<string, unknown> & { id: string; updatedAt?: string }> = [];
    await rawFetch(sim, (page) => all.push(...page));
    raw.apply(all);
    let cursor = maxUpdatedAt(all);
    all.length = 0;

    const relayMs: number[] = [];
    const fetchMs: number[] = [];
    const dbMs: number[] = [];
    let leadsPerPoll = 0;
    for (let r = 1; r <= rounds; r++) {
      if (vendor === 'apten' && r > 1) {
        // The adapter re-reads APTEN_OVERLAP_MS behind its cursor, which would bring the last round's
        // leads back. One lead changed past that window, then a poll on both sides (not measured),
        // moves both cursors on, so the measured poll returns that lead and this round's changes only.
        await sleep(APTEN_OVERLAP_MS + 100);
        await sim.change(1 / n, -r);
        const settle: typeof all = [];
        await rawFetch(sim, (page) => settle.push(...page), { updatedSince: new Date(Date.parse(cursor!) - APTEN_OVERLAP_MS).toISOString() });
        raw.apply(settle);
        cursor = maxUpdatedAt([...settle, { id: '', updatedAt: cursor! }]);
        await relay.sync();
        await sleep(APTEN_OVERLAP_MS + 100);
      }
      const { changed } = await sim.change(CHANGED, r);
      // Apten: from the cursor minus the overlap, as the adapter asks.
      const since = vendor === 'apten' ? new Date(Date.parse(cursor!) - APTEN_OVERLAP_MS).toISOString() : undefined;
      const records: typeof all = [];
      const fetched = await rawFetch(sim, (page) => records.push(...page), { updatedSince: since });
      const applied = raw.apply(records);
      if (applied.written !== changed) throw new Error(`raw baseline wrote ${applied.written} leads, expected ${changed}`);
      if (vendor === 'apten') cursor = maxUpdatedAt([...records, { id: '', updatedAt: cursor! }]);

      const { ms, result } = await relay.sync();
      if (result.stats.updated !== changed || result.stats.leadsSeen !== fetched.leads) {
        throw new Error(`relay saw ${result.stats.leadsSeen} leads (raw: ${fetched.leads}), updated ${result.stats.updated} (changed: ${changed})`);
      }
      leadsPerPoll = fetched.leads;
      relayMs.push(ms);
      fetchMs.push(fetched.ms);
      dbMs.push(applied.ms);
      log(`${vendor} round ${r}: ${fetched.leads} leads, ${changed} changed; relay ${Math.round(ms)} ms; raw fetch ${Math.round(fetched.ms)} ms + compare/update ${Math.round(applied.ms)} ms`);
    }
    await relay.stop();
    raw.close();
    const fetchRate = leadsPerPoll / (median(fetchMs) / 1000);
    const dbRate = leadsPerPoll / (median(dbMs) / 1000);
    return {
      leadsPerPoll,
      relayRate: leadsPerPoll / (median(relayMs) / 1000),
      relayMs: relayMs.map(Math.round),
      baselineRate: combinedRate(fetchRate, dbRate),
      fetchRate,
      dbRate,
    };
  } finally {
    await sim.close();
    scratch.remove();
  }
}

function maxUpdatedAt(records: ReadonlyArray<{ updatedAt?: string }>): string | null {
  let max: string | null = null;
  for (const r of records) if (typeof r.updatedAt === 'string' && (max === null || r.updatedAt > max)) max = r.updatedAt;
  return max;
}
