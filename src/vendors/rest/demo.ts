// vendor: rest in `npm run demo` (src/demo/run.ts): a second Nexus ERP simulator, read through
// examples/rest-nexus-erp.yaml instead of the built-in adapter.
import type { DemoVendor } from '../sim-common/types.js';
import { NexusSimulator, startNexusActivity } from '../nexus-erp/sim/index.js';
import { DescribedSim, restExample } from './described.js';

export function demo(): DemoVendor {
  const nexus = new NexusSimulator({ apiKey: 'demo-nexus-yaml-key', volatility: 0.2 });
  return {
    sourceId: 'nexus-yaml',
    sim: new DescribedSim(nexus, restExample('nexus-erp')),
    activity: () => startNexusActivity(nexus, { everyMs: 4000 }),
    source: { pollInterval: '3s' },
    note: 'nexus-yaml: a Nexus ERP simulator read through examples/rest-nexus-erp.yaml (vendor: rest, no code)',
  };
}
