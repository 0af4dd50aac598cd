import { z } from 'zod';

/** A Date as the API sends it: JSON serialises a Date with toISOString (UTC, `Z`). */
export const isoDateTimeSchema = z.string().datetime().describe('An instant, ISO 8601 in UTC');

/** A function version number (versions count from 1). */
export const versionNumberSchema = z.number().int().min(1);

/** A count that cannot be negative. */
export const countSchema = z.number().int().min(0);
