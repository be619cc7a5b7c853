// JSON-lines logging (pino), with secrets redacted wherever they might be logged by accident.
import { pino, type Logger, type DestinationStream } from 'pino';
import { LOG_LEVELS, type LogLevel } from './config/index.js';
import { REDACTED } from './util/redact.js';

/**
 * Keys whose values never reach a log line, at the top level or nested up to three deep (an
 * error's own properties, an error's cause). Whole `headers` objects are censored: subscription
 * headers may carry credentials under any name, and vendor auth headers vary by vendor.
 */
export const REDACT_PATHS = [
  'apiKey',
  '*.apiKey',
  '*.*.apiKey',
  'secret',
  '*.secret',
  '*.*.secret',
  'previousSecret',
  '*.previousSecret',
  'previousSecrets',
  '*.previousSecrets',
  'adminToken',
  '*.adminToken',
  '*.*.adminToken',
  // server.tokens (named tokens). The access log's `token` field is a token's name and stays.
  'tokens',
  '*.tokens',
  'authorization',
  '*.authorization',
  'Authorization',
  '*.Authorization',
  'headers',
  '*.headers',
  '*.*.headers',
];

export function createLogger(opts: { level?: string; destination?: DestinationStream } = {}): Logger {
  return pino(
    {
      level: opts.level ?? process.env.LEADRELAY_LOG_LEVEL ?? 'info',
      base: { service: 'leadrelay' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACT_PATHS, censor: REDACTED },
    },
    opts.destination,
  );
}

/** The level to log at: LEADRELAY_LOG_LEVEL when set, else the config's server.logLevel. */
export function resolveLogLevel(configLevel: LogLevel, env: Record<string, string | undefined>): LogLevel {
  const fromEnv = env.LEADRELAY_LOG_LEVEL?.trim().toLowerCase();
  if (!fromEnv) return configLevel;
  if (!(LOG_LEVELS as readonly string[]).includes(fromEnv)) {
    throw new Error(`LEADRELAY_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
  }
  return fromEnv as LogLevel;
}

/**
 * Human-readable lines for the demo: pino-pretty when installed (a dev dependency), else undefined
 * so the logger keeps writing JSON (the container image has no dev dependencies).
 */
export async function prettyDestination(): Promise<DestinationStream | undefined> {
  try {
    const { default: pretty } = await import('pino-pretty');
    // sync: lines written just before the demo exits are not lost.
    return pretty({ colorize: process.stdout.isTTY, sync: true, singleLine: true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname,service' });
  } catch {
    return undefined;
  }
}

export type { Logger };
