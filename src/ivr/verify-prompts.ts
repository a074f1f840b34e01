/**
 * What a `verify` node says when its flow does not word it itself: the natural prompt the
 * caller answers while their voice is checked, the biometrics consent question, the PIN.
 * The consent text is versioned: the register records which wording the caller answered,
 * so changing these words means a new `DEFAULT_CONSENT_TEXT_VERSION`.
 */
import type { TPrompt } from './flow-schema.js';

export const DEFAULT_CONSENT_TEXT_VERSION = 'vb-ivr-1';

/** Keys of the consent question: fixed, so every flow asks it the same way. */
export const CONSENT_KEYS = { agree: '1', decline: '2' } as const;

export const DEFAULT_VERIFY_PROMPTS = {
  speak: {
    ar: 'للتحقق من هويتك، أخبرنا ببضع كلمات عن سبب اتصالك اليوم.',
    en: 'To confirm it is you, please tell us in a few words why you are calling today.',
  },
  consent: {
    ar: 'يمكننا في المرات القادمة التعرّف عليك من صوتك بدلاً من أسئلة التحقق. تُستخدم بصمتك الصوتية للتحقق من هويتك فقط، ويمكنك سحب موافقتك في أي وقت. للموافقة اضغط 1، وللرفض اضغط 2.',
    en: 'Next time, we can recognise you by your voice instead of asking security questions. Your voiceprint is used only to confirm who you are, and you can withdraw at any time. To agree, press 1. To decline, press 2.',
  },
  consentGranted: { ar: 'شكراً لموافقتك.', en: 'Thank you for agreeing.' },
  consentDeclined: { ar: 'لا بأس، سنتحقق من هويتك بالرمز السري.', en: 'No problem. We will check who you are with your PIN.' },
  pin: {
    ar: 'يرجى إدخال رمزك السري، ثم الضغط على مفتاح المربع.',
    en: 'Please enter your PIN, followed by the hash key.',
  },
  pinInvalid: { ar: 'الرمز السري غير صحيح.', en: 'That PIN was not correct.' },
  hold: { ar: 'لحظة من فضلك.', en: 'One moment, please.' },
  withdrawn: {
    ar: 'تم سحب موافقتك على التحقق بالصوت، وسنحذف بصمتك الصوتية.',
    en: 'Your consent to voice verification is withdrawn, and your voiceprint will be deleted.',
  },
  withdrawUnknown: {
    ar: 'لم نتمكن من العثور على حسابك، يمكنك طلب ذلك من أحد موظفينا.',
    en: 'We could not find your account. One of our agents can help you with this.',
  },
} as const satisfies Record<string, TPrompt>;
