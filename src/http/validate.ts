import type { z } from 'zod';
import { AppError } from '../errors.js';
import { findUnstorableText } from '../storable-text.js';

/**
 * Parses input at the edge; the 400 names the first offending field. Every body, query
 * string and path parameter passes here, so text PostgreSQL cannot store (a NUL byte, a
 * lone surrogate) is refused here once, in any value or key however deep, even in a field
 * the schema would drop, rather than by the database as a 500.
 */
export function parseInput<S extends z.ZodType>(schema: S, data: unknown, where = 'body'): z.infer<S> {
  const unstorable = findUnstorableText(data);
  if (unstorable) {
    const field = unstorable.path.join('.') || where;
    throw new AppError('BAD_REQUEST', `${field}: ${unstorable.reason}`, { issues: [{ field, message: unstorable.reason }] });
  }
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => ({ field: i.path.join('.') || where, message: i.message }));
  const first = issues[0]!;
  throw new AppError('BAD_REQUEST', `${first.field}: ${first.message}`, { issues });
}
