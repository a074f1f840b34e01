import { AppError } from '../errors.js';

const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Opaque keyset cursor: the (at, id) of the last item on the page. */
export function encodeCursor(at: Date, id: string): string {
  return Buffer.from(`${at.toISOString()}|${id}`).toString('base64url');
}

export function decodeCursor(cursor: string): { at: Date; id: string } {
  const [iso, id] = Buffer.from(cursor, 'base64url').toString().split('|');
  // Only the exact form encodeCursor writes: a forged date outside what the database can
  // store (e.g. year -200000) would otherwise reach the query and fail as a 500.
  const at = iso && ISO_MS.test(iso) ? new Date(iso) : undefined;
  if (!at || Number.isNaN(at.getTime()) || !id) throw new AppError('BAD_REQUEST', 'cursor: not a cursor returned by this API');
  return { at, id };
}
