// `npm run demo`: the relay against the built-in simulator of every vendor in the registry, each with lifelike
// activity, a local subscriber printing every verified webhook, and a second one subscribed with the
// content filter {"data.lead.status": {"$to": "won"}} (docs/filters.md). No credentials, no network
// beyond 127.0.0.1.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { validateConfig } from '../config/index.js';
import { createLogger, prettyDestination } from '../log.js';
import { startRelay } from '../relay.js';
import { generateSecret } from '../delivery/sign.js';
import type { DemoVendor, SimServerHandle } from '../vendors/sim-common/types.js';
import { VENDORS } from '../vendors/registry.js';
import { startSubscriber, type ReceivedWebhook } from './subscriber.js';
import { describeWebhook } from './describe.js';

const WON_FILTER = { 'data.lead.status': { $to: 'won' } };

/** Every vendor in the registry that has a demo, each with its own simulator and lifelike activity (src/vendors/<id>/demo.ts). */
function demoVendors(): Promise<DemoVendor[]> {
  return Promise.all(VENDORS.flatMap((v) => (v.demo ? [v.demo()] : [])));
}

export async function runDemo(env: Record<string, string | undefined> = process.env): Promise<number> {
  const seconds = Number(env.LEADRELAY_DEMO_SECONDS ?? 0);
  const dir = mkdtempSync(join(tmpdir(), 'leadrelay-demo-'));
  const secret = generateSecret();
  // Printed in the banner: it logs into the dashboard and calls the API for as long as the demo runs.
  const adminToken = randomBytes(16).toString('hex');
  const started = Date.now();
  let received = 0;
  const wonSecret = generateSecret();
  let won = 0;

  const vendors = await demoVendors();
  const servers: SimServerHandle[] = [];
  for (const v of vendors) {
    v.sim.seed(3);
    servers.push(await v.sim.listen());
  }

  const subscriber = await startSubscriber({
    secret,
    onWebhook(w: ReceivedWebhook) {
      received++;
      const at = ((Date.now() - started) / 1000).toFixed(1).padStart(5);
      console.log(`[+${at}s] ✔ verified ${describeWebhook(w)}`);
    },
    onInvalid: (reason) => console.log(`✘ rejected a webhook: ${reason}`),
  });

  // Only leads that just became won (MEGA's deals close as "won"): everything else creates no delivery.
  const wonSubscriber = await startSubscriber({
    secret: wonSecret,
    onWebhook(w: ReceivedWebhook) {
      won++;
      const at = ((Date.now() - started) / 1000).toFixed(1).padStart(5);
      const data = (w.body.data ?? {}) as { previous?: { status?: unknown } };
      console.log(`[+${at}s] ★ demo-won ${describeWebhook(w)}  (was ${String(data.previous?.status)})`);
    },
    onInvalid: (reason) => console.log(`✘ demo-won rejected a webhook: ${reason}`),
  });

  const parsed = validateConfig({
    server: { host: '127.0.0.1', port: Number(env.LEADRELAY_DEMO_PORT ?? 0), adminToken },
    storage: { path: join(dir, 'leadrelay.db') },
    sources: vendors.map((v, i) => ({ id: v.sourceId, ...v.sim.sourceConfig(servers[i]!.url), initialSync: 'emit', ...v.source })),
    subscriptions: [
      { id: 'demo-printer', url: subscriber.url, secret, events: ['*'] },
      { id: 'demo-won', url: wonSubscriber.url, secret: wonSecret, events: ['lead.updated'], filter: WON_FILTER },
    ],
    delivery: { allowPrivateTargets: true, timeout: '5s', retrySchedule: ['1s', '5s', '30s'] },
  });
  if (!parsed.ok) throw new Error(`demo config invalid: ${JSON.stringify(parsed.problems)}`);

  // warn by default, so the webhooks stay readable; human-readable lines when pino-pretty is installed.
  const logger = createLogger({ level: env.LEADRELAY_LOG_LEVEL || 'warn', destination: await prettyDestination() });
  const relay = await startRelay(parsed.config, { logger });
  const activities = vendors.map((v) => v.activity());
  console.log(`leadrelay demo
  vendors           ${vendors.map((v, i) => `${v.sourceId} ${servers[i]!.url}`).join('\n                    ')}
                    (3 seeded leads each, then lifelike changes every few seconds${vendors.flatMap((v) => (v.note ? [`; ${v.note}`] : [])).join('')})
  dashboard         ${relay.url}/
    log in with the token ${adminToken}
  relay admin API   ${relay.url}/v1  (Authorization: Bearer ${adminToken})
    try: curl -H 'Authorization: Bearer ${adminToken}' ${relay.url}/v1/sources
  subscriber        ${subscriber.url}  (verifies each signature with the standardwebhooks package)
  demo-won          ${wonSubscriber.url}  filter ${JSON.stringify(WON_FILTER)}: only leads that just became won (★ lines)
    try: curl -H 'Authorization: Bearer ${adminToken}' ${relay.url}/v1/subscriptions/demo-won   (filteredCount: events kept back)
  Webhooks appear below as the relay detects changes. ${seconds ? `Stopping after ${seconds} s.` : 'Ctrl-C to stop.'}
`);

  await new Promise<void>((resolve) => {
    // A pending timer would keep the process alive after a Ctrl-C: clear it whichever way we stop.
    const timer = seconds > 0 ? setTimeout(done, seconds * 1000) : undefined;
    function done() {
      clearTimeout(timer);
      resolve();
    }
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
  for (const a of activities) a.stop();
  // What the filter did: deliveries made for demo-won (each one a lead that just became won) and events it kept back.
  const queued = await relay.store.deliveries.listForSubscription('demo-won', { limit: 1000 });
  const keptBack = (await relay.store.subscriptions.filteredCounts()).get('demo-won') ?? 0;
  await relay.stop();
  await subscriber.close();
  await wonSubscriber.close();
  await Promise.all(servers.map((s) => s.close()));
  rmSync(dir, { recursive: true, force: true });
  console.log(`\ndemo stopped: ${received} verified webhook(s) received`);
  console.log(`demo-won: ${won} received, ${queued.length} deliveries ever queued for it, ${keptBack} events kept back by its filter`);
  return received > 0 || seconds === 0 ? 0 : 1;
}
