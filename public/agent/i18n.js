// @ts-check
/**
 * UI labels in Arabic and English. Every visible label goes through t(); values that come
 * from the server (names, summaries, queue names) are shown as they are.
 */

/** @typedef {'ar' | 'en'} Lang */

/** @type {Record<Lang, Record<string, string>>} */
const LABELS = {
  en: {
    appTitle: 'Agent softphone',
    switchLanguage: 'العربية',
    signInTitle: 'Sign in',
    tokenLabel: 'Agent token (JWT)',
    tokenHelp: 'Get one with: npm run token -- --role agent --sub agent-sara',
    signIn: 'Sign in',
    signOut: 'Sign out',
    badToken: 'That sign-in token was refused (invalid, expired, or not an agent). Please sign in again.',
    tokenExpired: 'Your sign-in token has expired. Please sign in again.',
    tokenMalformed: 'That does not look like a token.',
    'conn.connecting': 'Connecting…',
    'conn.connected': 'Connected',
    'conn.reconnecting': 'Reconnecting…',
    'conn.reconnectingIn': 'Reconnecting in {s} s…',
    'conn.signedOut': 'Signed out',
    stateLabel: 'Status',
    'state.offline': 'Offline',
    'state.available': 'Available',
    'state.reserved': 'Incoming call',
    'state.busy': 'On a call',
    'state.wrap_up': 'Wrap-up',
    'state.away': 'Away',
    'state.unknown': '—',
    available: 'Available',
    away: 'Away',
    offline: 'Offline',
    awayReason: 'Reason',
    'reason.break': 'Break',
    'reason.lunch': 'Lunch',
    'reason.training': 'Training',
    'reason.meeting': 'Meeting',
    'reason.missed offers': 'Missed offers',
    finishWrapUp: 'Finish wrap-up',
    waitingForCalls: 'No calls right now. Set yourself Available to receive calls.',
    notConnected: 'Not connected yet; try again in a moment.',
    incomingCall: '📞 Incoming call',
    'pop.incoming': 'Incoming call',
    'pop.connecting': 'Connecting…',
    'pop.connected': 'Connected',
    'pop.wrap_up': 'Call ended — wrap-up',
    'pop.cancelled': 'Caller hung up',
    'pop.timeout': 'Missed',
    'pop.rejected': 'Rejected',
    'pop.expired': 'Expired',
    'pop.provider_connected': 'On the call · connected through Amazon Connect',
    providerCallId: 'Provider call ID',
    unknownCaller: 'Unknown caller',
    accountValue: 'Account value',
    sentiment: 'Sentiment',
    experience: 'Experience',
    'experience.score': '{v}/{max}',
    'experience.csat': 'CSAT {v}',
    'experience.nps': 'NPS {v}',
    'experience.fcr': 'FCR {v}%',
    'experience.complaints': '{n} open complaints',
    verification: 'Verification',
    queue: 'Queue',
    waited: 'Waited {s} s',
    callLanguage: 'Language',
    lastInteraction: 'Last interaction',
    history: 'History',
    noHistory: 'No earlier contacts.',
    ivr: 'In the IVR',
    intent: 'Intent',
    inputs: 'Inputs',
    accept: 'Accept',
    reject: 'Reject',
    dismiss: 'Dismiss',
    secondsLeft: '{s} s left',
    timeLeft: 'Time left to answer',
    'tier.platinum': 'Platinum',
    'tier.gold': 'Gold',
    'tier.silver': 'Silver',
    'tier.bronze': 'Bronze',
    'tier.standard': 'Standard',
    'verify.verified': 'Verified',
    'verify.failed': 'Verification failed',
    'verify.not_enrolled': 'Not enrolled',
    'verify.skipped': 'Not verified',
    'verify.locked': 'PIN locked',
    'risk.watchlist': 'Fraud watchlist',
    'risk.spoof': 'Voice may be spoofed',
    'method.voice': 'voice',
    'method.pin': 'PIN',
    'sentiment.negative': 'Negative',
    'sentiment.neutral': 'Neutral',
    'sentiment.positive': 'Positive',
    'trend.falling': 'falling',
    'trend.rising': 'rising',
    'trend.steady': 'steady',
    'channel.voice': 'Call',
    'channel.chat': 'Chat',
    'channel.email': 'Email',
    'channel.whatsapp': 'WhatsApp',
    'channel.sms': 'SMS',
    'channel.social': 'Social',
    'channel.branch': 'Branch',
    'error.generic': 'Something went wrong.',
  },
  ar: {
    appTitle: 'هاتف الموظف',
    switchLanguage: 'English',
    signInTitle: 'تسجيل الدخول',
    tokenLabel: 'رمز الموظف (JWT)',
    tokenHelp: 'احصل عليه بالأمر: npm run token -- --role agent --sub agent-sara',
    signIn: 'دخول',
    signOut: 'خروج',
    badToken: 'رُفض رمز الدخول (غير صالح أو منتهي أو ليس لموظف). سجّل الدخول مرة أخرى.',
    tokenExpired: 'انتهت صلاحية رمز الدخول. سجّل الدخول مرة أخرى.',
    tokenMalformed: 'هذا لا يبدو رمز دخول صحيحًا.',
    'conn.connecting': 'جارٍ الاتصال…',
    'conn.connected': 'متصل',
    'conn.reconnecting': 'جارٍ إعادة الاتصال…',
    'conn.reconnectingIn': 'إعادة الاتصال خلال {s} ث…',
    'conn.signedOut': 'غير مسجّل',
    stateLabel: 'الحالة',
    'state.offline': 'غير متصل',
    'state.available': 'متاح',
    'state.reserved': 'مكالمة واردة',
    'state.busy': 'في مكالمة',
    'state.wrap_up': 'إنهاء المكالمة',
    'state.away': 'بعيد',
    'state.unknown': '—',
    available: 'متاح',
    away: 'بعيد',
    offline: 'غير متصل',
    awayReason: 'السبب',
    'reason.break': 'استراحة',
    'reason.lunch': 'غداء',
    'reason.training': 'تدريب',
    'reason.meeting': 'اجتماع',
    'reason.missed offers': 'مكالمات فائتة',
    finishWrapUp: 'إنهاء المعالجة',
    waitingForCalls: 'لا توجد مكالمات الآن. اختر «متاح» لتلقي المكالمات.',
    notConnected: 'لم يتم الاتصال بعد؛ حاول بعد لحظات.',
    incomingCall: '📞 مكالمة واردة',
    'pop.incoming': 'مكالمة واردة',
    'pop.connecting': 'جارٍ التوصيل…',
    'pop.connected': 'متصل بالعميل',
    'pop.wrap_up': 'انتهت المكالمة — المعالجة',
    'pop.cancelled': 'أغلق المتصل الخط',
    'pop.timeout': 'فائتة',
    'pop.rejected': 'مرفوضة',
    'pop.expired': 'انتهى الوقت',
    'pop.provider_connected': 'المكالمة متصلة عبر Amazon Connect',
    providerCallId: 'رقم المكالمة لدى المزوّد',
    unknownCaller: 'متصل غير معروف',
    accountValue: 'قيمة الحساب',
    sentiment: 'المشاعر',
    experience: 'تجربة العميل',
    'experience.score': '{v}/{max}',
    'experience.csat': 'الرضا {v}',
    'experience.nps': 'التوصية {v}',
    'experience.fcr': 'الحل من أول تواصل {v}٪',
    'experience.complaints': 'شكاوى مفتوحة: {n}',
    verification: 'التحقق',
    queue: 'قائمة الانتظار',
    waited: 'انتظر {s} ث',
    callLanguage: 'اللغة',
    lastInteraction: 'آخر تواصل',
    history: 'السجل',
    noHistory: 'لا توجد اتصالات سابقة.',
    ivr: 'في الرد الآلي',
    intent: 'الغرض',
    inputs: 'المدخلات',
    accept: 'قبول',
    reject: 'رفض',
    dismiss: 'إغلاق',
    secondsLeft: 'متبقٍ {s} ث',
    timeLeft: 'الوقت المتبقي للرد',
    'tier.platinum': 'بلاتيني',
    'tier.gold': 'ذهبي',
    'tier.silver': 'فضي',
    'tier.bronze': 'برونزي',
    'tier.standard': 'عادي',
    'verify.verified': 'تم التحقق',
    'verify.failed': 'فشل التحقق',
    'verify.not_enrolled': 'غير مسجّل',
    'verify.skipped': 'لم يتم التحقق',
    'verify.locked': 'الرمز السري مقفل',
    'risk.watchlist': 'على قائمة الاحتيال',
    'risk.spoof': 'احتمال انتحال الصوت',
    'method.voice': 'بالصوت',
    'method.pin': 'بالرمز السري',
    'sentiment.negative': 'سلبي',
    'sentiment.neutral': 'محايد',
    'sentiment.positive': 'إيجابي',
    'trend.falling': 'متراجع',
    'trend.rising': 'متحسن',
    'trend.steady': 'ثابت',
    'channel.voice': 'مكالمة',
    'channel.chat': 'دردشة',
    'channel.email': 'بريد إلكتروني',
    'channel.whatsapp': 'واتساب',
    'channel.sms': 'رسالة نصية',
    'channel.social': 'تواصل اجتماعي',
    'channel.branch': 'فرع',
    'error.generic': 'حدث خطأ ما.',
  },
};

