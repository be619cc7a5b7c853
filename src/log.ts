// JSON-lines logging (pino), with secrets redacted wherever they might be logged by accident.
import { pino, type Logger, type DestinationStream } from 'pino';

export const REDACT_PATHS = [
  'apiKey',
  '*.apiKey',
  'secret',
  '*.secret',
  'adminToken',
  '*.adminToken',
  'headers.authorization',
  'headers["x-api-key"]',
  '*.headers.authorization',
  '*.headers["x-api-key"]',
];

export function createLogger(opts: { level?: string; destination?: DestinationStream } = {}): Logger {
  return pino(
    {
      level: opts.level ?? process.env.LEADRELAY_LOG_LEVEL ?? 'info',
      base: { service: 'leadrelay' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    },
    opts.destination,
  );
}

export type { Logger };
