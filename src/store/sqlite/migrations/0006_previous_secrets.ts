// Every secret still in its rotation grace period signs, not only the last one replaced; and an
// index for paging through the subscriptions.
import type { Migration } from './index.js';

// A second rotation within the grace period used to overwrite previous_secret, so a receiver still
// on the original secret failed every delivery for the rest of that period. previous_secrets holds
// all of them, newest first, as JSON [{"secret", "expiresAt"}] (ms): a subscription row is read
// whole by every route and the worker, and the list is short (at most 3, MAX_PREVIOUS_SECRETS).
// The replaced secret still in its grace period, if any, is carried over as the list's one entry.
export const m0006_previous_secrets: Migration = {
  version: 6,
  name: 'previous_secrets',
  sql: /* sql */ `
ALTER TABLE subscriptions ADD COLUMN previous_secrets TEXT NOT NULL DEFAULT '[]';
UPDATE subscriptions
  SET previous_secrets = json_array(json_object('secret', previous_secret, 'expiresAt', previous_secret_expires_at))
  WHERE previous_secret IS NOT NULL AND previous_secret_expires_at IS NOT NULL;
ALTER TABLE subscriptions DROP COLUMN previous_secret;
ALTER TABLE subscriptions DROP COLUMN previous_secret_expires_at;

-- GET /v1/subscriptions pages by (created_at, id).
CREATE INDEX subscriptions_created ON subscriptions (created_at, id);
`,
};
