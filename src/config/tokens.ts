// API tokens in the config: server.adminToken and server.tokens (named tokens with scopes).
import { z } from 'zod';
import type { PathProblem } from './interpolate.js';

/** What a token may do; the routes each scope opens are listed in src/api/scopes.ts. */
export const TOKEN_SCOPES = ['admin', 'read', 'hooks', 'metrics'] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];

/** How server.adminToken is named in the access log (a named token may not take it). */
export const ADMIN_TOKEN_NAME = 'admin';

export const METRICS_AUTH_MODES = ['none', 'token'] as const;
export type MetricsAuthMode = (typeof METRICS_AUTH_MODES)[number];

const MIN_TOKEN_LENGTH = 24;

/**
 * A bearer token: long enough not to be guessed, and not a placeholder like 'xxxxxxxx…'. The
 * messages never quote the value.
 */
export const tokenSchema = z
  .string()
  .min(MIN_TOKEN_LENGTH)
  .refine((t) => new Set(t).size > 1, { error: 'must not be one character repeated' });

const TOKEN_NAME_RE = /^[A-Za-z0-9._-]{1,64}$/;

export const namedTokenSchema = z.strictObject({
  // Names go into every access-log line: a bounded, plain charset.
  name: z.string().regex(TOKEN_NAME_RE, { error: 'must be 1 to 64 of A-Z a-z 0-9 . _ -' }),
  token: tokenSchema,
  scopes: z.array(z.enum(TOKEN_SCOPES)).min(1),
});
export type NamedToken = z.output<typeof namedTokenSchema>;

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * Names unique and not "admin"; every token (adminToken included) unique, so the token alone says
 * who is calling. Read from the raw tree, so these are reported along with every other problem.
 */
export function tokenProblems(server: unknown): PathProblem[] {
  if (!isRecord(server) || !Array.isArray(server.tokens)) return [];
  const problems: PathProblem[] = [];
  const names = new Map<string, number>();
  const tokens = new Map<string, number>();
  server.tokens.forEach((entry, i) => {
    if (!isRecord(entry)) return;
    const path = ['server', 'tokens', i];
    if (typeof entry.name === 'string') {
      const first = names.get(entry.name);
      if (entry.name === ADMIN_TOKEN_NAME) {
        problems.push({ path: [...path, 'name'], message: `"${ADMIN_TOKEN_NAME}" is the name of server.adminToken in the logs; choose another` });
      } else if (first !== undefined) {
        problems.push({ path: [...path, 'name'], message: `duplicate name, already used by server.tokens[${first}]` });
      } else {
        names.set(entry.name, i);
      }
    }
    if (typeof entry.token === 'string' && entry.token !== '') {
      const first = tokens.get(entry.token);
      if (entry.token === server.adminToken) {
        problems.push({ path: [...path, 'token'], message: 'the same token as server.adminToken; each token must be unique' });
      } else if (first !== undefined) {
        problems.push({ path: [...path, 'token'], message: `the same token as server.tokens[${first}]; each token must be unique` });
      } else {
        tokens.set(entry.token, i);
      }
    }
  });
  return problems;
}
