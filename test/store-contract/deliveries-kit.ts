// What the delivery-queue contract tests share: the backends they run over (each test file runs
// unchanged against every one), and builders for events, turns and outcomes.
import { afterAll } from 'vitest';
import type { DeliveryOps, DeliveryTurn, DeliveryTurnResult } from '../../src/store/contract.js';
import type { AttemptRecord, ClaimedDelivery, HealthPolicy, RecordRequest } from '../../src/store/types.js';
import type { OutboxEvent, WebhookType } from '../../src/model.js';
import { subscriptionWants } from '../../src/delivery/match.js';
import { openPgDeliveryFixture, stopScratchServer, type DeliveryFixture } from '../helpers/pg-scratch.js';
import { openSqliteDeliveryFixture } from '../helpers/sqlite-backend.js';

export type { DeliveryFixture } from '../helpers/pg-scratch.js';

export interface DeliveryBackend {
  name: string;
  /** Several replicas share it: the race tests run (they need separate connections). */
  concurrent: boolean;
  open(): Promise<DeliveryFixture>;
}

/** Every backend the contract runs over; only PostgreSQL has several replicas on one database. */
export const backends: DeliveryBackend[] = [
  { name: 'sqlite', concurrent: false, open: openSqliteDeliveryFixture },
  { name: 'postgres', concurrent: true, open: openPgDeliveryFixture },
];

/** Call once per test file: stops the file's throwaway servers. */
export function stopBackendsAfterAll(): void {
  afterAll(stopScratchServer);
}

/** A fixed clock start (2023-11-14T22:13:20Z): times are the relay's, passed in. */
export const T0 = 1_700_000_000_000;

export const HEALTH: HealthPolicy = {
  circuitBreakerAfter: 3,
  circuitBreakerCooldownMs: 1_000,
  autoDisableAfterMs: 60_000,
  autoDisableAfterText: '1m',
};

let counter = 0;
/** Ids that sort in creation order, as the relay's ULIDs do. */
export function newId(prefix: string): string {
  return `${prefix}_${String(++counter).padStart(10, '0')}`;
}

export function event(leadId: string, opts: { type?: WebhookType; sourceId?: string } = {}): OutboxEvent {
  const id = newId('evt');
  const type = opts.type ?? 'lead.updated';
  const sourceId = opts.sourceId ?? 'src';
  return {
    id,
    type,
    sourceId,
    leadId,
    createdAt: new Date(T0).toISOString(),
    body: { type, timestamp: new Date(T0).toISOString(), data: { id: leadId, source: sourceId } } as unknown as OutboxEvent['body'],
  };
}

/** Events of distinct leads (so none waits for another). */
export function eventsOfLeads(n: number, prefix = 'lead'): OutboxEvent[] {
  return Array.from({ length: n }, (_v, i) => event(`${prefix}-${i}`));
}

export function turnOf(t: Partial<DeliveryTurn> & { now: number }): DeliveryTurn {
  return {
    records: [],
    health: HEALTH,
    fanOutLimit: 0,
    match: (e, s) => (subscriptionWants(s, e) ? 'deliver' : 'skip'),
    newDeliveryId: () => newId('dlv'),
    claims: [],
    maxTotal: 1000,
    leaseUntil: t.now + 60_000,
    ...t,
  };
}

/** Fans out everything queued (until a turn takes fewer than its limit). */
export async function fanOutAll(ops: DeliveryOps, now = T0): Promise<number> {
  let total = 0;
  for (;;) {
    const r = await ops.turn(turnOf({ now, fanOutLimit: 100 }));
    total += r.fannedOut;
    if (r.fannedOut < 100) return total;
  }
}

export async function claimFor(ops: DeliveryOps, subscriptionId: string, limit: number, now: number, leaseUntil = now + 60_000): Promise<ClaimedDelivery[]> {
  return (await ops.turn(turnOf({ now, leaseUntil, claims: [{ subscriptionId, limit }] }))).claimed;
}

export type Outcome = 'succeeded' | 'retry' | 'failed';

/** The record of a finished attempt of a claimed delivery. */
export function outcome(
  c: ClaimedDelivery,
  kind: Outcome,
  now: number,
  extra: Partial<AttemptRecord> = {},
): RecordRequest {
  const failed = kind !== 'succeeded';
  return {
    subscriptionId: c.subscriptionId,
    leaseToken: c.leaseToken,
    now,
    attempt: {
      id: newId('att'),
      deliveryId: c.id,
      attempt: c.attempt,
      trigger: c.manual ? 'manual' : 'scheduled',
      startedAt: now - 5,
      durationMs: 5,
      statusCode: failed ? 500 : 200,
      error: failed ? 'HTTP 500' : null,
      responseExcerpt: failed ? 'oops' : 'ok',
      nextAttemptAt: kind === 'retry' ? now + 10_000 : null,
      outcome: kind,
      ...extra,
    },
  };
}

export async function record(ops: DeliveryOps, records: RecordRequest[], now: number, more: Partial<DeliveryTurn> = {}): Promise<DeliveryTurnResult> {
  return ops.turn(turnOf({ now, records, ...more }));
}
