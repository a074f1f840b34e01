import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from '../../src/timeline/cursor.js';
import { AppError } from '../../src/errors.js';

describe('timeline cursor', () => {
  it('gives back the position it encoded', () => {
    const at = new Date('2026-01-02T08:00:00.123Z');
    expect(decodeCursor(encodeCursor(at, 'b3c1-uuid'))).toEqual({ at, id: 'b3c1-uuid' });
  });

  it('gives back the first and last instants the database stores', () => {
    for (const iso of ['0001-01-01T00:00:00.000Z', '9999-12-31T23:59:59.999Z']) {
      const at = new Date(iso);
      expect(decodeCursor(encodeCursor(at, '5b0e4f8a-6f7e-4c1a-9b0a-2f5d3c1e7a90'))).toEqual({ at, id: '5b0e4f8a-6f7e-4c1a-9b0a-2f5d3c1e7a90' });
    }
  });

  it.each([
    ['random text', 'hello'],
    ['an empty string', ''],
    ['a date without an id', Buffer.from('2026-01-02T08:00:00.000Z|').toString('base64url')],
    ['a date outside the storable years', Buffer.from('-200000-01-01T00:00:00.000Z|x').toString('base64url')],
    ['a date in another format', Buffer.from('Jan 2 2026|x').toString('base64url')],
    ['year 0000, which the database has no room for', Buffer.from('0000-01-01T00:00:00.000Z|x').toString('base64url')],
    ['a day the month does not have', Buffer.from('2026-02-30T00:00:00.000Z|x').toString('base64url')],
    ['hour 24', Buffer.from('2026-01-01T24:00:00.000Z|x').toString('base64url')],
    ['month 13', Buffer.from('2026-13-01T00:00:00.000Z|x').toString('base64url')],
    ['an id with a NUL byte', Buffer.from('2026-01-02T08:00:00.000Z|a\u0000b').toString('base64url')],
    ['an id with a separator in it', Buffer.from('2026-01-02T08:00:00.000Z|a|b').toString('base64url')],
    ['garbage bytes', Buffer.from([0xff, 0xfe, 0x00, 0x7c, 0x80]).toString('base64url')],
  ])('rejects %s as a 400 naming cursor', (_label, cursor) => {
    let caught: unknown;
    try {
      decodeCursor(cursor);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(AppError);
    expect((caught as AppError).status).toBe(400);
    expect((caught as AppError).message).toMatch(/^cursor:/);
  });
});
