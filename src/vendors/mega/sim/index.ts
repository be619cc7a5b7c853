// Public entry of the MEGA CRM vendor simulator used by tests and the demo.
export { MegaSimulator, DEFAULT_MEGA_CUSTOMER_ID, MEGA_DEFAULT_RATE_LIMITS } from './simulator.js';
export { startMegaActivity, megaActivityStep, type MegaActivityKind, type MegaActivityOptions } from './activity.js';
export { MEGA_STAGES, MEGA_OWNERS, MEGA_STATUSES } from './pipeline.js';
export { LEADS_PATH as MEGA_LEADS_PATH } from './routes.js';
export { encodeCursor as encodeMegaCursor, decodeCursor as decodeMegaCursor, type CursorKey as MegaCursorKey } from './paging.js';
export { mulberry32, type Random } from '../../sim-common/random.js';
export type {
  MegaChange,
  MegaChangeKind,
  MegaErrorBody,
  MegaErrorType,
  MegaLead,
  MegaLeadPatch,
  MegaListResponse,
  MegaOwner,
  MegaSimulatorOptions,
  MegaSort,
  MegaSortBy,
  MegaSortDir,
  MegaStage,
  MegaWireLead,
} from './types.js';
