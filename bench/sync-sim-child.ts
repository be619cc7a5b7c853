// A vendor simulator in its own process for the sync benchmarks, driven over IPC (see startSimProcess
// in sync-kit.ts): the relay and the raw baselines then measure their own work, not the simulator's
// heap and garbage collection, and the simulated vendor sits on the other core as a remote one would.
import { AptenSimulator } from '../src/vendors/apten/sim/index.js';
import { mulberry32, NexusSimulator } from '../src/vendors/nexus-erp/sim/index.js';
import { SIM_API_KEY, type SimCommand, type SimVendor } from './sync-sim-protocol.js';

const vendor = process.argv[2] as SimVendor;
const seed = Number(process.argv[3] ?? 1);

function reply(id: number, body: Record<string, unknown>): void {
  process.send!({ id, ...body });
}

async function main(): Promise<void> {
  let random = mulberry32(seed);
  let nexus = vendor === 'nexus-erp' ? new NexusSimulator({ apiKey: SIM_API_KEY, random }) : null;
  let apten = vendor === 'apten' ? new AptenSimulator({ apiKey: SIM_API_KEY, random }) : null;
  let server = await (nexus ?? apten)!.listen();
  let ids: string[] = [];

  // The first list request after a change rebuilds the simulator's cached order (a second or two at
  // 1M leads); doing it here keeps that cost out of whichever client happens to ask first.
  const warm = async () => {
    if (nexus) await nexus.app.request('/api/v1/leads?page=1&pageSize=1', { headers: { authorization: `Bearer ${SIM_API_KEY}` } });
    else await apten!.app.request('/leads?updatedSince=1970-01-01T00:00:00.000Z&limit=1', { headers: { 'x-api-key': SIM_API_KEY } });
  };

  process.on('message', (msg: { id: number } & SimCommand) => {
    void (async () => {
      const start = performance.now();
      switch (msg.op) {
        case 'seed': {
          // Leads without interaction events: the benchmark measures listing + diff + outbox.
          const seeded = nexus ? nexus.seed(msg.n) : apten!.seed(msg.n, { eventsPerLead: 0 }).map((l) => l.id);
          for (const id of seeded) ids.push(id); // not push(...seeded): 1M arguments overflow the stack
          // The ground-truth change log is not needed here and would only hold memory.
          (nexus ?? apten)!.changes.length = 0;
          await warm();
          reply(msg.id, { ms: performance.now() - start, leads: ids.length });
          break;
        }
        case 'change': {
          // Evenly spread over the account, a field every receiver would see as a real change.
          const step = Math.max(1, Math.round(1 / msg.fraction));
          let changed = 0;
          for (let i = ((msg.round % step) + step) % step; i < ids.length; i += step) {
            if (nexus) nexus.updateLead(ids[i]!, { notes: `Benchmark round ${msg.round}: left a voicemail.` });
            else apten!.updateLead(ids[i]!, { summary: `Benchmark round ${msg.round}: asked for a quote.` });
            changed++;
          }
          (nexus ?? apten)!.changes.length = 0;
          await warm();
          reply(msg.id, { ms: performance.now() - start, changed });
          break;
        }
        case 'reset': {
          await server.close();
          random = mulberry32(seed);
          nexus = vendor === 'nexus-erp' ? new NexusSimulator({ apiKey: SIM_API_KEY, random }) : null;
          apten = vendor === 'apten' ? new AptenSimulator({ apiKey: SIM_API_KEY, random }) : null;
          server = await (nexus ?? apten)!.listen();
          ids = [];
          reply(msg.id, { url: server.url });
          break;
        }
        case 'stats': {
          const requests = (nexus ?? apten)!.requests;
          reply(msg.id, { rssMb: process.memoryUsage.rss() / 1024 / 1024, requests: requests.length });
          requests.length = 0;
          break;
        }
      }
    })().catch((err: unknown) => reply(msg.id, { error: String((err as Error).stack ?? err) }));
  });
  process.on('disconnect', () => {
    void server.close().finally(() => process.exit(0));
  });
  process.send!({ ready: true, url: server.url });
}

void main();
