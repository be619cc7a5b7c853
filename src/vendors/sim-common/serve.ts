// Every simulator serves its Hono app the same way: on loopback by default, with a close() that does
// not wait for the client's keep-alive sockets.
import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import type { SimServerHandle } from './types.js';

export function listenApp(app: { fetch: (req: Request) => Response | Promise<Response> }, port = 0, host = '127.0.0.1'): Promise<SimServerHandle> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, port, hostname: host }, (info) => {
      const urlHost = host.includes(':') ? `[${host}]` : host;
      resolve({
        url: `http://${urlHost}:${info.port}`,
        port: info.port,
        close: () =>
          new Promise<void>((done, fail) => {
            server.close((err) => (err ? fail(err) : done()));
            // Keep-alive sockets from the client would otherwise hold close() open for seconds.
            (server as Server).closeAllConnections?.();
          }),
      });
    });
    server.once('error', reject);
  });
}
