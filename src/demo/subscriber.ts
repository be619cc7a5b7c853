// A local webhook receiver that verifies Standard Webhooks signatures with the standardwebhooks package.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface ReceivedWebhook {
  id: string;
  timestamp: string;
  body: Record<string, unknown>;
  raw: string;
}

export interface Subscriber {
  url: string;
  close(): Promise<void>;
}

/** Calls onWebhook for each verified webhook; a bad signature gets 401 and onInvalid. */
export async function startSubscriber(opts: {
  secret: string;
  onWebhook(w: ReceivedWebhook): void;
  onInvalid?(reason: string): void;
}): Promise<Subscriber> {
  const verifier = new Webhook(opts.secret);
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const headers = {
        'webhook-id': String(req.headers['webhook-id'] ?? ''),
        'webhook-timestamp': String(req.headers['webhook-timestamp'] ?? ''),
        'webhook-signature': String(req.headers['webhook-signature'] ?? ''),
      };
      try {
        const body = verifier.verify(raw, headers) as Record<string, unknown>;
        opts.onWebhook({ id: headers['webhook-id'], timestamp: headers['webhook-timestamp'], body, raw });
        res.writeHead(204).end();
      } catch (err) {
        opts.onInvalid?.((err as Error).message);
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"invalid signature"}');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/webhooks`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
