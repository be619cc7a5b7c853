// A subscription's deliveries narrowed by a DeliveryFilter (the dashboard's delivery log and its bulk
// retry): the WHERE clause holds only the filters given, so each combination is its own prepared
// statement and SQLite plans it with the index that fits (subscription_id, status, id) when a status
// is given, (subscription_id, id) otherwise. "@x IS NULL OR ..." in one statement would have kept
// the planner from using status (a failed-only page of 200,000 deliveries read every one of them).
import type { Db } from '../db.js';
import type { DeliveryFilter } from '../../types.js';

type Statement = ReturnType<Db['prepare']>;

/** The parts of a filter that are set, as a key (which statement) and named parameters. */
export function filterParams(filter: DeliveryFilter): { key: string; params: Record<string, string | number> } {
  const params: Record<string, string | number> = {};
  for (const k of ['status', 'eventType', 'leadId', 'since', 'until'] as const) {
    const v = filter[k];
    if (v !== undefined) params[k] = v;
  }
  return { key: Object.keys(params).join(','), params };
}

/** `d` is deliveries, `e` its event. */
export function filterSql(filter: DeliveryFilter): string {
  const parts = ['d.subscription_id = @subscriptionId'];
  if (filter.status !== undefined) parts.push('d.status = @status');
  if (filter.eventType !== undefined) parts.push('e.type = @eventType');
  if (filter.leadId !== undefined) parts.push('e.lead_id = @leadId');
  if (filter.since !== undefined) parts.push('d.created_at >= @since');
  if (filter.until !== undefined) parts.push('d.created_at < @until');
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
