// PenguinMails in `npm run demo` (src/demo/run.ts).
import type { DemoVendor } from '../sim-common/types.js';
import { PenguinMailsSimulator, startPenguinMailsActivity } from './sim/index.js';

export function demo(): DemoVendor {
  const penguin = new PenguinMailsSimulator({ apiKey: 'demo-penguinmails-key' });
  return {
    sourceId: 'penguin',
    sim: penguin,
    activity: () => startPenguinMailsActivity(penguin, { everyMs: 5000 }),
    // Within PenguinMails' assumed 60 requests a minute: list + details of changed leads.
    source: { pollInterval: '5s', detailRefreshPerPoll: 2 },
  };
}
