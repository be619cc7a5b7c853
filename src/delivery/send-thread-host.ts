// The attempts' HTTP, on the thread send-thread.ts starts: each attempt is send.ts's sendTo() with
// this thread's own undici agent (the same private-target rules as the relay's) and its own shutdown
// set. Attempts arrive in batches and their results go back in batches, one message per event-loop
// turn each way, whatever the number of attempts in it.
import { parentPort, workerData } from 'node:worker_threads';
import { Redactor } from '../util/redact.js';
import { Shutdown, sendTo, type SendResult, type Target } from './send.js';
import { createDeliveryAgent } from './target-safety.js';
import type { ToHost, ToMain } from './send-thread-protocol.js';

const port = parentPort!;
const agent = createDeliveryAgent({ allowPrivate: (workerData as { allowPrivate: boolean }).allowPrivate });
/** One per delivery worker using the thread (in production, the relay's one). */
const shutdowns = new Map<number, Shutdown>();
/** Each subscription's target and redactor, by the key the main thread gave them (send-thread.ts). */
const targets = new Map<number, { target: Target; redactor: Redactor }>();

let results: Array<[number, SendResult]> = [];
let flushing = false;

function answer(id: number, result: SendResult): void {
  results.push([id, result]);
  if (flushing) return;
  flushing = true;
  // Every answer read in this poll phase goes back in one message.
  setImmediate(() => {
    flushing = false;
    const batch = results;
    results = [];
    port.postMessage({ results: batch } satisfies ToMain);
  });
}

function shutdownOf(key: number): Shutdown {
  let s = shutdowns.get(key);
  if (!s) shutdowns.set(key, (s = new Shutdown()));
  return s;
}

port.on('message', (m: ToHost) => {
  for (const [key, target, redactor] of m.targets ?? []) targets.set(key, { target, redactor: new Redactor(redactor.secrets, redactor.options) });
  for (const key of m.forget ?? []) targets.delete(key);
  for (const key of m.abort ?? []) shutdownOf(key).abort();
  for (const [id, key, shutdownKey, headers, body, timeoutMs] of m.sends ?? []) {
    const t = targets.get(key);
    if (!t) {
      // Only when this thread replaced one that died while the attempt was being handed over.
      answer(id, { statusCode: null, error: 'not sent: the delivery thread was restarting', responseExcerpt: null, responseHeaders: null, durationMs: 0, retryAfterHeader: null });
      continue;
    }
    void sendTo(t.target, { body, headers, timeoutMs, dispatcher: agent, shutdown: shutdownOf(shutdownKey), redactor: t.redactor }).then((r) => answer(id, r));
  }
  if (m.close) {
    for (const s of shutdowns.values()) s.abort();
    void agent.close().finally(() => port.close());
  }
});
port.postMessage({ ready: true } satisfies ToMain);
