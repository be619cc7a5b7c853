// MEGA in the shared conformance and fault suites (test/conformance.test.ts, test/vendor-faults.test.ts).
import type { ConformanceCase } from '../sim-common/types.js';
import { MegaSimulator } from './sim/index.js';

export const conformance: ConformanceCase[] = [
  {
    make: (opts) => new MegaSimulator({ rateLimits: [], ...(opts?.now ? { now: opts.now } : {}) }),
    softDeletes: false,
    source: { pageSize: 4, fullScanEvery: 1, rateLimits: [] },
    listPath: '/api/agents/crm/leads',
    fullListEvery: (n) => ({ fullScanEvery: n }),
    endListing: (body) => (body.next_cursor = null),
    dropRecord: (body) => body.leads.splice(1, 1),
    faults: {
      // Incremental polls with a full scan every third: both paths meet the faults.
      source: { pageSize: 4, rateLimits: [], fullScanEvery: 3 },
      incremental: true,
      errorBody: (message) => ({ error: { type: 'authentication_error', code: 'invalid_api_key', message } }),
      // Read as "no more pages" and "0 leads", these would end a full scan early and call it complete.
      dropRequired: (body) => {
        delete body.next_cursor;
        delete body.total;
      },
      requiredMessage: /mega GET \/api\/agents\/crm\/leads: response\.(next_cursor|total) must be/,
      rejectCursor: {
        kind: 'rewrite',
        path: '/api/agents/crm/leads',
        rewrite: (body) => ({ ...body, next_cursor: Buffer.from('{"v":"expired"}').toString('base64url') }),
      },
      cursorMessage: /mega GET \/api\/agents\/crm\/leads: HTTP 400: cursor is malformed/,
    },
  },
];
