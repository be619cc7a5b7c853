// The `rest:` blocks of examples/rest-*.yaml as Harness source config (src/vendors/rest/described.ts
// reads them as the relay reads config: YAML, then ${ENV}).
import { restExample, type RestExample } from '../../src/vendors/rest/described.js';

export type { RestExample };

/** The example's `rest:` block with `env` substituted (restExample). */
export const restBlock = restExample;

/**
 * Source config keys for a `vendor: rest` source described by the example (Harness `source`): the
 * simulator's own vendor-only keys are left out; `sync` replaces keys of rest.sync (fullScanEvery).
 */
export function restSource(name: RestExample, env: Record<string, string> = {}, sync: Record<string, unknown> = {}): Record<string, unknown> {
  return { vendor: 'rest', rest: restExample(name, env, sync), customerId: undefined, workspace: undefined };
}
