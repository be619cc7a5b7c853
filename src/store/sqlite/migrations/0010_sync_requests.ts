// When a poll of a source was last asked for through the API: any replica records it, the one that
// polls the source sees it (store contract SourceOps.requestSync).
import type { Migration } from './index.js';

export const m0010_sync_requests: Migration = {
  version: 10,
  name: 'sync_requests',
  sql: /* sql */ `
ALTER TABLE sources ADD COLUMN sync_requested_at INTEGER;
`,
};
