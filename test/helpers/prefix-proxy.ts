// A reverse proxy that serves a backend under a path prefix (/relay/... → the backend's /...), as
// nginx or Traefik set up for a shared host do: it strips the prefix, says so in X-Forwarded-Prefix
// and X-Forwarded-Host, and passes answers (Location and Set-Cookie included) through unchanged.
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export class PrefixProxy {
  private server: Server | null = null;
  url = '';

  constructor(
    readonly target: string,
    readonly prefix = '/relay',
  ) {}

  async start(): Promise<this> {
    const target = new URL(this.target);
    this.server = createServer((req, res) => {
      const path = req.url ?? '/';
      if (path === this.prefix) {
        res.writeHead(301, { location: `${this.prefix}/` }).end();
        return;
      }
      if (!path.startsWith(`${this.prefix}/`)) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not behind this proxy');
        return;
      }
      const upstream = httpRequest(
        {
          host: target.hostname,
          port: target.port,
          method: req.method,
          path: path.slice(this.prefix.length),
          headers: {
            ...req.headers,
            host: target.host,
            'x-forwarded-host': req.headers.host ?? '',
            'x-forwarded-proto': 'http',
            'x-forwarded-prefix': this.prefix,
          },
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on('error', () => res.writeHead(502).end());
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${this.prefix}/`;
    return this;
  }

  async stop(): Promise<void> {
    const s = this.server;
    if (!s) return;
    await new Promise<void>((resolve) => {
      s.close(() => resolve());
      s.closeAllConnections();
    });
  }
}
