// Issue #12 part 1, docs/vendors.md "Request pacing": each source's request budget is paced as a token bucket
// (a small burst, then a steady rate, never a long silence), list scans go before detail fetches before
// background refreshes, and optional work after a run never delays the next poll.
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { RequestBudget, type RateLimit, type RequestPriority } from '../src/vendors/budget.js';
import { PollLoop } from '../src/sync/scheduler.js';
import { emptyRunStats } from '../src/sync/engine.js';
import { vendorEntry } from '../src/vendors/index.js';
import { DEFAULT_RATE_LIMITS, PenguinMailsSimulator } from '../src/vendors/penguinmails/sim/index.js';
import { MEGA_DEFAULT_RATE_LIMITS, MegaSimulator } from '../src/vendors/mega/sim/index.js';
import type { SimRateLimit } from '../src/vendors/sim-common/rate-limit.js';
import type { VendorName } from '../src/model.js';
import { FakeClock, settle } from './helpers/fake-clock.js';
import { Harness } from './helpers/harness.js';
import { sleep, waitFor } from './helpers/wait.js';

const MINUTE = 60_000;

/** Largest number of times inside any window [t, t + windowMs). */
function peakInWindow(times: readonly number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let peak = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (sorted[i]! - sorted[j]! >= windowMs) j++;
    peak = Math.max(peak, i - j + 1);
  }
  return peak;
}

/** A budget on a simulated clock, and the grant time and priority of every request it let through. */
function simulated(limits: RateLimit[]) {
  const clock = new FakeClock();
  const budget = new RequestBudget(limits, { now: clock.now, sleep: clock.sleep });
  const granted: Array<{ at: number; priority: RequestPriority; tag: string }> = [];
  const ask = (priority: RequestPriority, tag: string = priority, signal?: AbortSignal) =>
    budget.take(signal, priority).then(() => void granted.push({ at: clock.now(), priority, tag }));
  return { clock, budget, granted, ask, t0: clock.now() };
}

describe('request budget: a small burst, then the steady rate', () => {
  it('sends at most 10% of 60/min at once, then one request every 60/55 s, never 60 in any minute and never a long silence', async () => {
    const { clock, granted, ask, t0 } = simulated([{ requests: 60, perMs: MINUTE }]);
    for (let i = 0; i < 300; i++) void ask('scan');
    await clock.advance(4 * MINUTE);
    const times = granted.map((g) => g.at);
    expect(times.filter((t) => t === t0)).toHaveLength(6);
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    // After the burst: evenly spaced at the steady rate (55 a minute), no silence.
    expect(Math.max(...gaps)).toBeLessThanOrEqual(Math.ceil(MINUTE / 55));
    expect(peakInWindow(times, MINUTE)).toBeLessThanOrEqual(60);
    expect(peakInWindow(times.filter((t) => t >= t0 + MINUTE), 45_000)).toBeLessThanOrEqual(52);
    expect(granted.length).toBeGreaterThanOrEqual(6 + 4 * 55 - 1);
  });

  it('never lets more than N requests into any window of any limit, whatever the limits and the arrivals', async () => {
    const limit = fc.record({ requests: fc.integer({ min: 1, max: 120 }), perMs: fc.integer({ min: 10, max: 100_000 }) });
    // Quiet spells (the buckets fill up) each followed by a batch of requests at once, up to twice a limit.
    const batches = fc.array(fc.record({ quiet: fc.double({ min: 0, max: 2, noNaN: true }), count: fc.integer({ min: 0, max: 250 }) }), {
      minLength: 1,
      maxLength: 4,
    });
    await fc.assert(
      fc.asyncProperty(fc.array(limit, { minLength: 1, maxLength: 2 }), batches, async (limits, plan) => {
        const { clock, granted, ask } = simulated(limits);
        const window = Math.max(...limits.map((l) => l.perMs));
        let asked = 0;
        for (const { quiet, count } of plan) {
          await clock.advance(Math.floor(quiet * window));
          for (let i = 0; i < count; i++) void ask('scan');
          asked += count;
        }
        await clock.advance(Math.ceil(window * (asked + 1)));
        expect(granted).toHaveLength(asked);
        const times = granted.map((g) => g.at);
        for (const l of limits) expect(peakInWindow(times, l.perMs)).toBeLessThanOrEqual(l.requests);
      }),
      { numRuns: 60 },
    );
  });

  it('paces MEGA\'s two limits together: 6 at once, at most 60 a minute and 1000 an hour, a request at least every 4 s', async () => {
    const { clock, granted, ask } = simulated([
      { requests: 60, perMs: MINUTE },
      { requests: 1000, perMs: 60 * MINUTE },
    ]);
    for (let i = 0; i < 1500; i++) void ask('scan');
    await clock.advance(90 * MINUTE);
    const times = granted.map((g) => g.at);
    expect(peakInWindow(times, MINUTE)).toBeLessThanOrEqual(60);
    expect(peakInWindow(times, 60 * MINUTE)).toBeLessThanOrEqual(1000);
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    // The hourly budget's steady rate (901 an hour) is the slowest pace, once its 100-request burst is spent.
    expect(Math.max(...gaps)).toBeLessThanOrEqual(Math.ceil((60 * MINUTE) / 901));
  });

  it('honours a pause the vendor asked for (Retry-After) before anything else', async () => {
    const { clock, budget, granted, ask, t0 } = simulated([{ requests: 60, perMs: MINUTE }]);
    budget.pauseFor(5_000);
    void ask('scan');
    await clock.advance(4_999);
    expect(granted).toEqual([]);
    await clock.advance(1);
    expect(granted.map((g) => g.at)).toEqual([t0 + 5_000]);
  });

  it('drops a wait whose signal aborts, without spending its turn', async () => {
    const { clock, granted, ask } = simulated([{ requests: 10, perMs: 10_000 }]); // burst 1, then one a second
    await ask('scan');
    const stop = new AbortController();
    const aborted = ask('scan', 'aborted', stop.signal);
    void ask('scan', 'next');
    stop.abort();
    await expect(aborted).rejects.toBeDefined();
    await clock.advance(1_000);
    expect(granted.map((g) => g.tag)).toEqual(['scan', 'next']);
  });
});

