// Bearer auth: which configured token is calling (compared in constant time), and whether its scopes
// open the route (401 for no or an unknown token, 403 for a known token without the scope).
import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { ADMIN_TOKEN_NAME, type NamedToken, type TokenScope } from '../config/index.js';
import { ApiError } from './errors.js';
import { allows, scopesFor } from './scopes.js';

/** Who is calling: the token's name (for logs and hook ownership) and its scopes. Never the token. */
export interface Caller {
  name: string;
  scopes: readonly TokenScope[];
}

declare module 'hono' {
  interface ContextVariableMap {
    caller: Caller;
  }
}

/** Hashing first makes both sides the same length, so the comparison leaks neither content nor length. */
export function tokensEqual(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** server.adminToken (named "admin", every scope) and server.tokens, as one list. */
export function tokenTable(adminToken: string, tokens: readonly NamedToken[] = []): NamedToken[] {
  return [{ name: ADMIN_TOKEN_NAME, token: adminToken, scopes: ['admin'] }, ...tokens];
}

/** The caller a bearer token belongs to, or null. Every entry is compared, so the time does not say which matched. */
export function identify(given: string, table: readonly NamedToken[]): Caller | null {
  let found: NamedToken | null = null;
  for (const entry of table) {
    if (tokensEqual(given, entry.token) && !found) found = entry;
  }
  return found && { name: found.name, scopes: found.scopes };
}

export function bearerAuth(table: readonly NamedToken[]): MiddlewareHandler {
  return async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer\s+(.+)$/i.exec(header);
    const caller = match ? identify(match[1]!.trim(), table) : null;
    if (!caller) {
      c.header('www-authenticate', 'Bearer realm="leadrelay"');
      throw new ApiError(401, 'unauthorized', 'missing or invalid token (Authorization: Bearer <server.adminToken or a server.tokens token>)');
    }
    c.set('caller', caller);
    if (!allows(caller.scopes, c.req.method, c.req.path)) {
      const needed = scopesFor(c.req.method, c.req.path);
      // RFC 6750: a valid token without the scope the resource needs.
      c.header('www-authenticate', `Bearer realm="leadrelay", error="insufficient_scope", scope="${needed.join(' ')}"`);
      throw new ApiError(
        403,
        'insufficient_scope',
        `token "${caller.name}" (scopes: ${caller.scopes.join(', ')}) may not ${c.req.method} ${c.req.path}; it needs one of the scopes ${needed.join(', ')}`,
      );
    }
    await next();
  };
}
