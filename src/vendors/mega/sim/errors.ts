// MEGA's error envelope `{error: {type, code, message}}` and the exception the routes throw to produce it.
import { STATUS_CODES } from 'node:http';
import type { MegaErrorBody, MegaErrorType } from './types.js';

/** Thrown anywhere below the routes; onError turns it into the vendor's error response. */
export class MegaApiError extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 429 | 500,
    readonly type: MegaErrorType,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export function badParam(code: string, message: string): MegaApiError {
  return new MegaApiError(400, 'invalid_request_error', code, message);
}

export function errorBody(type: MegaErrorType, code: string, message: string): MegaErrorBody {
  return { error: { type, code, message } };
}

/** The type a status gets when a fault does not bring its own body, following the documented mapping. */
export function errorTypeForStatus(status: number): MegaErrorType {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'not_found_error';
  if (status === 429) return 'rate_limit_error';
  if (status >= 400 && status < 500) return 'invalid_request_error';
  return 'api_error';
}

/** Default fault body: the vendor's envelope around the status's reason phrase (e.g. service_unavailable). */
export function defaultFaultBody(status: number): MegaErrorBody {
  const phrase = STATUS_CODES[status] ?? 'Error';
  const code = phrase.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_|_$/g, '') || 'error';
  return errorBody(errorTypeForStatus(status), code, phrase);
}
