import { AppError } from '../errors.js';

const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
/** The years PostgreSQL's timestamp takes as ISO input (it has no year 0000). */
const MIN_AT = Date.parse('0001-01-01T00:00:00.000Z');
/** Interaction ids are UUIDs; anything an id of ours could be, nothing a query could choke on. */
const ID = /^[A-Za-z0-9_.:-]{1,64}$/;

/** Opaque keyset cursor: the (at, id) of the last item on the page. */
export function encodeCursor(at: Date, id: string): string {
  return Buffer.from(`${at.toISOString()}|${id}`).toString('base64url');
}

/**
 * The position a cursor from `encodeCursor` holds. Anything else is a 400 naming `cursor`:
 * a forged date the database cannot store (year 0000, year -200000) would otherwise reach
 * the query and fail as a 500, and one JavaScript quietly rolls over (30 February, hour 24)
 * would page from somewhere the client never was.
 */
export function decodeCursor(cursor: string): { at: Date; id: string } {
  const parts = Buffer.from(cursor, 'base64url').toString().split('|');
  const [iso, id] = parts;
  const at = parts.length === 2 && iso && ISO_MS.test(iso) ? new Date(iso) : undefined;
  const exact = at !== undefined && !Number.isNaN(at.getTime()) && at.getTime() >= MIN_AT && at.toISOString() === iso;
  if (!exact || !id || !ID.test(id)) throw new AppError('BAD_REQUEST', 'cursor: not a cursor returned by this API');
  return { at, id };
}
