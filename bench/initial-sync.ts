// initial-sync: a first sync of 100k new leads (initialSync: emit) from the Nexus and Apten simulators,
// against the raw pipeline over the same pages: fetch + JSON.parse, then a SQLite insert loop.
import { throughput, type Scenario, type ScenarioResult } from './lib.js';
import {
  combinedRate,
  log,
  rawFetch,
  RawStore,
  scratchDir,
  startInProcessRelay,
  startSimProcess,
  type SimVendor,
} from './sync-kit.js';

const TARGET = 0.4;

export const initialSync: Scenario = {
  name: 'initial-sync',
  description: 'first sync of 100k new leads (emit) from Nexus (full scan, 100/page) and Apten (incremental, 1,000/page) vs raw fetch+parse then SQLite insert',
  async run({ smoke }): Promise<ScenarioResult> {
    const n = smoke ? 300 : Number(process.env.BENCH_SYNC_LEADS ?? 100_000);
    const result: ScenarioResult = { name: 'initial-sync', figures: {}, details: { leads: n } };
    for (const vendor of ['nexus-erp', 'apten'] as const) {
      const r = await measure(vendor, n);
      result.figures[vendor] = throughput(
        'leads/s',
        r.relayRate,
        r.baselineRate,
        TARGET,
        `raw fetch+parse ${Math.round(r.fetchRate)}/s, raw insert ${Math.round(r.insertRate)}/s`,
      );
      result.details![vendor] = r;
    }
    return result;
  },
};

async function measure(vendor: SimVendor, n: number) {
  const scratch = scratchDir('initial');
  const sim = await startSimProcess(vendor);
  try {
    // The relay starts on an empty account, so its first (automatic) poll finds nothing; syncNow then
    // waits for that one and runs one more empty poll.
    const relay = await startInProcessRelay(sim, scratch.dir, 'emit');
    await relay.sync();
    const seeded = await sim.seed(n);
    log(`${vendor}: seeded ${n} leads in ${Math.round(seeded.ms)} ms`);

    const records: Array<Record<string, unknown> & { id: string }> = [];
    const fetched = await rawFetch(sim, (page) => records.push(...page));
    const raw = new RawStore(`${scratch.dir}/raw.db`);
    const inserted = raw.apply(records);
    raw.close();
    if (fetched.leads !== n || inserted.written !== n) throw new Error(`raw baseline saw ${fetched.leads} leads, wrote ${inserted.written}`);
    records.length = 0;

    const { ms, result } = await relay.sync();
    await relay.stop();
    if (result.stats.created !== n || result.stats.eventsEmitted !== n) {
      throw new Error(`relay created ${result.stats.created} leads and ${result.stats.eventsEmitted} events, expected ${n}`);
    }
    const fetchRate = n / (fetched.ms / 1000);
    const insertRate = n / (inserted.ms / 1000);
    const out = {
      relayRate: n / (ms / 1000),
      relayMs: Math.round(ms),
      baselineRate: combinedRate(fetchRate, insertRate),
      fetchRate,
      insertRate,
      pages: fetched.pages,
    };
    log(`${vendor}: relay ${Math.round(ms)} ms; raw fetch ${Math.round(fetched.ms)} ms, raw insert ${Math.round(inserted.ms)} ms`);
    return out;
  } finally {
    await sim.close();
    scratch.remove();
  }
}
