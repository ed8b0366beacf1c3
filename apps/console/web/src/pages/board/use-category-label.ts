import { useCallback } from 'react';
import { useTranslation } from 'react-i18next';

/** A category in the reader's language when the board knows its name, else as triage wrote it. */
export const useCategoryLabel = (): ((category: string) => string) => {
  const { t } = useTranslation('board');
  return useCallback((category: string) => t(`category.${category}`, { defaultValue: category }), [t]);
};
