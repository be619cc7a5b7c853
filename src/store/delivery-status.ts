// The states of a delivery, listed once: both backends write a status into their statements as a
// literal (their partial deliveries_by_status index holds only the rare states, and only a statement
// that names the state can use it), and the dashboard offers them as filters.
import type { DeliveryStatus } from './types.js';

export const DELIVERY_STATUSES: readonly DeliveryStatus[] = ['pending', 'succeeded', 'failed'];

/** A status as an SQL literal: only the known ones (the API validated it already; this is the guard). */
export function deliveryStatusLiteral(status: DeliveryStatus): string {
  if (!DELIVERY_STATUSES.includes(status)) throw new Error(`unknown delivery status ${JSON.stringify(status)}`);
  return `'${status}'`;
}
