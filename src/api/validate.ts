// Request parsing with zod: a bad body or query gets 400 naming every offending field.
import type { Context } from 'hono';
import type { z } from 'zod';
import { formatPath, humanErrorMap } from '../config/index.js';
import { ApiError } from './errors.js';

/** Largest admin request body we read (enforced by the bodyLimit middleware). */
export const MAX_BODY_BYTES = 64 * 1024;

/** `optional`: an empty body counts as `{}` (for actions whose every field is optional). */
export async function parseJsonBody<S extends z.ZodType>(c: Context, schema: S, opts: { optional?: boolean } = {}): Promise<z.output<S>> {
  const text = await c.req.text(); // bounded by the bodyLimit middleware in app.ts
  if (text.trim() !== '') checkJsonContentType(c.req.header('content-type'));
  let body: unknown;
  try {
    body = text.trim() === '' ? (opts.optional ? {} : undefined) : JSON.parse(text);
  } catch {
    throw new ApiError(400, 'invalid_json', 'request body is not valid JSON');
  }
  if (body === undefined) throw new ApiError(400, 'invalid_request', 'request body is required (JSON object)');
  return check(schema, body, 'body');
}

/**
 * A body declared as something else (a form, text/plain, XML) is refused rather than guessed at: a
 * client that mislabels it has a bug worth hearing about. No content-type at all is read as JSON.
 */
function checkJsonContentType(header: string | undefined): void {
  if (header === undefined) return;
  const [type = '', ...params] = header.split(';').map((p) => p.trim().toLowerCase());
  const json = type === 'application/json' || /^application\/[a-z0-9.+-]+\+json$/.test(type);
  const charset = params.find((p) => p.startsWith('charset='))?.slice('charset='.length).replace(/"/g, '');
  if (json && (charset === undefined || charset === 'utf-8' || charset === 'utf8')) return;
  throw new ApiError(415, 'unsupported_media_type', 'request body must be JSON sent with content-type: application/json (UTF-8)');
}

export function parseQuery<S extends z.ZodType>(c: Context, schema: S): z.output<S> {
  return check(schema, c.req.query(), 'query');
}

/**
 * The API's validation of a value already read (the dashboard's forms go through the same schemas):
 * throws a 400 ApiError whose details name each field.
 */
export function check<S extends z.ZodType>(schema: S, value: unknown, where: 'body' | 'query'): z.output<S> {
  const parsed = schema.safeParse(value, { error: humanErrorMap });
  if (parsed.success) return parsed.data;
  const details = parsed.error.issues.map((iss) => {
    const path = iss.path.length === 0 ? where : formatPath(iss.path);
    return { field: path, message: iss.message };
  });
  const message = details.map((d) => `${d.field}: ${d.message}`).join('; ');
  throw new ApiError(400, 'invalid_request', message, details);
}
