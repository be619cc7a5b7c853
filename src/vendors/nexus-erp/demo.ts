// Nexus ERP in `npm run demo` (src/demo/run.ts).
import type { DemoVendor } from '../sim-common/types.js';
import { NexusSimulator, startNexusActivity } from './sim/index.js';

export function demo(): DemoVendor {
  const nexus = new NexusSimulator({ apiKey: 'demo-nexus-key', volatility: 0.2 });
  return { sourceId: 'nexus', sim: nexus, activity: () => startNexusActivity(nexus, { everyMs: 4000 }), source: { pollInterval: '3s' } };
}