describe('request budget: scans first, then details, refreshes only from what is left', () => {
  it('serves waiting scans before details before refreshes, whatever order they came in', async () => {
    const { clock, granted, ask } = simulated([{ requests: 60, perMs: MINUTE }]);
    for (let i = 0; i < 6; i++) await ask('scan', 'burst'); // the bucket is empty now
    void ask('refresh', 'r1');
    void ask('detail', 'd1');
    void ask('scan', 's1');
    void ask('detail', 'd2');
    void ask('scan', 's2');
    await clock.advance(MINUTE);
    expect(granted.filter((g) => g.tag !== 'burst').map((g) => g.tag)).toEqual(['s1', 's2', 'd1', 'd2', 'r1']);
    // The refresh waited until the bucket held more than half its burst again (4 of 6 tokens).
    const at = (tag: string) => granted.find((g) => g.tag === tag)!.at;
    expect(at('r1') - at('d2')).toBeGreaterThanOrEqual(4 * Math.floor(MINUTE / 55));
  });

  it('gives refreshes at most half the rate and always leaves tokens for the next scan', async () => {
    const { clock, granted, ask } = simulated([{ requests: 60, perMs: MINUTE }]);
    for (let i = 0; i < 100; i++) void ask('refresh');
    for (let minute = 0; minute < 3; minute++) {
      await clock.advance(MINUTE);
      // A scan that arrives while refreshes are running goes at once.
      const before = granted.length;
      await Promise.race([ask('scan', `scan-${minute}`), settle().then(() => settle())]);
      expect(granted.slice(before).map((g) => g.tag)).toContain(`scan-${minute}`);
    }
    const refreshes = granted.filter((g) => g.priority === 'refresh').map((g) => g.at);
    // Half of 55 a minute, plus a burst of 3: they do use their share when nothing else runs.
    expect(peakInWindow(refreshes, MINUTE)).toBeLessThanOrEqual(31);
    expect(refreshes.length).toBeGreaterThanOrEqual(3 * 27);
  });
});

