// The Apten simulator behind the common VendorSimulator interface (for the shared conformance suite and the demo).
import type { SimFault, SimServerHandle, SimSourceConfig, VendorSimulator } from '../../sim-common/types.js';
import type { AptenSimulator } from './simulator.js';

export class AptenVendorSim implements VendorSimulator {
  readonly vendor = 'apten' as const;

  constructor(readonly sim: AptenSimulator) {}

  get requests() {
    return this.sim.requests;
  }

  listen(port?: number, host?: string): Promise<SimServerHandle> {
    return this.sim.listen(port, host);
  }

  seed(n: number): string[] {
    return this.sim.seed(n).map((l) => l.id);
  }

  createLead(fields?: Record<string, unknown>): string {
    return this.sim.createLead(fields).id;
  }

  touchLead(id: string): void {
    const lead = this.sim.getLead(id);
    this.sim.updateLead(id, { isQualified: !lead?.isQualified });
  }

  deleteLead(id: string): void {
    this.sim.deleteLead(id);
  }

  leadIds(): string[] {
    return this.sim.leads().map((l) => l.id);
  }

  failNext(n: number, fault: SimFault): void {
    const path = fault.path?.includes('events') ? 'events' : fault.path ? 'leads' : undefined;
    this.sim.failNext(n, { ...fault, path });
  }

  sourceConfig(url: string): SimSourceConfig {
    return { vendor: 'apten', baseUrl: url, apiKey: this.sim.apiKey };
  }
}
