// @ts-check
/**
 * The translate machinery both pages share; each page keeps its own labels. Every visible
 * label goes through t(); values from the server are shown as they are.
 */

/** @typedef {'ar' | 'en'} Lang */

/** @param {unknown} value @returns {value is Lang} */
export function isLang(value) {
  return value === 'ar' || value === 'en';
}

/** The language to start in: the one chosen before, else the browser's. @param {string | null} stored @returns {Lang} */
export function initialLang(stored) {
  if (isLang(stored)) return stored;
  return navigator.language.toLowerCase().startsWith('ar') ? 'ar' : 'en';
}

/** @param {Record<Lang, Record<string, string>>} labels */
export function createI18n(labels) {
  /** @type {Lang} */
  let current = 'en';

  /**
   * A label with {name} placeholders filled; a key missing in a language falls back to
   * English, then to the key itself, so a gap never shows as blank.
   * @param {string} key @param {Record<string, string | number>} [vars]
   */
  function t(key, vars) {
    const text = labels[current][key] ?? labels.en[key] ?? key;
    return vars ? text.replace(/\{(\w+)\}/g, (_m, name) => String(vars[name] ?? '')) : text;
  }

  return {
    t,
    /** @returns {Lang} */
    lang: () => current,
    /** The BCP 47 locale for Intl formatters (Arabic digits in Arabic). */
    locale: () => (current === 'ar' ? 'ar-SA' : 'en-GB'),
    /** Whether a key has a label (for optional keys such as away reasons or states). @param {string} key */
    has: (key) => key in labels.en,
    /** Switches <html lang/dir> and every element marked data-i18n / data-i18n-placeholder. @param {Lang} next */
    setLang(next) {
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
    },
  };
}
