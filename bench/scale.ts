// scale: a full-scan source (Nexus) at 10k, 100k and 1M leads, the relay running as its own process
// (dist/cli/main.js start) as in production: time per lead of the first sync and of a later full scan
// (1% changed), and the relay process's peak RSS (VmHWM). Flat time per lead and bounded memory mean
// no whole snapshot in memory and no per-lead query where a batched one serves.
import { type Figure, type Scenario, type ScenarioResult } from './lib.js';
import { log, lowerIsBetter, scratchDir, startChildRelay, startSimProcess } from './sync-kit.js';

const SIZES = [10_000, 100_000, 1_000_000];
const RSS_TARGET_MB = 250;

export const scale: Scenario = {
  name: 'scale',
  description: 'Nexus full-scan source at 10k/100k/1M leads (BENCH_SCALE_MAX caps it): relay child µs per lead and peak RSS',
  async run({ smoke }): Promise<ScenarioResult> {
    const max = Number(process.env.BENCH_SCALE_MAX ?? 1_000_000);
    const sizes = smoke ? [200, 600] : SIZES.filter((s) => s <= max);
    if (sizes.length === 0) throw new Error(`BENCH_SCALE_MAX=${max} leaves no size to run (sizes: ${SIZES.join(', ')})`);
    const rows: Row[] = [];
    for (const n of sizes) rows.push(await measure(n));

    const smallest = rows[0]!;
    const largest = rows.at(-1)!;
    const figures: Record<string, Figure> = {};
    for (const r of rows) {
      // Against the smallest size: 1.0 is perfectly flat, lower means a lead costs more in a bigger account.
      figures[`first sync @${label(r.leads)}`] = lowerIsBetter('µs/lead', r.initialUs, smallest.initialUs, undefined, `baseline: the same at ${label(smallest.leads)}`);
      figures[`full scan @${label(r.leads)}`] = lowerIsBetter('µs/lead', r.rescanUs, smallest.rescanUs, undefined, `baseline: the same at ${label(smallest.leads)}`);
      // CPU time is what a shared, noisy machine distorts least: other processes only delay it. Not
      // in smoke runs: the kernel counts it in 10 ms ticks, and a tiny scan may take none.
      if (smoke) continue;
      figures[`first sync CPU @${label(r.leads)}`] = lowerIsBetter('µs/lead', r.initialCpuUs, smallest.initialCpuUs, undefined, `relay process CPU; baseline: the same at ${label(smallest.leads)}`);
      figures[`full scan CPU @${label(r.leads)}`] = lowerIsBetter('µs/lead', r.rescanCpuUs, smallest.rescanCpuUs, undefined, `relay process CPU; baseline: the same at ${label(smallest.leads)}`);
    }
    figures[`peak RSS @${label(largest.leads)}`] = lowerIsBetter(
      'MB',
      largest.peakRssMb,
      smallest.peakRssMb,
      undefined,
      `baseline: peak RSS at ${label(smallest.leads)}; target < ${RSS_TARGET_MB} MB (${largest.peakRssMb < RSS_TARGET_MB ? 'met' : 'NOT met'})`,
    );
    return { name: 'scale', figures, details: { rows, rssTargetMb: RSS_TARGET_MB } };
  },
};

interface Row {
  leads: number;
  initialUs: number;
  rescanUs: number;
  /** The relay process's CPU time (all threads) per lead. */
  initialCpuUs: number;
  rescanCpuUs: number;
  initialMs: number;
  rescanMs: number;
  peakRssMb: number;
  seedMs: number;
}

async function measure(n: number): Promise<Row> {
  const scratch = scratchDir('scale');
  // The simulator holds every lead as JS objects (~1.5 GB at 1M): it gets its own process and heap.
  const sim = await startSimProcess('nexus-erp', { heapMb: n > 200_000 ? 8192 : 4096 });
  try {
    const profileDir = process.env.BENCH_PROFILE_DIR;
    const relay = await startChildRelay(sim, scratch.dir, 'baseline', profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []);
    try {
      await relay.sync(); // the empty account: nothing to do, but the relay process is warm
      const seeded = await sim.seed(n);
      log(`${label(n)}: seeded in ${Math.round(seeded.ms)} ms`);
      const first = await relay.sync();
      if (first.stats.created !== n) throw new Error(`first sync created ${first.stats.created} leads, expected ${n}`);
      const { changed } = await sim.change(0.01, 1);
      const rescan = await relay.sync();
      if (rescan.stats.updated !== changed || rescan.stats.leadsSeen !== n) {
        throw new Error(`full scan saw ${rescan.stats.leadsSeen} leads and updated ${rescan.stats.updated}, expected ${n} and ${changed}`);
      }
      const row: Row = {
        leads: n,
        initialMs: Math.round(first.ms),
        rescanMs: Math.round(rescan.ms),
        initialUs: (first.ms * 1000) / n,
        rescanUs: (rescan.ms * 1000) / n,
        initialCpuUs: (first.cpuMs * 1000) / n,
        rescanCpuUs: (rescan.cpuMs * 1000) / n,
        peakRssMb: Math.round(relay.peakRssMb()),
        seedMs: Math.round(seeded.ms),
      };
      log(`${label(n)}: first sync ${row.initialMs} ms (${row.initialUs.toFixed(1)} µs/lead), full scan ${row.rescanMs} ms (${row.rescanUs.toFixed(1)} µs/lead); CPU ${row.initialCpuUs.toFixed(1)} and ${row.rescanCpuUs.toFixed(1)} µs/lead; peak RSS ${row.peakRssMb} MB`);
      return row;
    } finally {
      await relay.stop();
    }
  } finally {
    await sim.close();
    scratch.remove();
  }
}

function label(n: number): string {
  return n >= 1_000_000 ? `${n / 1_000_000}M` : n >= 1000 ? `${n / 1000}k` : String(n);
}
