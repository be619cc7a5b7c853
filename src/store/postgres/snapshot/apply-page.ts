// Commits one sync page atomically, fenced: the source row is locked (and its cursor written) by
// the first statement, which matches nothing once the lease is lost; then the page's rows.
import type pg from 'pg';
import type { Fence } from '../../contract.js';
import type { PageWrite } from '../../types.js';
import { assertFenced, fenceCondition, lockSource } from '../fence.js';
import { inTx } from '../tx.js';
import { writePage } from './write-page.js';

export async function applyPage(pool: pg.Pool, sourceId: string, page: PageWrite, nowIso: string, fence: Fence | null): Promise<void> {
  await inTx(pool, async (c) => {
    if (page.cursor !== undefined) {
      // The cursor first: the UPDATE is the fence check and takes the row lock in one round trip.
      const cond = fenceCondition(sourceId, fence, 3);
      const r = await c.query(`UPDATE sources SET cursor = $2 WHERE id = $1${cond.sql}`, [sourceId, JSON.stringify(page.cursor), ...cond.params]);
      assertFenced(sourceId, fence, r.rowCount);
    } else {
      await lockSource(c, sourceId, fence);
    }
    await writePage(c, sourceId, page, nowIso);
  });
}
