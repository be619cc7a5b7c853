// One delivery attempt in named stages: prepare (target, payload, signed headers), send (send.ts, undici's
// dispatch API), outcome (succeeded / retry / failed / disabled, and the attempt record), then record.
import type { AttemptRecord, ClaimedDelivery, RecordRequest, Subscription } from '../store/index.js';
import { signingSecrets } from '../store/index.js';
import { newId } from '../util/ids.js';
import { subscriptionRedactor } from '../util/redact.js';
import { parseRetryAfter } from '../util/retry-after.js';
import type { Capacity } from './capacity.js';
import type { DeliveryDeps, DeliveryOptions } from './options.js';
import { shapePayload } from './payload.js';
import type { AttemptRecorder } from './recorder.js';
import { nextRetryDelay } from './schedule.js';
import { prepareTarget, sendTo, type SendResult, type Shutdown, type Target } from './send.js';
import { signatureHeader } from './sign.js';
import { isHealthy } from './subscriptions.js';

/** What an attempt needs from the worker that runs it. */
export interface AttemptContext {
  opts: Pick<DeliveryOptions, 'timeoutMs' | 'retrySchedule'>;
  deps: DeliveryDeps;
  shutdown: Shutdown;
  recorder: AttemptRecorder;
  capacity: Capacity;
  /** Asks the loop for a turn (an outcome waits to be recorded). */
  scheduleTurn(): void;
}

/** Prepare: where it goes, the bytes sent, and the headers that sign exactly those bytes. */
export function prepare(sub: Subscription, delivery: ClaimedDelivery, startedAt: number, userAgent: string) {
  const { event } = delivery;
  const timestamp = Math.floor(startedAt / 1000);
  // Every secret still in its rotation grace period signs too, so receivers verify with any of them.
  const secrets = signingSecrets(sub, startedAt);
  // Compact payloads: the signature covers exactly the bytes sent.
  const body = shapePayload(event.body, sub.payload);
  // On top of the subscription's own headers (Target.headers), as before: ours win a clash.
  const headers = {
    'content-type': 'application/json',
    'user-agent': userAgent,
    'webhook-id': event.id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signatureHeader(secrets, event.id, timestamp, body),
  };
  return { target: targetOf(sub), body, headers };
}

export interface Outcome {
  ok: boolean;
  /** 410 Gone: the subscription is disabled (a REST hook removed). */
  gone: boolean;
  /** Until the next attempt; null when none follows. */
  delay: number | null;
  outcome: AttemptRecord['outcome'];
}

/** Outcome: what the answer means, and when to try again (schedule.ts: the schedule, jitter and Retry-After). */
export function outcomeOf(
  result: SendResult,
  attempt: number,
  schedule: readonly number[],
  now: number,
  random?: () => number,
): Outcome {
  // A 2xx whose body broke off carries an error: not a success.
  const ok = result.error === null && result.statusCode !== null && result.statusCode >= 200 && result.statusCode < 300;
  const gone = result.statusCode === 410;
  let delay: number | null = null;
  if (!ok && !gone) {
    const honoursRetryAfter = result.statusCode === 429 || result.statusCode === 503;
    delay = nextRetryDelay({
      attempts: attempt,
      schedule,
      retryAfterMs: honoursRetryAfter ? parseRetryAfter(result.retryAfterHeader ?? undefined, now) : null,
      random,
    });
  }
  return { ok, gone, delay, outcome: ok ? 'succeeded' : delay === null ? 'failed' : 'retry' };
}

/** The attempt as the store records it, with the delivery's new state. */
export function recordOf(sub: Subscription, delivery: ClaimedDelivery, startedAt: number, result: SendResult, o: Outcome, now: number): RecordRequest {
  return {
    attempt: {
      id: newId('att', now),
      deliveryId: delivery.id,
      attempt: delivery.attempt,
      trigger: delivery.manual ? 'manual' : 'scheduled',
      startedAt,
      durationMs: result.durationMs,
      statusCode: result.statusCode,
      error: result.error,
      responseExcerpt: result.responseExcerpt,
      responseHeaders: result.responseHeaders,
      nextAttemptAt: o.delay === null ? null : now + o.delay,
      outcome: o.outcome,
      disableSubscription: o.gone ? 'endpoint returned 410 Gone' : undefined,
    },
    subscriptionId: sub.id,
    leaseToken: delivery.leaseToken,
    now,
  };
}

/** One attempt from prepare to its committed record; `freeSlot` gives its capacity slot back. */
export async function runAttempt(ctx: AttemptContext, sub: Subscription, delivery: ClaimedDelivery, freeSlot: () => boolean): Promise<void> {
  const { store, clock, logger } = ctx.deps;
  const startedAt = clock.now();
  const { target, body, headers } = prepare(sub, delivery, startedAt, ctx.deps.userAgent);
  const result = await sendTo(target, {
    body,
    headers,
    timeoutMs: ctx.opts.timeoutMs,
    dispatcher: ctx.deps.dispatcher,
    shutdown: ctx.shutdown,
    redactor: subscriptionRedactor(sub),
  });
  if (ctx.shutdown.aborted && result.statusCode === null) {
    await store.deliveries.release(delivery).catch((err) => logger.warn({ err, delivery: delivery.id }, 'could not give the delivery back; its lease runs out instead'));
    return;
  }
  const now = clock.now();
  const o = outcomeOf(result, delivery.attempt, ctx.opts.retrySchedule, now, ctx.deps.random);
  ctx.capacity.answered(sub.id, o.ok);
  freeSlot();
  const recording = ctx.recorder.add(recordOf(sub, delivery, startedAt, result, o, now), isHealthy(sub));
  ctx.scheduleTurn();
  await recording;
  ctx.deps.metrics?.attemptFinished(sub.id, o.outcome, result.durationMs);
  logOutcome(ctx, sub, delivery, result, o);
}

function logOutcome(ctx: AttemptContext, sub: Subscription, delivery: ClaimedDelivery, result: SendResult, o: Outcome): void {
  const { logger } = ctx.deps;
  const log = { subscription: sub.id, delivery: delivery.id, event: delivery.event.id, attempt: delivery.attempt, status: result.statusCode };
  if (o.ok) logger.debug(log, 'webhook delivered');
  else if (o.gone) logger.warn(log, `subscriber returned 410 Gone; ${sub.origin === 'hook' ? 'REST hook removed' : 'subscription disabled'}`);
  else logger.warn({ ...log, error: result.error, nextAttemptInMs: o.delay }, o.outcome === 'failed' ? 'delivery failed for good' : 'delivery failed; will retry');
}

// One target per subscription as read from the store: a changed subscription is a new object.
const targets = new WeakMap<Subscription, Target>();

function targetOf(sub: Subscription): Target {
  let target = targets.get(sub);
  if (!target) targets.set(sub, (target = prepareTarget(sub.url, sub.headers)));
  return target;
}
