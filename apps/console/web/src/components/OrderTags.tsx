import { Tag } from 'antd';
import { useTranslation } from 'react-i18next';
import type { Status, Tier } from '../work-orders';

const TIER_COLOURS: Readonly<Record<Tier, string>> = { urgent: 'red', normal: 'blue', planned: 'default' };

export const TierTag = ({ tier }: { tier: Tier | null }) => {
  const { t } = useTranslation();
  return tier ? <Tag color={TIER_COLOURS[tier]}>{t(`tier.${tier}`)}</Tag> : <Tag>{t('tier.none')}</Tag>;
};

export const StatusTag = ({ status }: { status: Status }) => {
  const { t } = useTranslation();
  return <Tag>{t(`status.${status}`)}</Tag>;
};
