// Nexus ERP in the shared conformance and fault suites (test/conformance.test.ts, test/vendor-faults.test.ts).
import type { ConformanceCase } from '../sim-common/types.js';
import { NexusSimulator } from './sim/index.js';

export const conformance: ConformanceCase[] = [
  {
    make: (opts) => new NexusSimulator({ apiKey: 'nexus-faults-key-0123456789abcdef', ...(opts?.now ? { now: opts.now } : {}) }),
    softDeletes: false,
    source: { pageSize: 4 },
    listPath: '/api/v1/leads',
    endListing: (body) => (body.pagination.hasNextPage = false),
    dropRecord: (body) => body.data.splice(1, 1),
    faults: {
      source: { pageSize: 4 },
      incremental: false,
      errorBody: (message) => ({ error: message }),
      dropRequired: (body) => delete body.pagination,
      requiredMessage: /nexus-erp GET \/api\/v1\/leads: response\.pagination must be a JSON object/,
      rejectCursor: {
        status: 400,
        path: '/api/v1/leads',
        skip: 1,
        body: JSON.stringify({ error: 'Invalid query parameter "page": must be an integer >= 1' }),
      },
      cursorMessage: /nexus-erp GET \/api\/v1\/leads: HTTP 400: Invalid query parameter "page"/,
    },
  },
];
