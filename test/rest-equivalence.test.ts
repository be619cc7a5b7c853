// vendor: rest is general: the examples/rest-*.yaml descriptions of Nexus ERP, MEGA and Apten, read
// beside the built-in adapters from the same simulator by one real relay over real HTTP, send the
// same lead.* webhooks on the same changes (verified by a standardwebhooks subscriber). The only
// differences allowed are the ones a YAML vendor cannot express: `vendor` says "rest", and the
// built-in adapters' event.* (MEGA's interaction counter, Apten's event feed) have no YAML twin.
import { afterEach, describe, expect, it } from 'vitest';
import { AptenSimulator, AptenVendorSim, aptenActivityStep } from '../src/vendors/apten/sim/index.js';
import { NexusSimulator, nexusActivityStep, mulberry32, type Random } from '../src/vendors/nexus-erp/sim/index.js';
import { DEFAULT_MEGA_CUSTOMER_ID, MegaSimulator, megaActivityStep } from '../src/vendors/mega/sim/index.js';
import type { VendorSimulator } from '../src/vendors/sim-common/types.js';
import type { Received } from './helpers/subscriber.js';
import { Harness } from './helpers/harness.js';
import { restSource, type RestExample } from './helpers/rest-examples.js';

interface EquivalenceCase {
  example: RestExample;
  vendor: string;
  make(random: Random): { sim: VendorSimulator; step(): void };
  /** The built-in source's config; the YAML source gets the same schedule, so their full scans fall on the same polls. */
  source: Record<string, unknown>;
  yamlSource: Record<string, unknown>;
  yamlSync: Record<string, unknown>;
  /** event.* types the built-in adapter sends and YAML cannot. */
  builtinOnly: string[];
}

const cases: EquivalenceCase[] = [
  {
    example: 'nexus-erp',
    vendor: 'nexus-erp',
    make: (random) => {
      const sim = new NexusSimulator({ apiKey: 'nexus-eq-key', random });
      return { sim, step: () => nexusActivityStep(sim, random) };
    },
    source: { pageSize: 7 },
    yamlSource: { pageSize: 7 },
    yamlSync: {},
    builtinOnly: [],
  },
  {
    example: 'mega',
    vendor: 'mega',
    make: (random) => {
      const sim = new MegaSimulator({ rateLimits: [], random });
      return { sim, step: () => megaActivityStep(sim, random) };
    },
    source: { pageSize: 7, fullScanEvery: 3, rateLimits: [] },
    yamlSource: { pageSize: 7, rateLimits: [] },
    yamlSync: { fullScanEvery: 3 },
    builtinOnly: ['event.added'],
  },
  {
    example: 'apten',
    vendor: 'apten',
    make: (random) => {
      const apten = new AptenSimulator({ apiKey: 'apten-eq-key', random });
      return { sim: new AptenVendorSim(apten), step: () => aptenActivityStep(apten, random) };
    },
    source: { pageSize: 7, fullScanEvery: 3 },
    yamlSource: { pageSize: 7 },
    yamlSync: { fullScanEvery: 3 },
    builtinOnly: ['event.added', 'event.updated'],
  },
];

let h: Harness;
afterEach(async () => h?.stop());

/** A webhook body with what names the source left out: the part both adapters must agree on. */
function comparable(w: Received): string {
  const body = structuredClone(w.body);
  delete body.timestamp;
  for (const key of ['lead', 'previous']) {
    if (body.data[key]) {
      delete body.data[key].source;
      delete body.data[key].vendor;
    }
  }
  delete body.data.source;
  delete body.data.vendor;
  return JSON.stringify(body);
}

const key = (w: Received) => `${w.type} ${w.body.data.lead?.id ?? w.body.data.leadId} ${comparable(w)}`;

describe.each(cases)('rest described by examples/rest-$example beside the built-in $vendor', (c) => {
  it('sends the same lead.* webhooks on the same changes, round after round', async () => {
    const random = mulberry32(0x5eed + c.example.length);
    const { sim, step } = c.make(random);
    const builtin = c.vendor;
    const yaml = 'yaml';
    h = await new Harness({
      sim,
      sourceId: builtin,
      source: c.source,
      moreSources: [{ id: yaml, ...c.yamlSource, ...restSource(c.example, { MEGA_CUSTOMER_ID: DEFAULT_MEGA_CUSTOMER_ID }, c.yamlSync) }],
    }).start();
    const seeded = sim.seed(30);
    const counts: Record<string, number> = {};
    let builtinOnly = 0;

    // 12 rounds of lifelike changes (the simulator's own activity, plus one explicit delete), then
    // quiet rounds until absences have been confirmed by two complete scans on both sides.
    for (let round = 0; round < 18; round++) {
      if (round < 12) for (let i = 0; i < 6; i++) step();
      if (round === 1) sim.deleteLead(seeded[0]!);
      const from = h.sub.accepted.length;
      for (const id of [builtin, yaml]) {
        const run = await h.sync(id);
        expect(run.error, `${id} round ${round}`).toBeNull();
      }
      await h.waitIdle();
      const got = h.sub.accepted.slice(from);
      const ofBuiltin = got.filter((w) => w.body.data.source === builtin);
      const ofYaml = got.filter((w) => w.body.data.source === yaml);
      expect(ofBuiltin.every((w) => w.body.data.vendor === c.vendor) && ofYaml.every((w) => w.body.data.vendor === 'rest')).toBe(true);
      expect(ofYaml.filter((w) => !w.type.startsWith('lead.'))).toEqual([]);
      const builtinLead = ofBuiltin.filter((w) => w.type.startsWith('lead.'));
      for (const w of ofBuiltin) if (!w.type.startsWith('lead.')) expect(c.builtinOnly).toContain(w.type);
      builtinOnly += ofBuiltin.length - builtinLead.length;
      expect(ofYaml.map(key).sort(), `round ${round}`).toEqual(builtinLead.map(key).sort());
      for (const w of ofYaml) counts[w.type] = (counts[w.type] ?? 0) + 1;
    }
    // Every kind of lead change happened and matched, not just the easy ones.
    expect(Object.keys(counts).sort()).toEqual(['lead.created', 'lead.deleted', 'lead.updated']);
    expect(counts['lead.created']).toBeGreaterThan(30);
    expect(counts['lead.updated']).toBeGreaterThan(5);
    if (c.builtinOnly.length > 0) expect(builtinOnly).toBeGreaterThan(0);
    if (process.env.REST_EQUIVALENCE_REPORT) console.info(`${c.example}: matched ${JSON.stringify(counts)}; built-in only (event.*): ${builtinOnly}`);
    // The same snapshot on both sides at the end.
    const sources = (await h.api('GET', '/v1/sources')).body.data;
    const [a, b] = [builtin, yaml].map((id) => sources.find((s: any) => s.id === id));
    expect([b.leadCount, b.deletedLeadCount]).toEqual([a.leadCount, a.deletedLeadCount]);
  });
});
