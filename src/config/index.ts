// Public API of the config module: load and validate the YAML config, plus schemas the admin API shares.

export { parseDuration, formatDuration } from './duration.js';
export { interpolate, interpolateString, formatPath, formatProblem } from './interpolate.js';
export type { Env, ConfigPath, PathProblem, InterpolationResult } from './interpolate.js';
export {
  VENDORS,
  EVENT_TYPES,
  EVENT_TYPE_FILTERS,
  INITIAL_SYNC_MODES,
  LOG_LEVELS,
  DEFAULTS,
  configSchema,
  sourceSchema,
  subscriptionSchema,
  eventTypeFilterSchema,
  sourceIdSchema,
  webhookUrlSchema,
  secretSchema,
  subscriptionHeadersSchema,
  durationSchema,
  isValidSecret,
  humanErrorMap,
  formatIssues,
  validateConfig,
  crossFieldProblems,
} from './schema.js';
export type {
  Config,
  SourceConfig,
  SubscriptionConfig,
  Vendor,
  EventType,
  EventTypeFilter,
  InitialSyncMode,
  LogLevel,
  ValidationResult,
} from './schema.js';
export { TOKEN_SCOPES, ADMIN_TOKEN_NAME, METRICS_AUTH_MODES } from './tokens.js';
export type { TokenScope, NamedToken, MetricsAuthMode } from './tokens.js';
export { loadConfig, ConfigError } from './load.js';
export type { LoadConfigOptions } from './load.js';
