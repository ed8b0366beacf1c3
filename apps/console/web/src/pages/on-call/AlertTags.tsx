import { Tag } from 'antd';
import { useTranslation } from 'react-i18next';
import { dispatcherQueueOf, type AlertRecipient } from './alerts';

const LEVEL_COLOURS = ['default', 'orange', 'volcano', 'red'] as const;

/** An escalation level in words (1 site supervisor on call, 2 service manager, 3 operations head). */
export const LevelTag = ({ level }: { level: number | null }) => {
  const { t } = useTranslation('on-call');
  const shown = level ?? 0;
  return <Tag color={LEVEL_COLOURS[shown] ?? 'red'}>{t(`level.${shown}`)}</Tag>;
};

/** Whom an alert went to: a person by staff id, or the site's dispatcher queue in words. */
export const RecipientName = ({
  recipient,
  siteId,
}: {
  recipient: Pick<AlertRecipient, 'staffId'>;
  siteId: string;
}) => {
  const { t } = useTranslation('on-call');
  return <>{recipient.staffId === dispatcherQueueOf(siteId) ? t('dispatcherQueue') : recipient.staffId}</>;
};
