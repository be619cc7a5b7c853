// A subscription's deliveries narrowed by a DeliveryFilter (the dashboard's delivery log and its bulk
// retry): the WHERE clause holds only the filters given, so each combination is its own prepared
// statement and SQLite plans it with the index that fits: (subscription_id, status, id) for a pending
// or failed status, (subscription_id, id) otherwise. "@x IS NULL OR ..." in one statement would have
// kept the planner from using status (a failed-only page of 200,000 deliveries read every one of
// them). The status is written into the SQL, not bound: deliveries_by_status holds only the rare
// states (WHERE status <> 'succeeded', migration 17), and SQLite uses a partial index only when the
// statement's WHERE carries the index's condition word for word (RARE_STATUS).
import type { Db } from '../db.js';
import type { DeliveryFilter } from '../../types.js';
import { deliveryStatusLiteral } from '../../delivery-status.js';

type Statement = ReturnType<Db['prepare']>;

/** The parts of a filter that are set, as a key (which statement) and named parameters. */
export function filterParams(filter: DeliveryFilter): { key: string; params: Record<string, string | number> } {
  const params: Record<string, string | number> = {};
  for (const k of ['eventType', 'leadId', 'since', 'until'] as const) {
    const v = filter[k];
    if (v !== undefined) params[k] = v;
  }
  return { key: [`status=${filter.status ?? ''}`, ...Object.keys(params)].join(','), params };
}

/** `d` is deliveries, `e` its event. */
export function filterSql(filter: DeliveryFilter): string {
  const parts = ['d.subscription_id = @subscriptionId'];
  if (filter.status !== undefined) {
    parts.push(`d.status = ${deliveryStatusLiteral(filter.status)}`);
    if (filter.status !== 'succeeded') parts.push(RARE_STATUS);
  }
  if (filter.eventType !== undefined) parts.push('e.type = @eventType');
  if (filter.leadId !== undefined) parts.push('e.lead_id = @leadId');
  // With a rare status, its range of deliveries_by_status is the one to walk (in id order, as the page
  // is read), not every delivery of the time range: `+` keeps created_at from choosing the index.
  const createdAt = filter.status !== undefined && filter.status !== 'succeeded' ? '+d.created_at' : 'd.created_at';
  if (filter.since !== undefined) parts.push(`${createdAt} >= @since`);
  if (filter.until !== undefined) parts.push(`${createdAt} < @until`);
  return parts.join(' AND ');
}

/** Prepared statements per filter shape, made on first use (at most 2^5 per kind). */
export class StatementsByFilter {
  private readonly cache = new Map<string, Statement>();

  constructor(
    private readonly db: Db,
    private readonly build: (where: string) => string,
  ) {}

  get(filter: DeliveryFilter, extraKey = ''): { stmt: Statement; params: Record<string, string | number> } {
    const { key, params } = filterParams(filter);
    const k = `${key}|${extraKey}`;
    let stmt = this.cache.get(k);
    if (!stmt) this.cache.set(k, (stmt = this.db.prepare(this.build(filterSql(filter)))));
    return { stmt, params };
  }
}


/** deliveries_by_status's condition, as a statement must say it for SQLite to use the index. */
export const RARE_STATUS = "d.status <> 'succeeded'";
