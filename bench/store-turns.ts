// `node --import tsx bench/store-turns.ts [rounds]`: the delivery worker's turns on the SQLite store
// alone, no HTTP: 20,000 outbox events fanned out to one subscription, claimed 16 at a time, and
// each recorded as a success with its attempt-log row, as the relay does (a diagnostic, not a
// benchmark: there is no raw baseline to set it against). It prints the store's CPU per delivery,
// and then, from a run without checkpoints, the WAL frames each turn wrote per table and index: a
// commit writes every page it changed, so an index that a success touches costs its own pages every
// turn (this is how migration 17's indexes were chosen).
import { readFileSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { makeEvents, prefillOutbox, tempDir } from './delivery-kit.js';
import { openSqliteStore } from '../src/store/sqlite/index.js';
import { subscription } from '../test/store-contract/data.js';
import { newId } from '../src/util/ids.js';
import type { ClaimedDelivery, RecordRequest } from '../src/store/index.js';

const N = 20_000;
const PER_TURN = 16;
const health = { circuitBreakerAfter: 5, circuitBreakerCooldownMs: 30_000, autoDisableAfterMs: 86_400_000, autoDisableAfterText: '1 day' };
const events = makeEvents(N);

/** Runs every delivery through the store's turns; returns CPU µs per delivery, turns, and the file. */
async function run(dir: string, backgroundCheckpoints: boolean): Promise<{ cpuUs: number; turns: number; path: string }> {
  const path = prefillOutbox(dir, events);
  const store = openSqliteStore(path, { backgroundCheckpoints });
  if (!backgroundCheckpoints) (store as unknown as { db: Database.Database }).db.pragma('wal_autocheckpoint = 0');
  await store.subscriptions.insertWithinLimit(subscription('sink', { url: 'http://127.0.0.1:1/' }), 100);
  const cpu = process.cpuUsage();
  let inFlight: ClaimedDelivery[] = [];
  let done = 0;
  let turns = 0;
  let fanOut = true;
  while (done < N) {
    const now = Date.now();
    const records: RecordRequest[] = inFlight.map((d) => ({
      subscriptionId: d.subscriptionId,
      leaseToken: d.leaseToken,
      now,
      attempt: {
        id: newId('att', now), deliveryId: d.id, attempt: d.attempt, trigger: 'scheduled', startedAt: now - 3, durationMs: 2,
        statusCode: 204, error: null, responseExcerpt: '', responseHeaders: [['date', new Date(now).toUTCString()]], nextAttemptAt: null, outcome: 'succeeded',
      },
    }));
    const r = await store.deliveries.turn({
      records, health, fanOutLimit: fanOut ? 500 : 0, match: () => 'deliver', newDeliveryId: () => newId('dlv', Date.now()),
      claims: [{ subscriptionId: 'sink', limit: PER_TURN }], maxTotal: PER_TURN, now, leaseUntil: now + 60_000,
    });
    fanOut = r.moreToFanOut === true || r.fannedOut > 0;
    done += r.recorded.filter((x) => x === true).length;
    inFlight = r.claimed;
    turns++;
  }
  const used = process.cpuUsage(cpu);
  // Without checkpoints the store stays open: closing would checkpoint the WAL this run reads.
  if (backgroundCheckpoints) await store.close();
  return { cpuUs: (used.user + used.system) / N, turns, path };
}

/** WAL frames per turn by the table or index their page belongs to. */
function framesByBtree(path: string, turns: number): Array<[string, number]> {
  const wal = readFileSync(`${path}-wal`);
  const pageSize = wal.readUInt32BE(8);
  const frames = new Map<number, number>();
  for (let at = 32; at + 24 + pageSize <= wal.length; at += 24 + pageSize) {
    const page = wal.readUInt32BE(at);
    frames.set(page, (frames.get(page) ?? 0) + 1);
  }
  const db = new Database(path, { readonly: true });
  const owner = new Map((db.prepare('SELECT pageno, name FROM dbstat').all() as Array<{ pageno: number; name: string }>).map((r) => [r.pageno, r.name]));
  db.close();
  const by = new Map<string, number>();
  for (const [page, n] of frames) by.set(owner.get(page) ?? '(free)', (by.get(owner.get(page) ?? '(free)') ?? 0) + n);
  return [...by].map(([name, n]): [string, number] => [name, n / turns]).sort((a, b) => b[1] - a[1]);
}

const rounds = Number(process.argv[2] ?? 3);
for (let i = 0; i < rounds; i++) {
  const tmp = tempDir();
  try {
    const r = await run(tmp.dir, true);
    console.log(`store CPU ${r.cpuUs.toFixed(1)} µs per delivery (${r.turns} turns)`);
  } finally {
    tmp.remove();
  }
}
const tmp = tempDir();
try {
  const r = await run(tmp.dir, false);
  const pageSize = readFileSync(`${r.path}-wal`).readUInt32BE(8);
  const total = (statSync(`${r.path}-wal`).size - 32) / (24 + pageSize);
  console.log(`\nWAL frames: ${(total / N).toFixed(2)} per delivery, ${(total / r.turns).toFixed(1)} per turn of ${PER_TURN}; by table or index, per turn:`);
  for (const [name, n] of framesByBtree(r.path, r.turns)) if (n >= 0.05) console.log(`  ${n.toFixed(2).padStart(6)}  ${name}`);
} finally {
  tmp.remove();
}
