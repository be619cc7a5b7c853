// A subscription's deliveries narrowed by a DeliveryFilter (the dashboard's delivery log and its bulk
// retry), as SQL: only the filters given are in the WHERE clause, so each combination is its own
// named statement and is planned with the index that fits it (deliveries_by_status with a pending or
// failed status, deliveries_by_subscription otherwise), as SQLite's filter.ts does.
import type { DeliveryFilter } from '../../types.js';
import { deliveryStatusLiteral } from '../../delivery-status.js';

/**
 * The WHERE clause over `d` (deliveries) and `e` (its event), parameters numbered from `first`
 * ($first is the subscription id), the values in that order, and a name part for the statement.
 */
export function filterClause(subscriptionId: string, filter: DeliveryFilter, first: number): { where: string; values: unknown[]; key: string } {
  const parts = [`d.subscription_id = $${first}`];
  const values: unknown[] = [subscriptionId];
  let key = '';
  const add = (sql: string, value: unknown, k: string) => {
    values.push(value);
    parts.push(sql.replace('?', `$${first + values.length - 1}`));
    key += k;
  };
  // The status as a literal, not a parameter: deliveries_by_status is partial (status <> 'succeeded',
  // migration 6), and only a known value lets the planner use it (a prepared statement's generic plan
  // cannot), or choose deliveries_by_subscription for 'succeeded'. One statement per status.
  if (filter.status !== undefined) {
    parts.push(`d.status = ${deliveryStatusLiteral(filter.status)}`);
    key += `s${filter.status[0]}`;
  }
  if (filter.eventType !== undefined) add('e.type = ?', filter.eventType, 't');
  if (filter.leadId !== undefined) add('e.lead_id = ?', filter.leadId, 'l');
  if (filter.since !== undefined) add('d.created_at >= ?::bigint', filter.since, 'a');
  if (filter.until !== undefined) add('d.created_at < ?::bigint', filter.until, 'b');
  return { where: parts.join(' AND '), values, key: key || 'x' };
}
