import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { localeOf } from '../../i18n';
import type { Words } from './timeline-words';

/** The order page's words as the pure mapping reads them, in the language chosen now. */
export const useWords = (): Words => {
  const { t, i18n } = useTranslation('order');
  const language = i18n.language;
  return useMemo(
    () => ({
      t: (key: string, values?: Record<string, unknown>) => t(key, values ?? {}),
      exists: (key: string) => i18n.exists(`order:${key}`),
      locale: localeOf(language),
    }),
    [t, i18n, language],
  );
};
