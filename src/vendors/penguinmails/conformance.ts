// PenguinMails in the shared conformance and fault suites (test/conformance.test.ts, test/vendor-faults.test.ts).
import type { ConformanceCase } from '../sim-common/types.js';
import { PenguinMailsSimulator } from './sim/index.js';

// No round-robin detail reads here, so the list's second page is the second request of a run.
const source = { pageSize: 4, rateLimits: [], detailRefreshPerPoll: 0 };

export const conformance: ConformanceCase[] = [
  {
    make: (opts) => new PenguinMailsSimulator({ apiKey: 'penguin-faults-key-0123456789abcdef', rateLimits: [], ...(opts?.now ? { now: opts.now } : {}) }),
    softDeletes: false,
    source,
    listPath: '/api/v1/tenant/leads',
    endListing: (body) => (body.pagination.has_more = false),
    dropRecord: (body) => body.data.splice(1, 1),
    faults: {
      source,
      // The list only: a lead's details live under the same prefix.
      listPath: '/api/v1/tenant/leads$',
      incremental: false,
      errorBody: (message) => ({ success: false, error: message }),
      dropRequired: (body) => delete body.pagination,
      requiredMessage: /penguinmails GET \/api\/v1\/tenant\/leads: response\.pagination must be a JSON object/,
      rejectCursor: {
        status: 400,
        path: '/api/v1/tenant/leads$',
        skip: 1,
        body: JSON.stringify({ success: false, error: 'offset must be a non-negative integer' }),
      },
      cursorMessage: /penguinmails GET \/api\/v1\/tenant\/leads: HTTP 400: offset must be a non-negative integer/,
    },
  },
];
