// Vendor-only source settings that more than one vendor reads: one schema object each, so the config
// (src/config/schema.ts) reads the field the same way whichever vendor's entry declares it.
import { intSchema } from '../config/fields.js';

/** Every how many polls an incremental vendor lists everything instead (absence checks, lost changes). */
export const fullScanEvery = intSchema(1, 100_000).optional();
