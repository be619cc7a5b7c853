// Maps every failure to the one error shape: {"error": {"code", "message", "details"}}.
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { RelayError } from '../util/errors.js';
import { isStorageError } from '../store/errors.js';

export class ApiError extends RelayError {
  constructor(status: ContentfulStatusCode, code: string, message: string, details: unknown[] = []) {
    super(code, message, status, details);
  }
}

export function errorBody(code: string, message: string, details: unknown[] = []) {
  return { error: { code, message, details } };
}

export function respondError(c: Context, err: unknown) {
  // A storage failure (the database down, restarting, too slow, full) is not a bug: 503 with its
  // code and what to do, which names the database (host:port/name) but never its password.
  if (err instanceof RelayError && (err.status < 500 || isStorageError(err))) {
    return c.json(errorBody(err.code, err.message, err.details), err.status as ContentfulStatusCode);
  }
  // Internal details stay in the log; the client gets a stable code.
  return c.json(errorBody('internal_error', 'internal error; see the relay log'), 500);
}

export const notFound = (what: string, id: string) => new ApiError(404, 'not_found', `${what} "${id}" not found`);
