import { AppError } from '../errors.js';

/** Opaque keyset cursor: the (at, id) of the last item on the page. */
export function encodeCursor(at: Date, id: string): string {
  return Buffer.from(`${at.toISOString()}|${id}`).toString('base64url');
}

export function decodeCursor(cursor: string): { at: Date; id: string } {
  const [iso, id] = Buffer.from(cursor, 'base64url').toString().split('|');
  const at = iso ? new Date(iso) : undefined;
  if (!at || Number.isNaN(at.getTime()) || !id) throw new AppError('BAD_REQUEST', 'cursor: not a cursor returned by this API');
  return { at, id };
}
