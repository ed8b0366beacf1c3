import { Typography } from 'antd';
import { useTranslation } from 'react-i18next';

export const OrderPage = () => {
  const { t } = useTranslation('order');
  return <Typography.Title level={2}>{t('title')}</Typography.Title>;
};
