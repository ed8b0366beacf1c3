import { Typography } from 'antd';
import { useTranslation } from 'react-i18next';

export const ReportsPage = () => {
  const { t } = useTranslation('reports');
  return <Typography.Title level={2}>{t('title')}</Typography.Title>;
};
