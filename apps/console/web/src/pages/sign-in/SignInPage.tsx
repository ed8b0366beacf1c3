import { Typography } from 'antd';
import { useTranslation } from 'react-i18next';

export const SignInPage = () => {
  const { t } = useTranslation('sign-in');
  return <Typography.Title level={2}>{t('title')}</Typography.Title>;
};
