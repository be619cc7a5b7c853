// The attempts' HTTP on a thread of its own (src/delivery/send-thread.ts): the same requests and
// results as on the main thread, secrets cut out of answers over there too, shutdown reaching it,
// and faults: the thread dying mid-attempt, or never starting at all.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DirectSender, ThreadSender, type AttemptInput } from '../src/delivery/send-thread.js';
import { prepareTarget, Shutdown, type SendResult } from '../src/delivery/send.js';
import { createDeliveryAgent } from '../src/delivery/target-safety.js';
import { Redactor } from '../src/util/redact.js';

const SECRET = 'whsec_c2VjcmV0LXRoYXQtbXVzdC1uZXZlci1zaG93';

let server: Server;
let base: string;
const received: Array<{ path: string; headers: IncomingMessage['headers']; body: string }> = [];
const hanging: ServerResponse[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push({ path: req.url!, headers: req.headers, body });
      if (req.url === '/hang') return void hanging.push(res);
      if (req.url === '/echo') {
        // A receiver that echoes the request, secret included, in a header and in its body.
        res.writeHead(401, { 'x-echo': `token ${SECRET}`, 'content-type': 'text/plain' });
        return void res.end(`bad signature, you sent ${body} with ${SECRET}`);
      }
      res.writeHead(204, { 'x-seen': req.headers['webhook-id'] as string });
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const res of hanging) res.destroy();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

function input(over: Partial<AttemptInput> = {}): AttemptInput {
  return { body: '{"type":"lead.created"}', headers: { 'webhook-id': 'evt_1', 'content-type': 'application/json' }, timeoutMs: 5000, shutdown: new Shutdown(), redactor: new Redactor([SECRET]), ...over };
}

/** The parts of a result that do not depend on timing or on the server's clock. */
function comparable(r: SendResult): unknown {
  return { ...r, durationMs: typeof r.durationMs, responseHeaders: r.responseHeaders?.filter(([name]) => name !== 'date') };
}

