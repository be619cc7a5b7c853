// Subscription content filters and compact payloads (issue #15): the filter and payload options as
// JSON text (null: none), and how many events each subscription's filter kept back.
import type { Migration } from './index.js';

export const m0012_filters: Migration = {
  version: 12,
  name: 'filters',
  sql: /* sql */ `
ALTER TABLE subscriptions ADD COLUMN content_filter TEXT;
ALTER TABLE subscriptions ADD COLUMN payload_options TEXT;
-- A table of its own, written only by fan-out: subscription rows are rewritten whole by every
-- update (API, config, health), which would lose or contend with a counter kept on them.
CREATE TABLE subscription_filtered (
  subscription_id TEXT PRIMARY KEY REFERENCES subscriptions (id) ON DELETE CASCADE,
  filtered INTEGER NOT NULL DEFAULT 0
);
`,
};
