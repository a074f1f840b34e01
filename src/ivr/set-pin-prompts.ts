/**
 * What a `set_pin` node says when its flow does not word it itself (ar, en).
 */
import type { TPrompt } from './flow-schema.js';

/** The API's rule (src/biometrics/pin-schemas.ts): a PIN is 4 to 8 digits, wherever it is set. */
export const PIN_DIGITS = { min: 4, max: 8 } as const;

export const DEFAULT_SET_PIN_PROMPTS = {
  prompt: {
    ar: 'يرجى إدخال رمزك السري الجديد، من 4 إلى 8 أرقام، ثم الضغط على مفتاح المربع.',
    en: 'Please enter your new PIN, 4 to 8 digits, followed by the hash key.',
  },
  confirmPrompt: {
    ar: 'يرجى إدخال الرمز السري الجديد مرة أخرى للتأكيد، ثم الضغط على مفتاح المربع.',
    en: 'Please enter your new PIN again to confirm, followed by the hash key.',
  },
  mismatchPrompt: { ar: 'الرمزان غير متطابقين.', en: 'The two PINs did not match.' },
  invalidPrompt: { ar: 'يجب أن يتكون الرمز السري من 4 إلى 8 أرقام.', en: 'A PIN must be 4 to 8 digits.' },
  changedPrompt: { ar: 'تم تغيير رمزك السري.', en: 'Your PIN has been changed.' },
} as const satisfies Record<string, TPrompt>;
