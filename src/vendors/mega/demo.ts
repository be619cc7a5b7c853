// MEGA in `npm run demo` (src/demo/run.ts): its own activity, and a deal closed as won now and then.
import type { DemoVendor } from '../sim-common/types.js';
import { MEGA_STAGES, MegaSimulator, startMegaActivity } from './sim/index.js';

export function demo(): DemoVendor {
  const mega = new MegaSimulator();
  return {
    sourceId: 'mega',
    sim: mega,
    // MEGA allows 60 requests a minute; a full scan every 5 polls finds removed leads sooner than the default 24.
    source: { pollInterval: '3s', fullScanEvery: 5 },
    note: 'a MEGA deal closes as won every 15 s',
    activity() {
      const activity = startMegaActivity(mega, { everyMs: 4000 });
      // MEGA's own activity walks deals through their stages slowly; every 15 s (first after 8 s) the
      // demo closes one open deal, so a lead "just became won" within seconds (the demo's ★ lines).
      const closeADeal = () => {
        const open = mega.leads().filter((l) => l.status !== 'won');
        const lead = open[Math.floor(Math.random() * open.length)];
        if (lead) mega.updateLead(lead.id, { status: 'won', current_stage: { ...MEGA_STAGES.closed } });
      };
      const firstClose = setTimeout(closeADeal, 8000);
      const closer = setInterval(closeADeal, 15_000);
      firstClose.unref();
      closer.unref();
      return {
        stop() {
          activity.stop();
          clearTimeout(firstClose);
          clearInterval(closer);
        },
      };
    },
  };
}
