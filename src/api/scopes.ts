// Which token scopes open which routes: the one table the auth middleware checks (docs/admin-api.md "Tokens").
import type { TokenScope } from '../config/index.js';

interface Rule {
  method: 'GET' | 'POST' | 'DELETE';
  path: RegExp;
  scopes: readonly TokenScope[];
}

const ANY_TOKEN: readonly TokenScope[] = ['admin', 'read', 'hooks', 'metrics'];
const ADMIN_ONLY: readonly TokenScope[] = ['admin'];

// First match wins. Anything not listed needs admin, so a route added later is closed to the narrower
// scopes until it is listed here on purpose. Paths are the router's own (c.req.path), one segment per
// [^/]+, so a rule cannot match more than the route it names.
const RULES: readonly Rule[] = [
  { method: 'GET', path: /^\/v1\/whoami$/, scopes: ANY_TOKEN },
  // The only GET that answers a secret.
  { method: 'GET', path: /^\/v1\/subscriptions\/[^/]+\/secret$/, scopes: ADMIN_ONLY },
  { method: 'GET', path: /^\/v1\/hooks\/samples\/[^/]+$/, scopes: ['admin', 'read', 'hooks'] },
  { method: 'POST', path: /^\/v1\/hooks$/, scopes: ['admin', 'hooks'] },
  // A hooks-only token deletes only the hooks it created (routes/hooks.ts).
  { method: 'DELETE', path: /^\/v1\/hooks\/[^/]+$/, scopes: ['admin', 'hooks'] },
  // Tests a filter against a body or a logged event: changes nothing, reads what read may read.
  { method: 'POST', path: /^\/v1\/filters\/test$/, scopes: ['admin', 'read', 'hooks'] },
  { method: 'GET', path: /^\/metrics$/, scopes: ['admin', 'read', 'metrics'] },
  { method: 'GET', path: /^\/v1\//, scopes: ['admin', 'read'] },
];

/** The scopes of which a token needs one for this request. HEAD is answered by the GET routes. */
export function scopesFor(method: string, path: string): readonly TokenScope[] {
  const m = method === 'HEAD' ? 'GET' : method;
  return RULES.find((r) => r.method === m && r.path.test(path))?.scopes ?? ADMIN_ONLY;
}

export function allows(granted: readonly TokenScope[], method: string, path: string): boolean {
  const needed = scopesFor(method, path);
  return granted.some((s) => needed.includes(s));
}
