import type { z } from 'zod';
import { AppError } from '../errors.js';

/** Parses input at the edge; the 400 names the first offending field. */
export function parseInput<S extends z.ZodType>(schema: S, data: unknown, where = 'body'): z.infer<S> {
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => ({ field: i.path.join('.') || where, message: i.message }));
  const first = issues[0]!;
  throw new AppError('BAD_REQUEST', `${first.field}: ${first.message}`, { issues });
}
