// The benchmarks keep working: each scenario runs in smoke mode (tiny sizes). No timing is asserted:
// benchmarks are measurements, not tests; only that each reports finite, positive figures.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScenarioResult } from '../bench/lib.js';
import { delivery } from '../bench/delivery.js';
import { hangingSubscribers } from '../bench/hanging-subscribers.js';
import { latency } from '../bench/latency.js';
import { initialSync } from '../bench/initial-sync.js';
import { steadyState } from '../bench/steady-state.js';
import { scale } from '../bench/scale.js';
import { pgDelivery } from '../bench/pg-delivery.js';
import { pgSync } from '../bench/pg-sync.js';
import { startBenchPostgres, type BenchPostgres } from '../bench/pg-kit.js';
import { fanoutFilters } from '../bench/fanout-filters.js';
import { dashboardRender } from '../bench/dashboard-render.js';

function expectFigures(result: ScenarioResult, labels: string[]) {
  expect(Object.keys(result.figures).sort()).toEqual([...labels].sort());
  for (const [label, f] of Object.entries(result.figures)) {
    for (const value of [f.relay, f.baseline, f.ratio]) {
      expect(Number.isFinite(value), `${result.name} ${label}`).toBe(true);
      expect(value, `${result.name} ${label}`).toBeGreaterThan(0);
    }
  }
}

describe('fan-out with filters benchmark (smoke)', () => {
  it('fanout-filters: 100 filtered subscriptions vs 100 plain ones, same deliveries', async () => {
    const result = await fanoutFilters.run({ smoke: true });
    expectFigures(result, ['throughput']);
    // Both sides made every delivery, and each subscription's filter was compiled once, not per event.
    expect(result.details?.deliveriesPerRun).toBe(40 * 100);
    expect(result.details?.filtersCompiled).toBe(100);
  });
});

describe('delivery benchmarks (smoke)', () => {
  it('delivery: relay vs raw signed POSTs', async () => {
    const result = await delivery.run({ smoke: true });
    expectFigures(result, ['throughput']);
    expect(result.details?.subscriberRequests).toBe(result.details?.events);
  });

  it('hanging-subscribers: healthy rate with and without hanging endpoints', async () => {
    const result = await hangingSubscribers.run({ smoke: true });
    expectFigures(result, ['healthyRate']);
  });

  it('latency: change-to-webhook p50 and p99', async () => {
    const result = await latency.run({ smoke: true });
    expectFigures(result, ['p50', 'p99']);
    expect(result.details?.received).toBeGreaterThan(0);
  });
});

// The sync scenarios start a simulator process, and scale a relay process from dist/ (npm test builds it first).
describe('sync benchmarks (smoke)', () => {
  it('initial-sync: relay vs raw fetch+parse then insert, Nexus and Apten', async () => {
    const result = await initialSync.run({ smoke: true });
    expectFigures(result, ['nexus-erp', 'apten']);
  });

  it('steady-state: relay vs raw fetch+parse then compare/update, Nexus full scan and Apten incremental', async () => {
    const result = await steadyState.run({ smoke: true });
    expectFigures(result, ['nexus-erp', 'apten']);
  });

  it('scale: µs per lead at each size and peak RSS of the relay process', async () => {
    const result = await scale.run({ smoke: true });
    expectFigures(result, ['first sync @200', 'full scan @200', 'first sync @600', 'full scan @600', 'peak RSS @600']);
  });
});

// Relay processes from dist/ on a throwaway PostgreSQL server of the benchmark's own (initdb, a free port).
// Each test starts several processes (relays, simulators, a receiver): 16 s for pg-sync on a calm
// machine, over 30 s at a load average of 14, hence the longer timeout.
describe('PostgreSQL and replica benchmarks (smoke)', { timeout: 120_000 }, () => {
  let postgres: BenchPostgres;
  beforeAll(async () => {
    postgres = await startBenchPostgres();
  });
  afterAll(() => postgres?.close());

  it('pg-delivery: a replica on PostgreSQL vs SQLite, and SQL round trips per webhook', async () => {
    const result = await pgDelivery.run({ smoke: true, postgres });
    expectFigures(result, ['pg x1', 'round trips/webhook (pg x1)']);
    expect(result.details?.subscriberRequests).toBe(result.details?.events);
  });

  it('pg-sync: first sync and full scan of 3 sources, 2 replicas vs SQLite', async () => {
    const result = await pgSync.run({ smoke: true, postgres });
    expectFigures(result, ['first sync pg x2', 'full scan pg x2']);
    const two = result.details?.['pg x2'] as { owners: Record<string, string> };
    // The three sources are spread over both replicas.
    expect(new Set(Object.values(two.owners)).size).toBe(2);
  });
});

describe('dashboard benchmark (smoke)', () => {
  it('dashboard-render: p50 server time of every page vs its raw SELECT', async () => {
    const result = await dashboardRender.run({ smoke: true });
    expectFigures(result, [
      'overview',
      'events',
      'events, older page',
      'events by source',
      'events by rare type',
      'events by source and type',
      'events by lead',
      'events, last day',
      'events by source, last 7 days',
      'events by type, last 7 days',
      'lead',
      'subscription (health, settings, delivery log)',
      'subscription, failed deliveries only',
      'delivery (body and attempts)',
    ]);
    expect(result.details?.events).toBe(3000);
  });
});
