import { Typography } from 'antd';
import { useTranslation } from 'react-i18next';

export const AtRiskPage = () => {
  const { t } = useTranslation('at-risk');
  return <Typography.Title level={2}>{t('title')}</Typography.Title>;
};
