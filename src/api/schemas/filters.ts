// POST /v1/filters/test's answer (src/api/routes/filters.ts).
import { z } from 'zod';

interface Failure {
  at: string;
  message: string;
  branches?: Failure[];
}

export const filterFailureSchema: z.ZodType<Failure> = z
  .strictObject({
    at: z.string().meta({ description: 'Where in the filter, e.g. filter.$or[1].data.lead.status.$in.' }),
    message: z.string().meta({ description: 'What the body held there, and what the condition wanted.' }),
    get branches() {
      return z.array(filterFailureSchema).optional().meta({ description: 'For an $or: why each alternative failed.' });
    },
  });

export const filterTestResultSchema = z.strictObject({
  matches: z.boolean(),
  failure: filterFailureSchema.nullable().meta({ description: 'When it does not match: the first condition that failed.' }),
  conditions: z.int().meta({ description: 'Conditions in the filter (each plain value or operator counts one).' }),
  eventId: z.string().optional().meta({ description: 'The event tested, when given by id.' }),
});
