import { describe, expect, it } from 'vitest';
import { isOpen, type HoursLike } from '../../src/hours/business-hours.js';

// Saudi working week: Sun–Thu; Fri/Sat weekend. Riyadh is UTC+3 all year (no DST).
const riyadh: HoursLike = {
  timezone: 'Asia/Riyadh',
  weekly: {
    sun: [['08:00', '20:00']],
    mon: [['08:00', '20:00']],
    tue: [['08:00', '20:00']],
    wed: [['08:00', '20:00']],
    thu: [['08:00', '12:00'], ['13:00', '20:00']],
  },
  holidays: ['2025-09-23'],
};

describe('isOpen', () => {
  it('is open on a Sunday morning in Riyadh', () => {
    expect(isOpen(riyadh, new Date('2025-06-15T09:00:00Z'))).toBe(true); // 12:00 Sun
  });

  it('is closed on Friday in Riyadh even during working hours', () => {
    expect(isOpen(riyadh, new Date('2025-06-13T09:00:00Z'))).toBe(false); // 12:00 Fri
  });

  it('is closed on Saturday', () => {
    expect(isOpen(riyadh, new Date('2025-06-14T09:00:00Z'))).toBe(false);
  });

  it('opens at 08:00 local (05:00Z) and closes at 20:00 local (17:00Z)', () => {
    expect(isOpen(riyadh, new Date('2025-06-15T04:59:59Z'))).toBe(false);
    expect(isOpen(riyadh, new Date('2025-06-15T05:00:00Z'))).toBe(true);
    expect(isOpen(riyadh, new Date('2025-06-15T16:59:59Z'))).toBe(true);
    expect(isOpen(riyadh, new Date('2025-06-15T17:00:00Z'))).toBe(false);
  });

  it('uses the local weekday, not the UTC one (Thu 22:00Z is Fri 01:00 in Riyadh)', () => {
    const friday = { ...riyadh, weekly: { ...riyadh.weekly, fri: [['00:00', '02:00']] as [string, string][] } };
    expect(isOpen(friday, new Date('2025-06-12T22:00:00Z'))).toBe(true);
    expect(isOpen(riyadh, new Date('2025-06-12T22:00:00Z'))).toBe(false);
  });

  it('honours split ranges (lunch break on Thursday)', () => {
    expect(isOpen(riyadh, new Date('2025-06-19T09:30:00Z'))).toBe(false); // 12:30
    expect(isOpen(riyadh, new Date('2025-06-19T10:30:00Z'))).toBe(true); // 13:30
  });

  it('treats a holiday as closed all day, by local date', () => {
    expect(isOpen(riyadh, new Date('2025-09-23T06:00:00Z'))).toBe(false); // Tue 09:00, holiday
    expect(isOpen(riyadh, new Date('2025-09-24T06:00:00Z'))).toBe(true); // Wed 09:00
  });

  it('defaults the timezone to Asia/Riyadh', () => {
    const { timezone: _tz, ...noTz } = riyadh;
    expect(isOpen(noTz, new Date('2025-06-15T05:00:00Z'))).toBe(true);
  });

  it('evaluates the same instant differently in another timezone', () => {
    const ny: HoursLike = { ...riyadh, timezone: 'America/New_York' };
    // 05:00Z Sunday = 01:00 Sunday in New York: closed there, open in Riyadh.
    expect(isOpen(ny, new Date('2025-06-15T05:00:00Z'))).toBe(false);
    expect(isOpen(ny, new Date('2025-06-15T13:00:00Z'))).toBe(true);
  });

  it('fails closed on an invalid timezone', () => {
    expect(isOpen({ ...riyadh, timezone: 'Mars/Olympus' }, new Date('2025-06-15T09:00:00Z'))).toBe(false);
  });
});
