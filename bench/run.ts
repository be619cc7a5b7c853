// `npm run bench [scenario ...] [--smoke]`: runs the benchmarks, prints each figure next to its raw
// baseline and the ratio, and writes bench/results.json (BENCHMARKS.md is written from it).
import { writeFileSync } from 'node:fs';
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
  if (!smoke) writeFileSync(new URL('./results.json', import.meta.url), JSON.stringify({ machine, results }, null, 2) + '\n');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
