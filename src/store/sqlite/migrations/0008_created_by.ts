// Which token created a subscription (its name in server.tokens, or "admin"), so a hooks token can be
// held to the REST hooks it made itself. NULL for config subscriptions and rows made before this.
import type { Migration } from './index.js';

export const m0008_created_by: Migration = {
  version: 8,
  name: 'created_by',
  sql: /* sql */ `
ALTER TABLE subscriptions ADD COLUMN created_by TEXT;
`,
};