/** @type {Lang} */
let current = 'en';

/** @param {unknown} value @returns {value is Lang} */
export function isLang(value) {
  return value === 'ar' || value === 'en';
}

/** @returns {Lang} */
export function lang() {
  return current;
}

/** The BCP 47 locale for Intl formatters. */
export function locale() {
  return current === 'ar' ? 'ar-SA' : 'en-GB';
}

/**
 * A label, with {name} placeholders filled; a key missing in a language falls back to
 * English, then to the key itself, so a gap never shows as blank.
 * @param {string} key
 * @param {Record<string, string | number>} [vars]
 */
export function t(key, vars) {
  const text = LABELS[current][key] ?? LABELS.en[key] ?? key;
  return vars ? text.replace(/\{(\w+)\}/g, (_m, name) => String(vars[name] ?? '')) : text;
}

/** Whether a key has a label (for optional keys such as away reasons). @param {string} key */
export function has(key) {
  return key in LABELS.en;
}

/**
 * Switches the UI language: <html lang/dir> and every element marked data-i18n.
 * @param {Lang} next
 */
export function setLang(next) {
  current = next;
  const root = document.documentElement;
  root.lang = next;
  root.dir = next === 'ar' ? 'rtl' : 'ltr';
  for (const el of document.querySelectorAll('[data-i18n]')) {
    const key = el.getAttribute('data-i18n');
    if (key) el.textContent = t(key);
  }
  for (const el of document.querySelectorAll('[data-i18n-placeholder]')) {
    const key = el.getAttribute('data-i18n-placeholder');
    if (key && el instanceof HTMLInputElement) el.placeholder = t(key);
  }
}
