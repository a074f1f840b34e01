/**
 * Demo bilingual flow used by the server seed.
 *
 * Order matters: open complaints and known callers with a stored language are
 * routed before the language menu, so returning callers are never asked their
 * language again.
 */
import type { TFlow, TFlowInput } from './flow-schema.js';
import { validateFlow } from './flow-validate.js';
import { DEFAULT_VOICES } from './voices.js';

const connecting = (ar: string, en: string) => ({ ar, en });

export const demoFlowDefinition = {
  name: 'main',
  start: 'route',
  defaultLanguage: 'ar',
  voices: { ...DEFAULT_VOICES },
  speechLanguages: { ar: 'ar-SA', en: 'en-US' },
  hours: {
    timezone: 'Asia/Riyadh',
    // Saudi working week: Sunday-Thursday; Friday/Saturday weekend.
    weekly: {
      sun: [['08:00', '20:00']],
      mon: [['08:00', '20:00']],
      tue: [['08:00', '20:00']],
      wed: [['08:00', '20:00']],
      thu: [['08:00', '20:00']],
    },
    // Example public holidays (Saudi National Day, Founding Day).
    holidays: ['2025-09-23', '2026-02-22', '2026-09-23'],
  },
  nodes: {
    route: {
      type: 'branch',
      cases: [
        { when: 'caller.openComplaint', next: 'q_complaints' },
        { when: 'caller.known && caller.language != ""', next: 'greet' },
      ],
      else: 'lang',
    },
    lang: {
      type: 'language',
      prompt: { ar: 'للعربية، اضغط 1.', en: 'For English, press 2.' },
      options: { '1': 'ar', '2': 'en' },
      speech: { ar: ['عربي', 'العربية', 'arabic'], en: ['english', 'انجليزي', 'الإنجليزية'] },
      next: 'greet',
      fallback: 'greet',
    },
    greet: {
      type: 'say',
      prompt: {
        ar: 'أهلاً بك في خدمة العملاء.',
        en: 'Welcome to customer service.',
        arKnown: 'أهلاً بعودتك يا {name}.',
        enKnown: 'Welcome back, {name}.',
      },
      next: 'hours_check',
    },
    hours_check: { type: 'hours', open: 'main', closed: 'closed' },
    closed: {
      type: 'hangup',
      prompt: {
        ar: 'نعتذر، مركز الاتصال مغلق حالياً. ساعات العمل من الأحد إلى الخميس، من الثامنة صباحاً حتى الثامنة مساءً. شكراً لاتصالك.',
        en: 'Sorry, our contact center is currently closed. Our hours are Sunday to Thursday, 8 AM to 8 PM. Thank you for calling.',
      },
    },
    main: {
      type: 'menu',
      prompt: {
        ar: 'للفواتير اضغط 1، وللدعم الفني اضغط 2، وللمبيعات اضغط 3، ولمعرفة رصيدك اضغط 4، وللتحدث مع أحد الموظفين اضغط 0، ولإيقاف التحقق من هويتك بالصوت اضغط 8. ويمكنك أيضاً أن تخبرنا بما تحتاج إليه.',
        en: 'For billing, press 1. For technical support, press 2. For sales, press 3. For your balance, press 4. To speak to an agent, press 0. To stop using your voice to confirm who you are, press 8. You can also tell us what you need.',
      },
      options: [
        { digit: '1', next: 'account', intent: 'billing', speech: ['فاتورة', 'فواتير', 'سداد', 'دفع', 'billing', 'bill', 'invoice', 'payment'] },
        { digit: '2', next: 'q_support', intent: 'support', speech: ['دعم', 'الدعم الفني', 'انترنت', 'عطل', 'support', 'technical', 'internet'] },
        { digit: '3', next: 'q_sales', intent: 'sales', speech: ['مبيعات', 'شراء', 'اشتراك', 'sales', 'buy', 'subscribe'] },
        { digit: '4', next: 'verify_balance', intent: 'balance', speech: ['رصيد', 'رصيدي', 'balance'] },
        { digit: '0', next: 'q_general', intent: 'agent', speech: ['موظف', 'خدمة العملاء', 'agent', 'representative', 'operator'] },
        { digit: '8', next: 'voice_optout', intent: 'voice_optout' },
      ],
      hints: ['billing', 'support', 'sales', 'agent', 'فاتورة', 'دعم فني', 'مبيعات', 'موظف'],
      noInputPrompt: { ar: 'عذراً، لم نتلقَّ أي اختيار.', en: "Sorry, we didn't receive a choice." },
      invalidPrompt: { ar: 'عذراً، لم نفهم اختيارك.', en: "Sorry, we didn't understand your choice." },
      fallback: 'q_general',
    },
    account: {
      type: 'collect',
      name: 'account',
      prompt: {
        ar: 'يرجى إدخال رقم حسابك، ثم الضغط على مفتاح المربع.',
        en: 'Please enter your account number, followed by the hash key.',
      },
      minDigits: 6,
      maxDigits: 10,
      invalidPrompt: {
        ar: 'رقم الحساب غير صحيح. يجب أن يتكون من ستة إلى عشرة أرقام.',
        en: 'That account number is not valid. It must be six to ten digits.',
      },
      next: 'q_billing',
      // An agent can still take the account number verbally.
      fallback: 'q_billing',
    },
    // Sensitive self-service only after verification: voice (with consent), else the PIN.
    verify_balance: { type: 'verify', verified: 'balance', failed: 'not_verified', unverified: 'not_verified', locked: 'pin_locked' },
    balance: {
      type: 'say',
      prompt: {
        ar: 'شكراً، تم التحقق من هويتك. سنحوّلك إلى قسم الفواتير لمراجعة رصيدك.',
        en: 'Thank you, you are verified. Connecting you to billing to go through your balance.',
      },
      next: 'q_billing',
    },
    // Never why: a fraud suspicion sounds like any other failed check.
    not_verified: {
      type: 'say',
      prompt: { ar: 'لم نتمكن من إتمام التحقق من هويتك.', en: 'We could not complete the check of who you are.' },
      next: 'q_general',
    },
    pin_locked: {
      type: 'say',
      prompt: { ar: 'تم إيقاف رمزك السري مؤقتاً بعد عدة محاولات خاطئة.', en: 'Your PIN is locked for now after several wrong attempts.' },
      next: 'q_general',
    },
    voice_optout: { type: 'consent_withdraw', next: 'main' },
    q_complaints: {
      type: 'queue',
      queue: 'complaints',
      prompt: connecting('لديك شكوى قيد المعالجة، سنحوّلك الآن إلى فريق الشكاوى.', 'You have an open complaint. Connecting you to our complaints team.'),
    },
    q_billing: { type: 'queue', queue: 'billing', prompt: connecting('جارٍ تحويلك إلى قسم الفواتير.', 'Connecting you to billing.') },
    q_support: { type: 'queue', queue: 'support', prompt: connecting('جارٍ تحويلك إلى الدعم الفني.', 'Connecting you to technical support.') },
    q_sales: { type: 'queue', queue: 'sales', prompt: connecting('جارٍ تحويلك إلى قسم المبيعات.', 'Connecting you to sales.') },
    q_general: { type: 'queue', queue: 'general', prompt: connecting('جارٍ تحويلك إلى أحد موظفينا.', 'Connecting you to one of our agents.') },
  },
} satisfies TFlowInput;

function load(): TFlow {
  const res = validateFlow(demoFlowDefinition);
  // Fail at import time: a broken seed flow must never reach a live call.
  if (!res.ok) throw new Error(`demoFlow invalid: ${JSON.stringify(res.errors)}`);
  return res.flow;
}

/** The validated demo flow (defaults applied). */
export const demoFlow: TFlow = load();
