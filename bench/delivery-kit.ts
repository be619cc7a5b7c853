// Shared pieces of the delivery benchmarks: realistic event bodies, an outbox filled ahead of time,
// a relay config, and the raw signed-POST baseline (the receivers are in bench/sink.ts).
import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Agent, request, type Dispatcher } from 'undici';
import { total, type Sinks } from './sink.js';
import { validateConfig, type Config } from '../src/config/index.js';
import { createLogger, type Logger } from '../src/log.js';
import type { OutboxEvent, WebhookBody } from '../src/model.js';
import { openDatabase } from '../src/store/sqlite/db.js';
import { OutboxStore } from '../src/store/sqlite/outbox.js';
import { normalizeAptenLead } from '../src/vendors/apten/adapter.js';
import { newId } from '../src/util/ids.js';
import { generateSecret } from '../src/delivery/sign.js';

export const ADMIN_TOKEN = 'bench-admin-token-0123456789';

/**
 * n lead.created events shaped exactly like a live Apten webhook (normalizeAptenLead over a
 * realistic record), about 1.2 KB of JSON each, every one for a different lead.
 */
export function makeEvents(n: number, sourceId = 'apten'): OutboxEvent[] {
  const events: OutboxEvent[] = [];
  const base = Date.parse('2026-05-14T15:00:00.000Z');
  for (let i = 0; i < n; i++) {
    const created = new Date(base + i * 1000).toISOString();
    const raw = {
      id: `room_${(1e12 + i * 7919).toString(36)}`,
      firstName: `Maria${i % 97}`,
      lastName: `Garcia-${i % 89}`,
      phone: `+1512555${String(i % 10000).padStart(4, '0')}`,
      email: `maria.garcia.${i}@example.com`,
      customerProfile: 'Solar Homeowners - Texas',
      createdAt: created,
      updatedAt: created,
      lastActivityAt: created,
      additionalInfo: { source: 'Facebook Lead Ad', zip: String(78000 + (i % 999)), utm_campaign: 'cmp_q3solar' },
      hasReplied: i % 3 === 0,
      isHot: i % 5 === 0,
      isQualified: i % 7 === 0,
      isUnsubscribed: false,
      isUnsubscribedEmail: false,
      isAiOn: true,
      summary: 'Homeowner in Austin, asked about financing.',
      tags: [{ id: 'tag_k3x9p2', name: 'Interested', condition: 'Lead says they want to learn more or book a call' }],
      externalLeadId: `crm-${i}`,
      deleted: false,
      deletedAt: null,
    };
    const lead = normalizeAptenLead(raw, sourceId);
    const body: WebhookBody = { type: 'lead.created', timestamp: created, data: { source: sourceId, vendor: 'apten', lead } };
    events.push({ id: newId('evt'), type: 'lead.created', sourceId, leadId: lead.id, createdAt: created, body });
  }
  return events;
}

/** A fresh database at dir/relay.db with `events` already in the outbox (one transaction). */
export function prefillOutbox(dir: string, events: readonly OutboxEvent[]): string {
  const path = join(dir, 'relay.db');
  const db = openDatabase(path);
  const outbox = new OutboxStore(db);
  db.transaction(() => outbox.append(events))();
  db.close();
  return path;
}

