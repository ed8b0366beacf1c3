import { Typography } from 'antd';
import { useTranslation } from 'react-i18next';

export const BoardPage = () => {
  const { t } = useTranslation('board');
  return <Typography.Title level={2}>{t('title')}</Typography.Title>;
};