describe('attempts sent from a thread of their own', () => {
  it('makes the same request and gives the same result as the main thread, secrets cut out of the answer there too', async () => {
    const thread = new ThreadSender({ allowPrivate: true });
    const direct = new DirectSender(createDeliveryAgent({ allowPrivate: true }));
    try {
      await thread.ready();
      for (const path of ['/ok', '/echo']) {
        const target = prepareTarget(`${base}${path}`, { 'x-sub': 'a' });
        const before = received.length;
        const [fromThread, fromMain] = [await thread.send(target, input()), await direct.send(target, input())];
        expect(comparable(fromThread)).toEqual(comparable(fromMain));
        const [a, b] = received.slice(before);
        expect(a!.body).toBe(b!.body);
        expect(a!.headers['x-sub']).toBe('a');
        expect(a!.headers['webhook-id']).toBe('evt_1');
      }
      const echo = await thread.send(prepareTarget(`${base}/echo`, {}), input());
      expect(echo.statusCode).toBe(401);
      expect(JSON.stringify(echo)).not.toContain(SECRET);
      expect(echo.responseExcerpt).toContain('[redacted]');
      expect(echo.responseHeaders).toContainEqual(['x-echo', 'token [redacted]']);
    } finally {
      await Promise.all([thread.close(), direct.close()]);
    }
  });

  it('many attempts launched together come back each with its own answer', async () => {
    const thread = new ThreadSender({ allowPrivate: true });
    try {
      const target = prepareTarget(`${base}/ok`, {});
      const results = await Promise.all(Array.from({ length: 50 }, (_v, i) => thread.send(target, input({ headers: { 'webhook-id': `evt_${i}` } }))));
      expect(results.map((r) => r.statusCode)).toEqual(Array(50).fill(204));
      expect(results.map((r) => r.responseHeaders!.find(([n]) => n === 'x-seen')![1])).toEqual(Array.from({ length: 50 }, (_v, i) => `evt_${i}`));
    } finally {
      await thread.close();
    }
  });

  it('a refused target is not sent at all, and needs no thread', async () => {
    const thread = new ThreadSender({ allowPrivate: true });
    const r = await thread.send(prepareTarget('ftp://example.test/x', {}), input());
    expect(r).toMatchObject({ statusCode: null, error: 'invalid URL: ftp: is not http: or https:' });
    expect((thread as unknown as { thread: unknown }).thread).toBeNull(); // no thread was started for it
    await thread.close();
  });

  it('a shutdown cuts attempts in flight on the thread short, and sends nothing after', async () => {
    const thread = new ThreadSender({ allowPrivate: true });
    try {
      const shutdown = new Shutdown();
      const inFlight = thread.send(prepareTarget(`${base}/hang`, {}), input({ shutdown }));
      await expect.poll(() => hanging.length).toBeGreaterThan(0);
      shutdown.abort();
      expect(await inFlight).toMatchObject({ statusCode: null, error: 'aborted: relay shutting down' });
      const before = received.length;
      expect(await thread.send(prepareTarget(`${base}/ok`, {}), input({ shutdown }))).toMatchObject({ statusCode: null, error: 'aborted: relay shutting down' });
      expect(received.length).toBe(before);
    } finally {
      await thread.close();
    }
  });

  it('one thread serving two delivery workers: a shutdown cuts only its own attempts short', async () => {
    const thread = new ThreadSender({ allowPrivate: true });
    try {
      const [mine, theirs] = [new Shutdown(), new Shutdown()];
      const hangsBefore = hanging.length;
      const cut = thread.send(prepareTarget(`${base}/hang`, {}), input({ shutdown: mine }));
      const kept = thread.send(prepareTarget(`${base}/hang`, {}), input({ shutdown: theirs, timeoutMs: 1500 }));
      await expect.poll(() => hanging.length).toBe(hangsBefore + 2);
      mine.abort();
      expect(await cut).toMatchObject({ statusCode: null, error: 'aborted: relay shutting down' });
      // The other one runs its course: its own timeout ends it, not the shutdown.
      expect(await kept).toMatchObject({ statusCode: null, error: 'timed out after 1500 ms' });
      expect(await thread.send(prepareTarget(`${base}/ok`, {}), input({ shutdown: theirs }))).toMatchObject({ statusCode: 204 });
    } finally {
      await thread.close();
    }
  });

  it('the thread dying mid-attempt ends its attempts as not answered, and the next attempt starts a new one', async () => {
    const errors: Error[] = [];
    const thread = new ThreadSender({ allowPrivate: true, onThreadError: (e) => errors.push(e) });
    try {
      await thread.ready();
      const hangsBefore = hanging.length;
      const inFlight = thread.send(prepareTarget(`${base}/hang`, {}), input());
      await expect.poll(() => hanging.length).toBeGreaterThan(hangsBefore);
      // Fault injection: the thread is killed as a crash would end it.
      await (thread as unknown as { thread: { worker: { terminate(): Promise<number> } } }).thread.worker.terminate();
      expect(await inFlight).toMatchObject({ statusCode: null, error: 'not answered: the delivery thread stopped' });
      expect(await thread.send(prepareTarget(`${base}/ok`, {}), input())).toMatchObject({ statusCode: 204, error: null });
    } finally {
      await thread.close();
    }
  });

  it('a thread that cannot start leaves attempts to the main thread, and says so', async () => {
    const errors: Error[] = [];
    const thread = new ThreadSender({ allowPrivate: true, onThreadError: (e) => errors.push(e), host: new URL('./no-such-host.js', import.meta.url).href });
    try {
      await thread.ready();
      expect(errors.map((e) => e.message).join(' ')).toMatch(/no-such-host/);
      expect(thread.ready()).toBeNull();
      expect(await thread.send(prepareTarget(`${base}/ok`, {}), input())).toMatchObject({ statusCode: 204, error: null });
    } finally {
      await thread.close();
    }
  });
});
