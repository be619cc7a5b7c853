// A real webhook receiver for tests: verifies every request with the standardwebhooks package and
// answers with whatever status the test scripts (per request), recording what it got.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface Received {
  id: string;
  timestamp: number;
  signature: string;
  headers: IncomingMessage['headers'];
  type: string;
  body: any;
  raw: string;
  verified: boolean;
  status: number;
  at: number;
}

export type Responder = (req: { id: string; body: any; count: number }) =>
  | number
  | { status: number; headers?: Record<string, string>; body?: string; delayMs?: number };

export class TestSubscriber {
  readonly received: Received[] = [];
  /** Verified, 2xx-answered webhooks: what the receiver really accepted. */
  get accepted(): Received[] {
    return this.received.filter((r) => r.verified && r.status >= 200 && r.status < 300);
  }
  respond: Responder = () => 204;
  private server!: Server;
  url = '';

  constructor(readonly secret: string, private readonly path = '/hook') {}

  async start(): Promise<this> {
    const verifier = new Webhook(this.secret);
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', async () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const headers = {
          'webhook-id': String(req.headers['webhook-id'] ?? ''),
          'webhook-timestamp': String(req.headers['webhook-timestamp'] ?? ''),
          'webhook-signature': String(req.headers['webhook-signature'] ?? ''),
        };
        let verified = false;
        let body: any = null;
        try {
          body = verifier.verify(raw, headers);
          verified = true;
        } catch {
          body = safeParse(raw);
        }
        const count = this.received.filter((r) => r.id === headers['webhook-id']).length + 1;
        const answer = verified ? this.respond({ id: headers['webhook-id'], body, count }) : 401;
        const a = typeof answer === 'number' ? { status: answer } : answer;
        this.received.push({
          id: headers['webhook-id'],
          timestamp: Number(headers['webhook-timestamp']),
          signature: headers['webhook-signature'],
          headers: req.headers,
          type: body?.type,
          body,
          raw,
          verified,
          status: a.status,
          at: Date.now(),
        });
        if (a.delayMs) await new Promise((r) => setTimeout(r, a.delayMs));
        if (res.destroyed) return;
        res.writeHead(a.status, a.headers ?? {}).end(a.body ?? '');
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${this.path}`;
    return this;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}

function safeParse(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return null;
  }
}