describe('poll loop: optional work fills the time between polls, never delays one', () => {
  let loop: PollLoop | null = null;
  afterEach(async () => {
    await loop?.stop();
    loop = null;
  });
  const ok = () => ({ ok: true, stats: emptyRunStats() });

  it('ends a run\'s optional work when the next poll is due', async () => {
    let runs = 0;
    loop = new PollLoop(
      async (_signal, spareTime) => {
        runs++;
        const spare = spareTime();
        // Optional work that would never finish on its own (e.g. refreshes waiting for budget).
        await new Promise<void>((resolve) => (spare.aborted ? resolve() : spare.addEventListener('abort', () => resolve())));
        return ok();
      },
      { intervalMs: 100, jitter: 0 },
    );
    loop.start();
    await waitFor(() => runs >= 3, { what: 'three polls' });
  });

  it('ends it at once when a sync is asked for, and starts that sync', async () => {
    let runs = 0;
    loop = new PollLoop(
      async (_signal, spareTime) => {
        runs++;
        const spare = spareTime();
        await new Promise<void>((resolve) => (spare.aborted ? resolve() : spare.addEventListener('abort', () => resolve())));
        return ok();
      },
      { intervalMs: 3_600_000 },
    );
    loop.start();
    await waitFor(() => runs === 1);
    void loop.trigger();
    // The first run's spare time lasted an hour; the sync asked for ended it.
    await waitFor(() => runs === 2, { what: 'the sync asked for to start' });
  });
});

// ---------------------------------------------------------------------------------------------------
// Measured over real HTTP against the simulators (issue #12 part 1). The default budgets are per
// minute and hour, so the run is time-scaled: every budget, vendor window, poll interval and bound is
// divided by SCALE (2 in `npm test`: about 60 s; `npm run soak` runs it in real time, SCALE=1).
// Buckets and fixed windows behave the same at any scale (a 300 ms poll becomes 150 ms). A changed
// PenguinMails row costs two requests (list, then its details), so at 55/min it is seen in about
// 2.2 s: SCALE 2 leaves over a second of slack under the 5 s bound for a loaded machine; the old
// budget took up to a minute.
const SCALE = Number(process.env.LEADRELAY_PACING_SCALE ?? 2);
const scaled = (ms: number) => Math.round(ms / SCALE);

/** A vendor's default budget (its registry entry, src/vendors/<id>/index.ts) as source config, time-scaled; at SCALE 1 the defaults themselves. */
const defaultBudget = (vendor: VendorName) =>
  SCALE === 1 ? {} : { rateLimits: vendorEntry(vendor).rateLimits.map((l) => ({ requests: l.requests, per: `${scaled(l.perMs)}ms` })) };
const vendorLimits = (limits: readonly SimRateLimit[]) => limits.map((l) => ({ limit: l.limit, windowMs: scaled(l.windowMs) }));
const sleepUntil = (t: number) => sleep(Math.max(0, t - Date.now()));

/** When the relay recorded the first `type` webhook about lead `id` at or after `after` (its event's timestamp). */
function detectedAt(h: Harness, type: string, id: string, after: number): number | undefined {
  const times = h.sub.accepted
    .filter((w) => w.type === type && w.body.data.lead.id === id)
    .map((w) => Date.parse(w.body.timestamp))
    .filter((t) => t >= after);
  return times.length > 0 ? Math.min(...times) : undefined;
}

