// vendor: rest in the shared conformance and fault suites (test/conformance.test.ts,
// test/vendor-faults.test.ts): each examples/rest-*.yaml description against the simulator of the
// vendor it describes, with that vendor's own faults; only the messages differ ("rest GET ...", and
// the shared paging loop's wording of a missing field).
import type { ConformanceCase, FaultCase } from '../sim-common/types.js';
import { conformance as nexusErp } from '../nexus-erp/conformance.js';
import { conformance as mega } from '../mega/conformance.js';
import { conformance as apten } from '../apten/conformance.js';
import { DEFAULT_MEGA_CUSTOMER_ID } from '../mega/sim/index.js';
import { DescribedSim, restExample, type RestExample } from './described.js';

/** The built-in vendor's case, read through the example: its simulator, faults and listing tweaks; our source config and messages. */
function described(
  example: RestExample,
  [builtin]: readonly ConformanceCase[],
  own: { source: Record<string, unknown>; faults: Pick<FaultCase, 'source' | 'requiredMessage' | 'cursorMessage'> },
  env: Record<string, string> = {},
): ConformanceCase {
  const rest = (sync: Record<string, unknown> = {}) => restExample(example, env, sync);
  return {
    ...builtin!,
    name: `rest (examples/rest-${example}.yaml)`,
    make: (opts) => new DescribedSim(builtin!.make(opts), rest()),
    source: own.source,
    ...(builtin!.fullListEvery ? { fullListEvery: (n: number) => ({ rest: rest({ fullScanEvery: n }) }) } : {}),
    faults: { ...builtin!.faults!, ...own.faults },
  };
}

const megaEnv = { MEGA_CUSTOMER_ID: DEFAULT_MEGA_CUSTOMER_ID };

export const conformance: ConformanceCase[] = [
  described('nexus-erp', nexusErp, {
    source: { pageSize: 4 },
    faults: {
      source: { pageSize: 4 },
      requiredMessage: /rest GET \/api\/v1\/leads: response\.pagination\.total must be a number/,
      cursorMessage: /rest GET \/api\/v1\/leads: HTTP 400: Invalid query parameter "page"/,
    },
  }),
  described(
    'mega',
    mega,
    {
      source: { pageSize: 4, rateLimits: [], rest: restExample('mega', megaEnv, { fullScanEvery: 1 }) },
      faults: {
        // Incremental polls with a full listing every third: both paths meet the faults.
        source: { pageSize: 4, rateLimits: [], rest: restExample('mega', megaEnv, { fullScanEvery: 3 }) },
        requiredMessage: /rest GET \/api\/agents\/crm\/leads: response\.(next_cursor|total) must be/,
        cursorMessage: /rest GET \/api\/agents\/crm\/leads: HTTP 400: cursor is malformed/,
      },
    },
    megaEnv,
  ),
  described('apten', apten, {
    source: { pageSize: 4 },
    faults: {
      source: { pageSize: 4 },
      requiredMessage: /rest GET \/leads: response\.leads must be an array/,
      cursorMessage: /rest GET \/leads: HTTP 400: Invalid format for field: nextToken/,
    },
  }),
];
