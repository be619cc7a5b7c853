// `delivery`: 20k events through the relay to a fast loopback subscriber (every attempt recorded in
// SQLite, as in production) vs raw signed POSTs of the same bodies at the same concurrency.
import { startRelay } from '../src/relay.js';
import { throughput, round, type Scenario } from './lib.js';
import {
  benchConfig,
  cpuSince,
  deliveryCounts,
  mainThreadCpuMs,
  makeEvents,
  prefillOutbox,
  quietLogger,
  rawSignedPosts,
  startSinks,
  tempDir,
  until,
} from './delivery-kit.js';

/** Attempts in flight, for the relay (delivery.concurrency and perSubscriptionConcurrency) and the baseline. */
const CONCURRENCY = 32;

export const delivery: Scenario = {
  name: 'delivery',
  description: 'events delivered to one fast loopback subscriber (durable per-attempt state) vs raw signed POSTs, concurrency 32',
  async run({ smoke }) {
    const n = smoke ? 200 : 20_000;
    const events = makeEvents(n);
    const bodies = events.map((e) => ({ id: e.id, body: JSON.stringify(e.body) }));
    const meanBody = bodies.reduce((a, b) => a + b.body.length, 0) / n;
    const sinks = await startSinks(['ok']);
    const url = sinks.urls[0]!;
    try {
      // Warm up the JIT and the loopback path, then alternate baseline and relay runs; each side's
      // best run counts (the machine may be shared: a best-of-N figure is the least disturbed one).
      await rawSignedPosts(url, bodies.slice(0, Math.min(n, 2000)), CONCURRENCY);
      const rounds = smoke ? 1 : 3;
      const raws: Array<Awaited<ReturnType<typeof rawSignedPosts>>> = [];
      const relays: Array<Awaited<ReturnType<typeof relayRun>>> = [];
      for (let i = 0; i < rounds; i++) {
        raws.push(await rawSignedPosts(url, bodies, CONCURRENCY));
        sinks.reset();
        relays.push(await relayRun(events, url, () => sinks.total(), n));
      }
      const raw = raws.reduce((a, b) => (b.rate > a.rate ? b : a));
      const baseline = raw.rate;
      const relay = relays.reduce((a, b) => (b.rate > a.rate ? b : a));
      return {
        name: 'delivery',
        figures: {
          throughput: throughput(
            'webhooks/s',
            relay.rate,
            baseline,
            0.4,
            `${n} events, ~${Math.round(meanBody)} B bodies, concurrency ${CONCURRENCY}; relay: outbox → fan-out → claim → sign → POST → attempt recorded, from start until all succeeded in the DB`,
          ),
        },
        details: {
          events: n,
          meanBodyBytes: round(meanBody),
          relayMs: round(relay.ms),
          relayRuns: relays.map((r) => round(r.rate)),
          baselineRuns: raws.map((r) => round(r.rate)),
          // Main-thread CPU per webhook: robust to a shared machine (no waiting for a core in it).
          cpuUsPerWebhook: { relay: roundOrNull(relay.cpuUsPerWebhook), baseline: roundOrNull(raw.cpuUsPerPost) },
          subscriberRequests: relay.requests,
          database: relay.db,
        },
      };
    } finally {
      await sinks.close();
    }
  },
};

/** Starts a relay over an outbox already holding `events`; resolves when all n succeeded in the database. */
export async function relayRun(events: ReturnType<typeof makeEvents>, url: string, received: () => number, n: number) {
  const tmp = tempDir();
  try {
    const dbPath = prefillOutbox(tmp.dir, events);
    const config = benchConfig({
      dbPath,
      subscriptions: [{ id: 'sink', url }],
      delivery: { concurrency: CONCURRENCY, perSubscriptionConcurrency: CONCURRENCY },
    });
    const start = performance.now();
    const cpuStart = mainThreadCpuMs();
    const relay = await startRelay(config, { logger: quietLogger(), listen: false });
    // The subscriber's count first (free to read), then the durable state: nothing pending any more.
    await until(() => received() >= n, 'the subscriber to receive every webhook', 300_000);
    await until(async () => (await relay.store.deliveries.pendingCount()) === 0, 'every delivery to be recorded', 60_000, 1);
    const ms = performance.now() - start;
    const cpuMs = cpuSince(cpuStart);
    await relay.stop();
    const db = deliveryCounts(dbPath);
    const succeeded = db.bySubscription.sink?.succeeded ?? 0;
    if (succeeded !== n) throw new Error(`relay: ${succeeded} of ${n} deliveries succeeded`);
    return { ms, rate: (n / ms) * 1000, cpuUsPerWebhook: cpuMs === null ? null : (cpuMs * 1000) / n, requests: received(), db };
  } finally {
    tmp.remove();
  }
}

function roundOrNull(x: number | null): number | null {
  return x === null ? null : round(x);
}