describe('pacing measured against the simulators', () => {
  const running: Harness[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((h) => h.stop()));
  });
  const started = async (h: Harness) => {
    running.push(h);
    return h.start();
  };

  it(`PenguinMails and MEGA, 300 ms polls, default budgets (time / ${SCALE}): after the first minute no 45 s window holds more than 52 requests; a hard delete is reported within 30 s, a changed row within 5 s`, async () => {
    const penguin = new PenguinMailsSimulator({ apiKey: 'pacing-penguin-key', rateLimits: vendorLimits(DEFAULT_RATE_LIMITS) });
    const mega = new MegaSimulator({ rateLimits: vendorLimits(MEGA_DEFAULT_RATE_LIMITS) });
    const pollInterval = `${Math.max(100, scaled(300))}ms`;
    const hp = await started(new Harness({ sim: penguin, source: { pollInterval, ...defaultBudget('penguinmails') } }));
    const hm = await started(new Harness({ sim: mega, source: { pollInterval, ...defaultBudget('mega') } }));
    const penguinIds = penguin.seed(12);
    const megaIds = mega.seed(12);
    const start = Date.now();

    // The second minute: a lead changes at each vendor every 6 s, and a PenguinMails lead is hard-deleted.
    await sleepUntil(start + scaled(MINUTE));
    const from = Date.now();
    const changes: Array<{ h: Harness; vendor: string; id: string; at: number }> = [];
    const gone = penguinIds[11]!;
    let deletedAt = 0;
    for (let i = 0; i < 10; i++) {
      if (i === 1) {
        deletedAt = Date.now();
        penguin.deleteLead(gone);
      }
      changes.push({ h: hp, vendor: 'penguinmails', id: penguinIds[i]!, at: Date.now() });
      penguin.touchLead(penguinIds[i]!);
      changes.push({ h: hm, vendor: 'mega', id: megaIds[i]!, at: Date.now() });
      mega.touchLead(megaIds[i]!);
      await sleepUntil(start + scaled(MINUTE + (i + 1) * 6_000));
    }
    const to = Date.now();
    await waitFor(() => changes.every((c) => detectedAt(c.h, 'lead.updated', c.id, c.at)) && detectedAt(hp, 'lead.deleted', gone, deletedAt), {
      timeoutMs: 30_000,
      what: 'every change and the delete to be announced',
    });

    const measured = {
      penguinmails: peakInWindow(penguin.requests.filter((r) => r.at >= from && r.at <= to).map((r) => r.at), scaled(45_000)),
      mega: peakInWindow(mega.requests.filter((r) => r.at >= from && r.at <= to).map((r) => r.at), scaled(45_000)),
      deleteMs: detectedAt(hp, 'lead.deleted', gone, deletedAt)! - deletedAt,
      changeMs: Math.max(...changes.map((c) => detectedAt(c.h, 'lead.updated', c.id, c.at)! - c.at)),
    };
    console.log(`pacing (time / ${SCALE}): ${JSON.stringify(measured)}`);
    expect(measured.penguinmails).toBeLessThanOrEqual(52);
    expect(measured.mega).toBeLessThanOrEqual(52);
    expect(measured.deleteMs).toBeLessThanOrEqual(scaled(30_000));
    for (const c of changes) expect(detectedAt(c.h, 'lead.updated', c.id, c.at)! - c.at, `${c.vendor} ${c.id}`).toBeLessThanOrEqual(scaled(5_000));
    // Paced, not throttled: the vendors never had to refuse a request.
    expect([...penguin.requests, ...mega.requests].filter((r) => r.status === 429)).toEqual([]);
    expect(penguin.requests.filter((r) => r.at > from).length).toBeGreaterThan(0);
  }, 60_000 + 2 * scaled(2 * MINUTE));

  it('PenguinMails refreshes take at most half the rate and never delay the next poll', async () => {
    // 20 requests per 2 s: a burst of 2, then 9.5 a second; refreshes get at most 4.75 a second, so
    // refreshing all 30 leads takes over 6 s, far longer than the 1 s poll interval.
    const penguin = new PenguinMailsSimulator({ apiKey: 'pacing-penguin-key', rateLimits: [{ limit: 20, windowMs: 2_000 }] });
    const h = await started(
      new Harness({ sim: penguin, source: { pollInterval: '1s', rateLimits: [{ requests: 20, per: '2s' }], detailRefreshPerPoll: 30 } }),
    );
    const ids = penguin.seed(30);
    await waitFor(() => h.sub.accepted.filter((w) => w.type === 'lead.created').length === 30, { timeoutMs: 20_000, what: 'the first sync' });
    const from = Date.now();
    // Activity that leaves the row alone: only a refresh finds it.
    penguin.addActivity(ids[29]!, { type: 'email_opened' });
    const changes: Array<{ id: string; at: number }> = [];
    for (let i = 0; i < 3; i++) {
      await sleep(1_500);
      changes.push({ id: ids[i]!, at: Date.now() });
      penguin.touchLead(ids[i]!);
    }
    await waitFor(() => changes.every((c) => detectedAt(h, 'lead.updated', c.id, c.at)), { timeoutMs: 20_000, what: 'the changes' });
    await waitFor(() => h.sub.accepted.some((w) => w.type === 'event.added' && w.body.data.leadId === ids[29]), {
      timeoutMs: 20_000,
      what: 'a refresh to find the new activity',
    });
    const to = Date.now();

    // Each change was seen by the poll after it (1 s apart), not after a round of refreshes (over 6 s).
    for (const c of changes) expect(detectedAt(h, 'lead.updated', c.id, c.at)! - c.at).toBeLessThanOrEqual(3_000);
    const touched = new Set(changes.map((c) => c.id));
    const refreshes = penguin.requests
      .filter((r) => r.at >= from && r.at <= to && /\/leads\/[^/]+$/.test(r.path) && !touched.has(r.path.split('/').pop()!))
      .map((r) => r.at);
    expect(refreshes.length).toBeGreaterThan(0);
    expect(peakInWindow(refreshes, 2_000)).toBeLessThanOrEqual(10);
    expect(penguin.requests.filter((r) => r.status === 429)).toEqual([]);
  }, 60_000);
});
