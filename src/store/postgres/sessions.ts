// Dashboard login sessions on PostgreSQL (contract.ts SessionOps): shared by every replica, so a
// browser stays logged in whichever replica the proxy sends it to.
import type pg from 'pg';
import type { SessionOps } from '../contract.js';
import type { DashboardSession } from '../types.js';

interface SessionRow {
  id_hash: string;
  token_name: string;
  token_check: string;
  scopes: string;
  csrf_token: string;
  created_at: number;
  expires_at: number;
}

function toSession(r: SessionRow): DashboardSession {
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

export function createPgSessionOps(pool: pg.Pool): SessionOps {
  return {
    async create(s) {
      await pool.query(
        `INSERT INTO dashboard_sessions (id_hash, token_name, token_check, scopes, csrf_token, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [s.idHash, s.tokenName, s.tokenCheck, JSON.stringify(s.scopes), s.csrfToken, s.createdAt, s.expiresAt],
      );
    },

    async get(idHash, now) {
      const { rows } = await pool.query<SessionRow>('SELECT * FROM dashboard_sessions WHERE id_hash = $1 AND expires_at > $2', [idHash, now]);
      return rows[0] && toSession(rows[0]);
    },

    async delete(idHash) {
      const r = await pool.query('DELETE FROM dashboard_sessions WHERE id_hash = $1', [idHash]);
      return (r.rowCount ?? 0) > 0;
    },

    async deleteExpired(now, limit) {
      // dashboard_sessions_expiry: one index range.
      const r = await pool.query(
        'DELETE FROM dashboard_sessions WHERE id_hash IN (SELECT id_hash FROM dashboard_sessions WHERE expires_at <= $1 LIMIT $2)',
        [now, limit],
      );
      return r.rowCount ?? 0;
    },
  };
}
