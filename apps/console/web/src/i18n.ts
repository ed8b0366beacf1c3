// Simplified Chinese and English, in i18next's own layout: locales/<language>/<namespace>.json, one namespace per page
// (named by the page's folder) and 'common' for the shared words, so a translator works on one language's files and
// locales.unit.spec.ts holds the two languages to the same keys. Chinese is the default for zh browsers.
import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';

export type Language = 'zh' | 'en';
type Words = Record<string, unknown>;

const LANGUAGE_KEY = 'closeloop.language';

const localeFiles = import.meta.glob<{ default: Words }>('./locales/*/*.json', { eager: true });

/** `{ common: {...}, board: {...}, ... }` of one language, from its folder. */
const resourcesIn = (language: Language): Record<string, Words> =>
  Object.fromEntries(
    Object.entries(localeFiles)
      .filter(([path]) => path.split('/')[2] === language)
      .map(([path, module]) => [path.split('/')[3]!.replace(/\.json$/, ''), module.default]),
  );

export const initialLanguage = (): Language => {
  const chosen = localStorage.getItem(LANGUAGE_KEY);
  if (chosen === 'zh' || chosen === 'en') return chosen;
  return navigator.language.toLowerCase().startsWith('zh') ? 'zh' : 'en';
};

export const changeLanguage = async (language: Language): Promise<void> => {
  localStorage.setItem(LANGUAGE_KEY, language);
  document.documentElement.lang = language === 'zh' ? 'zh-CN' : 'en';
  await i18next.changeLanguage(language);
};

export const startI18n = async (): Promise<void> => {
  const language = initialLanguage();
  document.documentElement.lang = language === 'zh' ? 'zh-CN' : 'en';
  await i18next.use(initReactI18next).init({
    lng: language,
    fallbackLng: 'en',
    defaultNS: 'common',
    resources: { en: resourcesIn('en'), zh: resourcesIn('zh') },
    interpolation: { escapeValue: false },
  });
};

/** The BCP 47 locale dates and numbers are written in. */
export const localeOf = (language: string): string => (language === 'zh' ? 'zh-CN' : 'en-GB');
