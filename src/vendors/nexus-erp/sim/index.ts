// Public entry of the Nexus ERP vendor simulator used by tests, the demo and the cross-vendor conformance suite.
export { NexusSimulator } from './simulator.js';
export { mulberry32, type Random } from '../../sim-common/random.js';
export { startNexusActivity, nexusActivityStep, type NexusActivityKind, type NexusActivityOptions } from './activity.js';
export { compareLeads, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './listing.js';
export { LEADS_PATH } from './routes.js';
export { NEXUS_LEAD_FIELDS, NEXUS_STATUSES } from './types.js';
export type {
  NexusChange,
  NexusChangeKind,
  NexusLead,
  NexusListResponse,
  NexusPagination,
  NexusSimulatorOptions,
  NexusStatus,
} from './types.js';
