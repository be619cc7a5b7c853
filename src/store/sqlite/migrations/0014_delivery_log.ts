// The dashboard's delivery log (issue #14, subscription page): a subscription's deliveries newest
// first, narrowed by status, and its failed ones for a bulk retry, read from an index range in id
// order instead of sorting every delivery of the subscription (deliveries_by_subscription is on
// created_at); and the receiver's response headers of each attempt.
import type { Migration } from './index.js';

export const m0014_delivery_log: Migration = {
  version: 14,
  name: 'delivery_log',
  sql: /* sql */ `
CREATE INDEX deliveries_by_subscription_id ON deliveries (subscription_id, id);
CREATE INDEX deliveries_by_status ON deliveries (subscription_id, status, id);
ALTER TABLE delivery_attempts ADD COLUMN response_headers TEXT; -- JSON [[name, value], ...]
`,
};
