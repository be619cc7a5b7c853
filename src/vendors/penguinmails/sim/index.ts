// Public entry of the PenguinMails vendor simulator used by tests, the conformance suite and the demo.
export { PenguinMailsSimulator, DEFAULT_RATE_LIMITS, isoSeconds, rowOf } from './simulator.js';
export {
  startPenguinMailsActivity,
  penguinMailsActivityStep,
  type PenguinMailsActivityKind,
  type PenguinMailsActivityOptions,
} from './activity.js';
export { LEADS_PATH } from './routes.js';
export { mulberry32, type Random } from '../../sim-common/random.js';
export {
  ACTIVITY_TYPES,
  LEAD_STATUSES,
  type NewPenguinMailsActivity,
  type PenguinMailsActivity,
  type PenguinMailsActivityType,
  type PenguinMailsChange,
  type PenguinMailsChangeKind,
  type PenguinMailsLead,
  type PenguinMailsLeadPatch,
  type PenguinMailsLeadRow,
  type PenguinMailsLeadStatus,
  type PenguinMailsSimulatorOptions,
} from './types.js';