export function tempDir(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'leadrelay-bench-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A relay config as an operator would write it; delivery keys override the production defaults. */
export function benchConfig(opts: {
  dbPath: string;
  subscriptions: Array<{ id: string; url: string; secret?: string }>;
  sources?: unknown[];
  delivery?: Record<string, unknown>;
}): Config {
  const parsed = validateConfig({
    server: { host: '127.0.0.1', port: 0, adminToken: ADMIN_TOKEN },
    storage: { path: opts.dbPath },
    sources: opts.sources ?? [],
    subscriptions: opts.subscriptions.map((s) => ({ secret: generateSecret(), ...s })),
    delivery: { allowPrivateTargets: true, ...opts.delivery },
  });
  if (!parsed.ok) throw new Error(`bad bench config: ${JSON.stringify(parsed.problems)}`);
  return parsed.config;
}

/** The production logger at its default level (info), writing nowhere. */
export function quietLogger(): Logger {
  return createLogger({ level: 'info', destination: { write: () => {} } });
}

/** Polls `check` every intervalMs (cheap checks only: it shares the thread with the relay). */
export async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs: number, intervalMs = 5): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`bench: timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Delivery outcomes as the database holds them after a run (a separate read-only connection). */
export function deliveryCounts(dbPath: string): { bySubscription: Record<string, Record<string, number>>; attempts: number } {
  const db = new Database(dbPath, { readonly: true });
  try {
    const rows = db.prepare(`SELECT subscription_id AS sub, status, count(*) AS n FROM deliveries GROUP BY 1, 2`).all() as Array<{
      sub: string;
      status: string;
      n: number;
    }>;
    const bySubscription: Record<string, Record<string, number>> = {};
    for (const r of rows) (bySubscription[r.sub] ??= {})[r.status] = r.n;
    const attempts = (db.prepare(`SELECT count(*) AS n FROM delivery_attempts`).get() as { n: number }).n;
    return { bySubscription, attempts };
  } finally {
    db.close();
  }
}

/**
 * The raw baseline: signed Standard Webhooks POSTs of the same bodies with undici's request() at the
 * given concurrency, and nothing else: no database, no relay logic, no receiver in this process.
 * The agent is configured like the relay's (src/delivery/target-safety.ts), the signature computed
 * as src/delivery/sign.ts does (HMAC-SHA256 over "{id}.{ts}.{body}"), with the key decoded once.
 * `api: 'dispatch'`: the same through undici's lower-level dispatch() with a handler that only
 * reads the status, the least an undici POST can cost (the relay sends through dispatch(); shown
 * beside the figure, see BENCHMARKS.md).
 */
export async function rawSignedPosts(
  url: string,
  bodies: ReadonlyArray<{ id: string; body: string }>,
  concurrency: number,
  secret = generateSecret(),
  api: 'request' | 'dispatch' = 'request',
): Promise<{ rate: number; cpuUsPerPost: number | null }> {
  const agent = new Agent({ connections: 64, keepAliveTimeout: 10_000 });
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  const target = new URL(url);
  let next = 0;
  let ok = 0;
  const start = performance.now();
  const cpuStart = mainThreadCpuMs();
  async function lane() {
    while (next < bodies.length) {
      const { id, body } = bodies[next++]!;
      const ts = Math.floor(Date.now() / 1000);
      const sig = createHmac('sha256', key).update(`${id}.${ts}.${body}`).digest('base64');
      const headers = {
        'content-type': 'application/json',
        'user-agent': 'leadrelay-bench',
        'webhook-id': id,
        'webhook-timestamp': String(ts),
        'webhook-signature': `v1,${sig}`,
      };
      let status: number;
      if (api === 'request') {
        const res = await request(url, { method: 'POST', dispatcher: agent, headers, body });
        await res.body.dump();
        status = res.statusCode;
      } else {
        status = await new Promise<number>((resolve, reject) => {
          let code = 0;
          agent.dispatch(
            { origin: target.origin, path: target.pathname, method: 'POST', headers, body },
            {
              onConnect: () => undefined,
              onHeaders: (statusCode: number) => ((code = statusCode), true),
              onData: () => true,
              onComplete: () => resolve(code),
              onError: reject,
            } as Dispatcher.DispatchHandler,
          );
        });
      }
      if (status >= 200 && status < 300) ok++;
    }
  }
  await Promise.all(Array.from({ length: concurrency }, lane));
  const ms = performance.now() - start;
  const cpuMs = cpuSince(cpuStart);
  await agent.close();
  if (ok !== bodies.length) throw new Error(`baseline: ${bodies.length - ok} POSTs failed`);
  return { rate: (bodies.length / ms) * 1000, cpuUsPerPost: cpuMs === null ? null : (cpuMs * 1000) / bodies.length };
}

/**
 * The raw baseline timed as the relay is, by the receiver: from its first request to its last.
 * Throws when a sampled signature did not verify.
 */
export async function rawRun(
  sinks: Sinks,
  bodies: ReadonlyArray<{ id: string; body: string }>,
  concurrency: number,
  secret: string,
  api: 'request' | 'dispatch' = 'request',
): Promise<{ rate: number; cpuUsPerPost: number | null; verified: number }> {
  await sinks.reset();
  const own = await rawSignedPosts(sinks.urls[0]!, bodies, concurrency, secret, api);
  const s = await sinks.stats();
  if (s.badSignatures > 0) throw new Error(`baseline: ${s.badSignatures} of ${s.verified} sampled signatures did not verify`);
  if (total(s) !== bodies.length || s.first === null || s.last === null) throw new Error(`baseline: the receiver got ${total(s)} of ${bodies.length}`);
  return { rate: (bodies.length / (s.last - s.first)) * 1000, cpuUsPerPost: own.cpuUsPerPost, verified: s.verified };
}

/**
 * CPU time of this process's main thread so far, in ms (Linux; null elsewhere). Unlike wall time it
 * leaves out the subscriber thread and time spent waiting for a busy core, so it stays comparable
 * when the machine is shared. Resolution: one clock tick (10 ms).
 */
export function mainThreadCpuMs(): number | null {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    // Fields after the parenthesised command name: utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

const CLOCK_TICKS_PER_SECOND = 100;

/** Main-thread CPU ms since `start` (a mainThreadCpuMs() reading), or null. */
export function cpuSince(start: number | null): number | null {
  const now = mainThreadCpuMs();
  return start === null || now === null ? null : now - start;
}
