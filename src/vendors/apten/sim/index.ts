// Public entry of the Apten vendor simulator used by tests and the demo.
export { AptenSimulator, type AptenServerHandle } from './simulator.js';
export { AptenVendorSim } from './vendor.js';
export { startAptenActivity, aptenActivityStep, type AptenActivityKind, type AptenActivityOptions } from './activity.js';
export { mulberry32, type Random } from '../../sim-common/random.js';
export { encodeNextToken, decodeNextToken } from './paging.js';
export type {
  AptenChange,
  AptenChangeKind,
  AptenEvent,
  AptenFault,
  AptenLead,
  AptenRequestLogEntry,
  AptenSimulatorOptions,
  AptenTag,
  NewAptenEvent,
} from './types.js';
