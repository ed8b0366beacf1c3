import { Typography } from 'antd';
import { useTranslation } from 'react-i18next';

export const OnCallPage = () => {
  const { t } = useTranslation('on-call');
  return <Typography.Title level={2}>{t('title')}</Typography.Title>;
};
