// `npm run demo`: the relay against the built-in Apten simulator with lifelike activity, and a local
// subscriber printing every verified webhook. No credentials, no network beyond 127.0.0.1.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { validateConfig } from '../config/index.js';
import { createLogger } from '../log.js';
import { startRelay } from '../relay.js';
import { generateSecret } from '../delivery/sign.js';
import { AptenSimulator, startAptenActivity } from '../sim/apten/index.js';
import { startSubscriber, type ReceivedWebhook } from './subscriber.js';
import { describeWebhook } from './describe.js';

export async function runDemo(env: Record<string, string | undefined> = process.env): Promise<number> {
  const seconds = Number(env.LEADRELAY_DEMO_SECONDS ?? 0);
  const dir = mkdtempSync(join(tmpdir(), 'leadrelay-demo-'));
  const secret = generateSecret();
  const adminToken = randomBytes(16).toString('hex');
  const started = Date.now();
  let received = 0;

  const apten = new AptenSimulator({ apiKey: 'demo-apten-key' });
  apten.seed(4, { eventsPerLead: 2 });
  const aptenServer = await apten.listen();

  const subscriber = await startSubscriber({
    secret,
    onWebhook(w: ReceivedWebhook) {
      received++;
      const at = ((Date.now() - started) / 1000).toFixed(1).padStart(5);
      console.log(`[+${at}s] ✔ verified ${describeWebhook(w)}`);
    },
    onInvalid: (reason) => console.log(`✘ rejected a webhook: ${reason}`),
  });

  const parsed = validateConfig({
    server: { host: '127.0.0.1', port: Number(env.LEADRELAY_DEMO_PORT ?? 0), adminToken },
    storage: { path: join(dir, 'leadrelay.db') },
    sources: [
      { id: 'apten-demo', vendor: 'apten', baseUrl: aptenServer.url, apiKey: 'demo-apten-key', pollInterval: '2s', initialSync: 'emit' },
    ],
    subscriptions: [{ id: 'demo-printer', url: subscriber.url, secret, events: ['*'] }],
    delivery: { allowPrivateTargets: true, timeout: '5s', retrySchedule: ['1s', '5s', '30s'] },
  });
  if (!parsed.ok) throw new Error(`demo config invalid: ${JSON.stringify(parsed.problems)}`);

  const relay = await startRelay(parsed.config, { logger: createLogger({ level: env.LEADRELAY_LOG_LEVEL ?? 'warn' }) });
  const activity = startAptenActivity(apten, { everyMs: 1500 });

  console.log(`leadrelay demo
  Apten simulator   ${aptenServer.url}  (4 seeded leads, a random change every 1.5 s)
  relay admin API   ${relay.url}  (token: ${adminToken})
    try: curl -H 'Authorization: Bearer ${adminToken}' ${relay.url}/v1/sources
  subscriber        ${subscriber.url}  (verifies each signature with the standardwebhooks package)
  Webhooks appear below as the relay detects changes. ${seconds ? `Stopping after ${seconds} s.` : 'Ctrl-C to stop.'}
`);

  await new Promise<void>((resolve) => {
    if (seconds > 0) setTimeout(resolve, seconds * 1000);
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  activity.stop();
  await relay.stop();
  await subscriber.close();
  await aptenServer.close();
  rmSync(dir, { recursive: true, force: true });
  console.log(`\ndemo stopped: ${received} verified webhook(s) received`);
  return received > 0 || seconds === 0 ? 0 : 1;
}
