// Dashboard login sessions (contract.ts SessionOps): looked up by the hash of the session id.
import type { DashboardSession } from '../types.js';
import type { Db } from './db.js';

interface SessionRow {
  id_hash: string;
  token_name: string;
  token_check: string;
  scopes: string;
  csrf_token: string;
  created_at: number;
  expires_at: number;
}

export class SqliteSessions {
  private readonly insertStmt;
  private readonly getStmt;
  private readonly deleteStmt;
  private readonly expiredStmt;

  constructor(db: Db) {
    this.insertStmt = db.prepare(
      `INSERT INTO dashboard_sessions (id_hash, token_name, token_check, scopes, csrf_token, created_at, expires_at)
       VALUES (@idHash, @tokenName, @tokenCheck, @scopes, @csrfToken, @createdAt, @expiresAt)`,
    );
    this.getStmt = db.prepare(`SELECT * FROM dashboard_sessions WHERE id_hash = ? AND expires_at > ?`);
    this.deleteStmt = db.prepare(`DELETE FROM dashboard_sessions WHERE id_hash = ?`);
    // dashboard_sessions_expiry: the expired ones are one index range.
    this.expiredStmt = db.prepare(
      `DELETE FROM dashboard_sessions WHERE id_hash IN (SELECT id_hash FROM dashboard_sessions WHERE expires_at <= ? LIMIT ?)`,
    );
  }

  create(s: DashboardSession): void {
    this.insertStmt.run({ ...s, scopes: JSON.stringify(s.scopes) });
  }

  get(idHash: string, now: number): DashboardSession | undefined {
    const r = this.getStmt.get(idHash, now) as SessionRow | undefined;
    return r && toSession(r);
  }

  delete(idHash: string): boolean {
    return this.deleteStmt.run(idHash).changes > 0;
  }

  deleteExpired(now: number, limit: number): number {
    return this.expiredStmt.run(now, limit).changes;
  }
}

export function toSession(r: SessionRow): DashboardSession {
  return {
    idHash: r.id_hash,
    tokenName: r.token_name,
    tokenCheck: r.token_check,
    scopes: JSON.parse(r.scopes) as string[],
    csrfToken: r.csrf_token,
    createdAt: Number(r.created_at),
    expiresAt: Number(r.expires_at),
  };
}
