// The subscription op group on PostgreSQL (contract.ts SubscriptionOps). Writes that count or
// plan over all subscriptions (the cap, config sync) take one advisory lock, so replicas take turns.
import type pg from 'pg';
import type { SubscriptionOps } from '../../contract.js';
import { planConfigSync } from '../../subscription-model.js';
import type { Subscription } from '../../types.js';
import { LOCKS } from '../locks.js';
import { inTx, type Querier } from '../tx.js';
import { COLUMN_LIST, INSERT_ROWS, UPDATE_ROWS, fromRow, toRow, type SubscriptionRow } from './rows.js';

async function lockSubscriptions(c: Querier): Promise<void> {
  await c.query('SELECT pg_advisory_xact_lock($1)', [LOCKS.subscriptions]);
}

export function createPgSubscriptionOps(pool: pg.Pool): SubscriptionOps {
  return {
    async get(id) {
      const { rows } = await pool.query<SubscriptionRow>(`SELECT ${COLUMN_LIST} FROM subscriptions WHERE id = $1`, [id]);
      return rows[0] && fromRow(rows[0]);
    },

    async list() {
      const { rows } = await pool.query<SubscriptionRow>(`SELECT ${COLUMN_LIST} FROM subscriptions ORDER BY created_at, id`);
      return rows.map(fromRow);
    },

    async listPage({ after, limit }) {
      // Keyset on subscriptions_created: deletes between two pages shift nothing.
      const { rows } = await pool.query<SubscriptionRow>(
        `SELECT ${COLUMN_LIST} FROM subscriptions WHERE (created_at, id) > ($1, $2) ORDER BY created_at, id LIMIT $3`,
        [after?.createdAt ?? '', after?.id ?? '', limit],
      );
      return rows.map(fromRow);
    },

    async insertWithinLimit(sub, max) {
      return inTx(pool, async (c) => {
        // Counted after the lock: two replicas inserting the last free place take turns, and the
        // second one's count (a new snapshot under READ COMMITTED) sees the first one's row.
        await lockSubscriptions(c);
        const r = await c.query(`${INSERT_ROWS} WHERE (SELECT count(*) FROM subscriptions) < $2`, [JSON.stringify([toRow(sub)]), max]);
        return r.rowCount === 1;
      });
    },

    async update(id, patch, nowIso) {
      return inTx(pool, async (c) => {
        const { rows } = await c.query<SubscriptionRow>(`SELECT ${COLUMN_LIST} FROM subscriptions WHERE id = $1 FOR UPDATE`, [id]);
        if (!rows[0]) return undefined;
        const next: Subscription = { ...fromRow(rows[0]), ...patch, updatedAt: nowIso };
        await c.query(UPDATE_ROWS, [JSON.stringify([toRow(next)])]);
        return next;
      });
    },

    async filteredCounts() {
      const { rows } = await pool.query<{ subscription_id: string; filtered: string }>('SELECT subscription_id, filtered FROM subscription_filtered');
      return new Map(rows.map((r) => [r.subscription_id, Number(r.filtered)]));
    },

    async delete(id) {
      // Its deliveries go with it (ON DELETE CASCADE), and its lease rows (migration 6's trigger).
      const r = await pool.query('DELETE FROM subscriptions WHERE id = $1', [id]);
      return (r.rowCount ?? 0) > 0;
    },

    async syncFromConfig(wanted, generateSecret, now, graceMs) {
      return inTx(pool, async (c) => {
        // One replica at a time; the next plans from what the previous one committed (and finds
        // nothing to do when the configs are the same). FOR UPDATE: an API change to one of these
        // rows waits rather than being overwritten by a plan made before it.
        await lockSubscriptions(c);
        const { rows } = await c.query<SubscriptionRow>(
          `SELECT ${COLUMN_LIST} FROM subscriptions WHERE origin = 'config' OR id = ANY($1::text[]) FOR UPDATE`,
          [wanted.map((w) => w.id)],
        );
        const plan = planConfigSync(rows.map(fromRow), wanted, generateSecret, now, graceMs);
        if (plan.inserts.length > 0) await c.query(INSERT_ROWS, [JSON.stringify(plan.inserts.map(toRow))]);
        if (plan.updates.length > 0) await c.query(UPDATE_ROWS, [JSON.stringify(plan.updates.map(toRow))]);
        if (plan.deletes.length > 0) await c.query('DELETE FROM subscriptions WHERE id = ANY($1::text[])', [plan.deletes]);
        return { secretsCutShort: plan.secretsCutShort };
      });
    },
  };
}
