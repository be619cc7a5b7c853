// Building blocks of the documented shapes: instants, arbitrary JSON, the one error shape.
import { z } from 'zod';
import { TOKEN_SCOPES } from '../../config/index.js';

/** An instant as the relay writes it (Date#toISOString(): UTC, millisecond precision). */
export const instantSchema = z.iso.datetime();

/** Any JSON value (vendor records, cursors, event payloads). */
export const jsonValueSchema = z.json();

/** `?limit=` of a paged list: a whole number of items per page, 1 to 200. */
export const pageLimitSchema = z
  .string()
  .regex(/^\d+$/, { error: 'must be a whole number' })
  .transform(Number)
  .pipe(z.number().int().min(1).max(200));

/** A JSON object with any keys (e.g. a vendor's record exactly as received). */
export const jsonObjectSchema = z.record(z.string(), jsonValueSchema);

/** Every error answer of the admin API (src/api/errors.ts). */
export const errorResponseSchema = z
  .strictObject({
    error: z.strictObject({
      code: z.string().meta({
        description:
          'Stable and machine-readable: unauthorized (401); insufficient_scope (403); invalid_request, invalid_json, target_not_allowed, range_too_large (400); ' +
          'not_found (404); managed_by_config, source_disabled, subscription_disabled, attempt_in_flight (409); ' +
          'body_too_large (413); unsupported_media_type (415); storage_unavailable, storage_timeout, storage_full, storage_read_only, storage_io_error (503); internal_error (500).',
      }),
      message: z.string().meta({ description: 'For people; names the offending field where there is one.' }),
      details: z
        .array(z.strictObject({ field: z.string().meta({ description: 'e.g. url, events[0], query' }), message: z.string() }))
        .meta({ description: 'One entry per offending field (empty when the error is not about a field).' }),
    }),
  })
  .meta({ description: 'The one error shape of the admin API.' });

export const healthSchema = z.strictObject({
  status: z.literal('ok'),
  replica: z.string().meta({ description: 'This process: LEADRELAY_REPLICA_ID, or hostname and pid.' }),
  storage: z.enum(['sqlite', 'postgres']).meta({ description: 'The storage backend.' }),
});

export const callerSchema = z
  .strictObject({
    name: z.string().meta({ description: 'The token\'s name in server.tokens; "admin" for server.adminToken.' }),
    scopes: z.array(z.enum(TOKEN_SCOPES)),
  })
  .meta({ description: 'The token that called: its name (as in the access log) and scopes. Never the token itself.' });
