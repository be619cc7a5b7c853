// The `rest:` block of an examples/rest-*.yaml file, read as the relay reads config (YAML, then
// ${ENV} substitution), so tests run exactly what the example describes against a simulator.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { interpolate } from '../../src/config/index.js';

export type RestExample = 'nexus-erp' | 'mega' | 'apten';

export const examplePath = (name: RestExample) => join(import.meta.dirname, '..', '..', 'examples', `rest-${name}.yaml`);

/** The example's first source's `rest:` block, with `env` substituted. */
export function restBlock(name: RestExample, env: Record<string, string> = {}): Record<string, any> {
  const file = parse(readFileSync(examplePath(name), 'utf8'));
  const { value, problems } = interpolate(file.sources[0].rest, env);
  if (problems.length > 0) throw new Error(`examples/rest-${name}.yaml: ${JSON.stringify(problems)}`);
  return value as Record<string, any>;
}

/**
 * Source config keys for a `vendor: rest` source described by the example (Harness `source`): the
 * simulator's own vendor-only keys are left out; `sync` replaces keys of rest.sync (fullScanEvery).
 */
export function restSource(name: RestExample, env: Record<string, string> = {}, sync: Record<string, unknown> = {}): Record<string, unknown> {
  const rest = restBlock(name, env);
  Object.assign(rest.sync, sync);
  return { vendor: 'rest', rest, customerId: undefined, workspace: undefined };
}
