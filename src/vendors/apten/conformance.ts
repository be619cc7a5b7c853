// Apten in the shared conformance and fault suites (test/conformance.test.ts, test/vendor-faults.test.ts).
import type { ConformanceCase } from '../sim-common/types.js';
import { AptenSimulator, AptenVendorSim } from './sim/index.js';

export const conformance: ConformanceCase[] = [
  {
    make: (opts) => new AptenVendorSim(new AptenSimulator({ apiKey: 'apten-faults-key-0123456789abcdef', ...(opts?.now ? { now: opts.now } : {}) })),
    softDeletes: true,
    source: { pageSize: 4 },
    listPath: '/leads',
    fullListEvery: (n) => ({ fullScanEvery: n }),
    faults: {
      source: { pageSize: 4 },
      incremental: true,
      errorBody: (message) => ({ message }),
      dropRequired: (body) => delete body.leads,
      requiredMessage: /apten GET \/leads: response\.leads must be an array/,
      // A well-formed token the vendor no longer accepts; the simulator itself answers 400 to page 2.
      rejectCursor: {
        kind: 'rewrite',
        path: '/leads',
        rewrite: (body) => ({ ...body, nextToken: Buffer.from('{"searchAfter":"expired"}').toString('base64') }),
      },
      cursorMessage: /apten GET \/leads: HTTP 400: Invalid format for field: nextToken/,
    },
  },
];
