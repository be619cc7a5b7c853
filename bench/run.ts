// `npm run bench [scenario ...] [--smoke]`: runs the benchmarks, prints each figure next to its raw
// baseline and the ratio, and writes bench/results.json (BENCHMARKS.md is written from it).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import type { Scenario, ScenarioResult } from './lib.js';
import { scenarios } from './scenarios.js';

async function main() {
  const args = process.argv.slice(2);
  const smoke = args.includes('--smoke');
  const names = args.filter((a) => !a.startsWith('--'));
  const unknown = names.filter((n) => !scenarios.some((s) => s.name === n));
  if (unknown.length) {
    console.error(`unknown scenario(s): ${unknown.join(', ')}\navailable: ${scenarios.map((s) => s.name).join(', ')}`);
    process.exit(2);
  }
  const selected: Scenario[] = names.length ? scenarios.filter((s) => names.includes(s.name)) : scenarios;
  const machine = {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGb: Math.round(os.totalmem() / 1024 ** 3),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    date: new Date().toISOString(),
  };
  console.log(`machine: ${machine.cpus} cores (${machine.cpuModel}), ${machine.memoryGb} GB, Node ${machine.node}${smoke ? ' [smoke]' : ''}`);
  const results: ScenarioResult[] = [];
  for (const s of selected) {
    console.log(`\n== ${s.name}: ${s.description}`);
    const result = await s.run({ smoke });
    results.push(result);
    for (const [label, f] of Object.entries(result.figures)) {
      const target = f.target !== undefined ? `  (target ${f.target})` : '';
      console.log(`  ${label}: relay ${f.relay} ${f.unit} | baseline ${f.baseline} ${f.unit} | ratio ${f.ratio}${target}${f.notes ? `  — ${f.notes}` : ''}`);
    }
  }
  if (!smoke) writeResults(machine, results);
}

/**
 * Merges into bench/results.json by scenario name: running some scenarios (npm run bench -- scale)
 * replaces their entries and keeps the others'. Each entry records when and on what it ran.
 */
function writeResults(machine: Record<string, unknown>, results: ScenarioResult[]) {
  const file = new URL('./results.json', import.meta.url);
  let previous: Array<ScenarioResult & { machine?: unknown }> = [];
  if (existsSync(file)) {
    const old = JSON.parse(readFileSync(file, 'utf8')) as { machine?: unknown; results?: Array<ScenarioResult & { machine?: unknown }> };
    previous = (old.results ?? []).map((r) => ({ ...r, machine: r.machine ?? old.machine }));
  }
  const fresh = results.map((r) => ({ ...r, machine }));
  const merged = [...previous.filter((r) => !results.some((n) => n.name === r.name)), ...fresh];
  const order = scenarios.map((s) => s.name);
  merged.sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name));
  writeFileSync(file, JSON.stringify({ machine, results: merged }, null, 2) + '\n');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
