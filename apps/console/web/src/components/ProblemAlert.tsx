import { Alert, Button } from 'antd';
import { useTranslation } from 'react-i18next';
import { ApiProblem } from '../api';

/**
 * A failed request in words: a problem code the console knows gets its sentence (common messages, `problem.<CODE>`),
 * any other the service's own detail; a failure to reach the service says so.
 */
export const ProblemAlert = ({ error, onRetry }: { error: unknown; onRetry?: () => void }) => {
  const { t, i18n } = useTranslation();
  const message =
    error instanceof ApiProblem
      ? error.code && i18n.exists(`problem.${error.code}`)
        ? t(`problem.${error.code}`)
        : t('failed', { message: error.detail ?? error.title })
      : t('unreachable');
  return (
    <Alert
      type="error"
      showIcon
      role="alert"
      message={message}
      action={onRetry && <Button onClick={onRetry}>{t('retry')}</Button>}
    />
  );
};
