// Dashboard logins: a random session id in an HttpOnly, SameSite=Strict cookie, the session itself
// a database row (store SessionOps) keyed by the id's hash, checked against the configured tokens on
// every request, so a token removed from the config or changed ends the sessions it opened.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context } from 'hono';
import { getCookie } from 'hono/cookie';
import type { NamedToken, TokenScope } from '../config/index.js';
import type { Store } from '../store/index.js';
import type { Caller } from '../api/auth.js';

export const SESSION_COOKIE = 'leadrelay_session';

/** The scopes that open the dashboard: admin gets every button, read a read-only view. */
export const DASHBOARD_SCOPES: readonly TokenScope[] = ['admin', 'read'];

/** A session as a request sees it once checked. */
export interface ActiveSession {
  idHash: string;
  caller: Caller;
  csrfToken: string;
  expiresAt: number;
  /** The admin scope: may press buttons that change something. */
  canWrite: boolean;
}

const hashId = (id: string) => createHash('sha256').update(id).digest('hex');
const sameScopes = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((s) => b.includes(s));

export interface SessionDeps {
  store: Store;
  now: () => number;
  /** server.adminToken and server.tokens, as the API knows them. */
  tokens: readonly NamedToken[];
  /** An install key (store.installKey): the database keeps a keyed hash of the token, never the token. */
  key: Buffer;
  ttlMs: number;
}

export class Sessions {
  /** Each configured token's keyed hash, by name: what a session's token_check must still equal. */
  private readonly checks: Map<string, { check: string; scopes: readonly TokenScope[] }>;

  constructor(private readonly deps: SessionDeps) {
    this.checks = new Map(deps.tokens.map((t) => [t.name, { check: this.tokenCheck(t.token), scopes: t.scopes }]));
  }

  private tokenCheck(token: string): string {
    return createHmac('sha256', this.deps.key).update(`leadrelay dashboard token:${token}`).digest('hex');
  }

  /** Opens a session for a token that may use the dashboard; returns the id for the cookie. */
  async open(token: NamedToken): Promise<{ id: string; expiresAt: number }> {
    const id = randomBytes(32).toString('base64url');
    const now = this.deps.now();
    const expiresAt = now + this.deps.ttlMs;
    await this.deps.store.sessions.create({
      idHash: hashId(id),
      tokenName: token.name,
      tokenCheck: this.tokenCheck(token.token),
      scopes: [...token.scopes],
      csrfToken: randomBytes(32).toString('base64url'),
      createdAt: now,
      expiresAt,
    });
    return { id, expiresAt };
  }

  /**
   * The request's session: its cookie names a live row, and the token that opened it is still
   * configured under that name with the same value and scopes. Otherwise null, and a stale row
   * (token removed or changed) is deleted at once.
   */
  async current(c: Context): Promise<ActiveSession | null> {
    const id = getCookie(c, SESSION_COOKIE);
    if (!id || id.length > 200) return null;
    const idHash = hashId(id);
    const row = await this.deps.store.sessions.get(idHash, this.deps.now());
    if (!row) return null;
    const configured = this.checks.get(row.tokenName);
    const stillValid =
      configured !== undefined &&
      equalStrings(configured.check, row.tokenCheck) &&
      sameScopes(configured.scopes, row.scopes) &&
      configured.scopes.some((s) => DASHBOARD_SCOPES.includes(s));
    if (!stillValid) {
      await this.deps.store.sessions.delete(idHash);
      return null;
    }
    return {
      idHash,
      caller: { name: row.tokenName, scopes: configured.scopes },
      csrfToken: row.csrfToken,
      expiresAt: row.expiresAt,
      canWrite: configured.scopes.includes('admin'),
    };
  }

  /** Logout: the row goes, so the cookie opens nothing anywhere (every replica reads the same table). */
  async close(session: ActiveSession): Promise<void> {
    await this.deps.store.sessions.delete(session.idHash);
  }
}

/** Constant-time comparison (of a posted CSRF token with the session's, of token hashes). */
export function equalStrings(given: unknown, expected: string): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
