import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from '../../src/timeline/cursor.js';
import { AppError } from '../../src/errors.js';

describe('timeline cursor', () => {
  it('gives back the position it encoded', () => {
    const at = new Date('2026-01-02T08:00:00.123Z');
    expect(decodeCursor(encodeCursor(at, 'b3c1-uuid'))).toEqual({ at, id: 'b3c1-uuid' });
  });

  it.each([
    ['random text', 'hello'],
    ['an empty string', ''],
    ['a date without an id', Buffer.from('2026-01-02T08:00:00.000Z|').toString('base64url')],
    ['a date outside the storable years', Buffer.from('-200000-01-01T00:00:00.000Z|x').toString('base64url')],
    ['a date in another format', Buffer.from('Jan 2 2026|x').toString('base64url')],
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
