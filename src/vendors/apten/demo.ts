// Apten in `npm run demo` (src/demo/run.ts).
import type { DemoVendor } from '../sim-common/types.js';
import { AptenSimulator, AptenVendorSim, startAptenActivity } from './sim/index.js';

export function demo(): DemoVendor {
  const apten = new AptenSimulator({ apiKey: 'demo-apten-key' });
  return { sourceId: 'apten', sim: new AptenVendorSim(apten), activity: () => startAptenActivity(apten, { everyMs: 2500 }), source: { pollInterval: '2s' } };
}
