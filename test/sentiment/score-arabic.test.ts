import { describe, expect, it } from 'vitest';
import { scoreText } from '../../src/sentiment/index.js';

describe('Arabic message sentiment (MSA and Gulf)', () => {
  it.each([
    'الخدمة سيئة جدا وما أحد رد علي',
    'مو زين',
    'النت خربان من يومين',
    'أنا مقهور، تأخير وايد',
    'ابي الغي الاشتراك، حرام عليكم',
    'الخدمة غير مقبولة',
    'الموظف وقح وقفل الخط',
    'ما اشتغل الراوتر للحين',
  ])('labels the complaint %j negative', (text) => {
    const r = scoreText(text);
    expect(r).toMatchObject({ label: 'negative', language: 'ar' });
  });

  it.each([
    'شكرا جزيلا على المساعدة، ممتاز',
    'يعطيك العافية',
    'الله يسعدك ما قصرت',
    'مشكورين، انحلت المشكلة',
    'الخدمة زينة وايد',
  ])('labels the thanks/praise %j positive', (text) => {
    expect(scoreText(text)).toMatchObject({ label: 'positive', language: 'ar' });
  });

  it.each(['أبغى أغير عنواني', 'كم رصيدي؟', 'صباح الخير، أبغى أعرف موعد الفاتورة'])(
    'labels the factual request %j neutral',
    (text) => {
      expect(scoreText(text)).toEqual({ label: 'neutral', score: 0, language: 'ar' });
    },
  );

  it('makes "مو زين" (not good) negative but "ما في مشكلة" (no problem) not negative', () => {
    expect(scoreText('مو زين').label).toBe('negative');
    expect(scoreText('ما في مشكلة').label).not.toBe('negative');
  });

  it('does not read the Zain brand name as praise', () => {
    expect(scoreText('شبكة زين').label).toBe('neutral');
  });

  it('gives the same score whatever the diacritics, tatweel or alef/yaa/taa spelling', () => {
    const plain = scoreText('الخدمة سيئة جدا');
    expect(scoreText('الخِدْمَةُ سَيِّئَةٌ جِدًّا')).toEqual(plain);
    expect(scoreText('الخدمـــة سيئه جداً')).toEqual(plain);
    expect(scoreText('أبغى إلغاء الاشتراك')).toEqual(scoreText('ابغي الغاء الاشتراك'));
    expect(scoreText('شكرًا')).toEqual(scoreText('شكرا'));
  });

  it('lets Gulf intensifiers work before or after the word', () => {
    expect(scoreText('زين وايد').score).toBeGreaterThan(scoreText('زين').score);
    expect(scoreText('وايد زين').score).toBeGreaterThan(scoreText('زين').score);
    expect(scoreText('سيئة جدا').score).toBeLessThan(scoreText('سيئة').score);
  });

  it('matches words with attached prefixes and suffixes', () => {
    expect(scoreText('وزعلانين').label).toBe('negative');
    expect(scoreText('مشكورة').label).toBe('positive');
  });
});
