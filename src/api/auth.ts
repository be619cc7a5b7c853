// Bearer auth for /v1/*, compared in constant time.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { ApiError } from './errors.js';

/** Hashing first makes both sides the same length, so the comparison leaks neither content nor length. */
export function tokensEqual(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

export function bearerAuth(adminToken: string): MiddlewareHandler {
  return async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer\s+(.+)$/i.exec(header);
    if (!match || !tokensEqual(match[1]!.trim(), adminToken)) {
      c.header('www-authenticate', 'Bearer realm="leadrelay"');
      throw new ApiError(401, 'unauthorized', 'missing or invalid admin token (Authorization: Bearer <server.adminToken>)');
    }
    await next();
  };
}
