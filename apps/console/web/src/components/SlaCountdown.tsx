import { Tag } from 'antd';
import { useTranslation } from 'react-i18next';
import { formatCountdown } from '../format';
import { SLA_BAND_COLOURS, slaBandAt } from '../sla-bands';
import { useNow } from '../use-now';

/**
 * The time left to a deadline as a coloured, ticking tag; the colour says how much of the target has gone
 * (from `startedAt`), so a long target with an hour left is calmer than a short one with ten minutes.
 */
export const SlaCountdown = ({
  startedAt,
  dueAt,
  breached = false,
  paused = false,
  target,
}: {
  startedAt: string;
  dueAt: string;
  breached?: boolean;
  paused?: boolean;
  target: 'response' | 'resolution';
}) => {
  const { t } = useTranslation();
  const now = useNow();
  const due = Date.parse(dueAt);
  const band = slaBandAt(Date.parse(startedAt), due, now, breached);
  const left = Math.round((due - now) / 1000);
  const label = `${t(`sla.${target}`)} ${paused ? t('sla.paused') : formatCountdown(left)}`;
  return (
    <Tag color={paused ? 'default' : SLA_BAND_COLOURS[band]} aria-label={`${label} (${t(`sla.band.${band}`)})`}>
      {label}
    </Tag>
  );
};
