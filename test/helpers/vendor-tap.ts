// A transparent HTTP proxy between the relay and a vendor simulator that shows each request to a test
// before forwarding it: a crash test can SIGKILL the relay exactly while a given page is in flight.
import { Agent, createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TappedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  /** When the request reached the tap (Date.now()). */
  at: number;
}

export class VendorTap {
  /** Called synchronously for every request before it is forwarded. */
  onRequest: ((req: TappedRequest) => void) | null = null;
  /** Called with each complete response (for a test that records what the vendor answered). */
  onResponse: ((req: TappedRequest, status: number, body: Buffer) => void) | null = null;
  /** Every request seen, oldest first. */
  readonly seen: TappedRequest[] = [];
  url = '';
  private server!: Server;
  private readonly agent = new Agent({ keepAlive: true });
  private readonly target: URL;

  constructor(targetUrl: string) {
    this.target = new URL(targetUrl);
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://tap');
      const tapped = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, at: Date.now() };
      this.seen.push(tapped);
      this.onRequest?.(tapped);
      const upstream = httpRequest(
        {
          host: this.target.hostname,
          port: this.target.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: this.target.host },
          agent: this.agent,
        },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          if (this.onResponse) {
            const chunks: Buffer[] = [];
            up.on('data', (c: Buffer) => chunks.push(c));
            up.once('end', () => this.onResponse?.(tapped, up.statusCode ?? 0, Buffer.concat(chunks)));
          }
          up.pipe(res);
        },
      );
      // The relay died mid-request: drop the upstream side too, as the vendor would see it.
      res.once('close', () => {
        if (!res.writableFinished) upstream.destroy();
      });
      upstream.once('error', () => {
        if (!res.headersSent && !res.destroyed) res.writeHead(502).end();
        else res.destroy();
      });
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    this.agent.destroy();
  }
}
