// Simplified Chinese and English. Each page keeps its words in its own messages.ts ({ en, zh }), loaded here as a
// namespace named by its folder; shared words are the 'common' namespace. Chinese is the default for zh browsers.
import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import common from './messages';

export type Language = 'zh' | 'en';
export interface Messages {
  readonly en: Record<string, unknown>;
  readonly zh: Record<string, unknown>;
}

const LANGUAGE_KEY = 'closeloop.language';

const pageMessages = import.meta.glob<{ default: Messages }>('./pages/*/messages.ts', { eager: true });
const namespaces: Record<string, Messages> = { common };
for (const [path, module] of Object.entries(pageMessages)) namespaces[path.split('/')[2]!] = module.default;

const resourcesIn = (language: Language) =>
  Object.fromEntries(Object.entries(namespaces).map(([namespace, messages]) => [namespace, messages[language]]));

/** The reader's chosen language, else `fallback` when given (the resident page: Chinese), else the browser's. */
export const initialLanguage = (fallback?: Language): Language => {
  const chosen = localStorage.getItem(LANGUAGE_KEY);
  if (chosen === 'zh' || chosen === 'en') return chosen;
  if (fallback) return fallback;
  return navigator.language.toLowerCase().startsWith('zh') ? 'zh' : 'en';
};

export const changeLanguage = async (language: Language): Promise<void> => {
  localStorage.setItem(LANGUAGE_KEY, language);
  document.documentElement.lang = language === 'zh' ? 'zh-CN' : 'en';
  await i18next.changeLanguage(language);
};

export const startI18n = async (fallback?: Language): Promise<void> => {
  const language = initialLanguage(fallback);
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
