// The examples/rest-*.yaml descriptions as the conformance and fault suites, the demo and the tests
// run them: the `rest:` block read as the relay reads config (YAML, then ${ENV}), and a vendor
// simulator seen through it (`vendor: rest`, the block as its source config).
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { interpolate } from '../../config/interpolate.js';
import type { SimFault, SimServerHandle, SimSourceConfig, VendorSimulator } from '../sim-common/types.js';

export type RestExample = 'nexus-erp' | 'mega' | 'apten';

/** examples/rest-<name>.yaml (the same path from src/vendors/rest and dist/vendors/rest). */
export const exampleUrl = (name: RestExample) => new URL(`../../../examples/rest-${name}.yaml`, import.meta.url);

/** The example's first source's `rest:` block, `env` substituted, `sync` keys replaced (e.g. fullScanEvery). */
export function restExample(name: RestExample, env: Record<string, string> = {}, sync: Record<string, unknown> = {}): Record<string, any> {
  const file = parse(readFileSync(exampleUrl(name), 'utf8'));
  const { value, problems } = interpolate(file.sources[0].rest, env);
  if (problems.length > 0) throw new Error(`examples/rest-${name}.yaml: ${problems.map((p) => p.message).join('; ')}`);
  const rest = value as Record<string, any>;
  Object.assign(rest.sync, sync);
  return rest;
}

/** A vendor's simulator read through a description: everything delegated, but its source config says `vendor: rest`. */
export class DescribedSim implements VendorSimulator {
  readonly vendor = 'rest' as const;

  constructor(
    readonly inner: VendorSimulator,
    private readonly rest: Record<string, unknown>,
  ) {}

  get requests() {
    return this.inner.requests;
  }
  listen(port?: number, host?: string): Promise<SimServerHandle> {
    return this.inner.listen(port, host);
  }
  seed(n: number): string[] {
    return this.inner.seed(n);
  }
  createLead(fields?: Record<string, unknown>): string {
    return this.inner.createLead(fields);
  }
  touchLead(id: string): void {
    this.inner.touchLead(id);
  }
  deleteLead(id: string): void {
    this.inner.deleteLead(id);
  }
  leadIds(): string[] {
    return this.inner.leadIds();
  }
  failNext(n: number, fault: SimFault): void {
    this.inner.failNext(n, fault);
  }
  /** The simulator's url and key; its own vendor settings (customerId, workspace) left out for the block. */
  sourceConfig(url: string): SimSourceConfig {
    const { baseUrl, apiKey } = this.inner.sourceConfig(url);
    return { vendor: 'rest', baseUrl, apiKey, rest: structuredClone(this.rest) };
  }
}
