// Error answers to requests that carry a body say `Connection: close`, so keep-alive clients reconnect.
import type { MiddlewareHandler } from 'hono';

/**
 * A request refused before its body was read (401, 413, 404, ...) leaves the rest of the body on the
 * connection. @hono/node-server drains it for up to 500 ms or 64 MB and then drops the socket, so a
 * client reusing the connection (undici, Node's fetch) had its next request fail with "other side
 * closed" after a keep-alive answer. Saying `Connection: close` on the answer makes the client open
 * a new one instead; error answers are rare enough that the lost reuse costs nothing.
 */
export function closeAfterRefusedBody(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    if (c.res.status < 400) return;
    const length = c.req.header('content-length');
    const hasBody = (length !== undefined && length !== '0') || c.req.header('transfer-encoding') !== undefined;
    if (hasBody) c.res.headers.set('connection', 'close');
  };
}
