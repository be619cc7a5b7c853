// `latency`: change-to-webhook latency at light load with a 1 s poll interval. One Apten lead
// changes every 200-500 ms in the simulator; the clock stops when the subscriber has verified the
// lead.updated webhook carrying that change.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { startRelay } from '../src/relay.js';
import { generateSecret } from '../src/delivery/sign.js';
import { AptenSimulator, mulberry32 } from '../src/vendors/apten/sim/index.js';
import { percentile, round, type Figure, type Scenario } from './lib.js';
import { benchConfig, quietLogger, tempDir, until } from './delivery-kit.js';

const POLL_INTERVAL_MS = 1000;
const API_KEY = 'bench-apten-key';

export const latency: Scenario = {
  name: 'latency',
  description: 'change-to-webhook latency (p50/p99) at light load, Apten source polled every 1 s',
  async run({ smoke }) {
    const durationMs = smoke ? 3000 : 25_000;
    const leads = smoke ? 100 : 1000;
    const random = mulberry32(7);
    const apten = new AptenSimulator({ apiKey: API_KEY });
    apten.seed(leads, { eventsPerLead: 1 });
    const sim = await apten.listen();
    const receiver = await startReceiver(generateSecret());
    const tmp = tempDir();
    // lead id -> when its pending change was made (each change is to a different lead).
    const changedAt = new Map<string, number>();
    const latencies: number[] = [];
    receiver.onVerified = (body, at) => {
      const id = body?.data?.lead?.id as string | undefined;
      if (body?.type !== 'lead.updated' || !id) return;
      const t0 = changedAt.get(id);
      if (t0 === undefined) return;
      changedAt.delete(id);
      latencies.push(at - t0);
    };
    const config = benchConfig({
      dbPath: `${tmp.dir}/relay.db`,
      subscriptions: [{ id: 'receiver', url: receiver.url, secret: receiver.secret }],
      sources: [
        { id: 'apten', vendor: 'apten', baseUrl: sim.url, apiKey: API_KEY, pollInterval: `${POLL_INTERVAL_MS}ms`, initialSync: 'baseline' },
      ],
    });
    const relay = await startRelay(config, { logger: quietLogger(), listen: false });
    let changes = 0;
    try {
      await until(async () => (await relay.store.sources.get('apten'))?.initialSyncCompletedAt != null, 'the initial sync', 60_000, 50);
      const ids = apten.leads().map((l) => l.id);
      const end = performance.now() + durationMs;
      while (performance.now() < end) {
        const id = ids[changes % ids.length]!;
        changedAt.set(id, Date.now());
        apten.updateLead(id, { summary: `bench change ${changes}` });
        changes++;
        await new Promise((r) => setTimeout(r, 200 + Math.floor(random() * 300)));
      }
      await until(() => changedAt.size === 0, 'the last webhooks', POLL_INTERVAL_MS + 10_000, 20).catch(() => {});
    } finally {
      await relay.stop();
      await receiver.close();
      await sim.close();
      tmp.remove();
    }
    if (latencies.length === 0) throw new Error('latency: no change reached the subscriber');
    const sorted = [...latencies].sort((a, b) => a - b);
    const p50 = percentile(sorted, 50);
    const p99 = percentile(sorted, 99);
    const budget = POLL_INTERVAL_MS + 1000;
    return {
      name: 'latency',
      figures: {
        p99: latencyFigure(
          p99,
          budget,
          1,
          `baseline = the target, poll interval + 1 s; ratio = target / p99 (≥ 1: met). ${latencies.length} changes`,
        ),
        p50: latencyFigure(
          p50,
          POLL_INTERVAL_MS / 2,
          undefined,
          'baseline = half the poll interval, the mean wait for the next poll alone; ratio = baseline / p50',
        ),
      },
      details: {
        pollIntervalMs: POLL_INTERVAL_MS,
        changes,
        received: latencies.length,
        missing: changes - latencies.length,
        minMs: sorted[0],
        maxMs: sorted.at(-1),
        meanMs: round(sorted.reduce((a, b) => a + b, 0) / sorted.length),
      },
    };
  },
};

/** Lower is better: ratio = baseline / relay. */
function latencyFigure(relayMs: number, baselineMs: number, target: number | undefined, notes: string): Figure {
  return { unit: 'ms', relay: round(relayMs), baseline: round(baselineMs), ratio: round(baselineMs / relayMs, 3), target, notes };
}

/** A webhook receiver that verifies each request (standardwebhooks, as subscribers would) and answers 204. */
async function startReceiver(secret: string) {
  const webhook = new Webhook(secret);
  const receiver = {
    url: '',
    secret,
    onVerified: (_body: any, _at: number) => {},
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const headers = {
        'webhook-id': String(req.headers['webhook-id'] ?? ''),
        'webhook-timestamp': String(req.headers['webhook-timestamp'] ?? ''),
        'webhook-signature': String(req.headers['webhook-signature'] ?? ''),
      };
      try {
        const body = webhook.verify(Buffer.concat(chunks).toString('utf8'), headers);
        receiver.onVerified(body, Date.now());
        res.writeHead(204).end();
      } catch {
        res.writeHead(401).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return receiver;
}
