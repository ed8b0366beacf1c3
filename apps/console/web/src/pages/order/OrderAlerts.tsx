import { Card, List, Space, Spin, Tag, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { ProblemAlert } from '../../components/ProblemAlert';
import { formatInstant } from '../../format';
import { alertEntryId, timelineEntryId } from './OrderTimeline';
import { useAlerts, useDeliveries, useShiftsPaged, type Alert, type Delivery, type OnCallShift } from './order-data';
import type { TimelineEvent } from './timeline-words';
import { useWords } from './use-words';

const STATUS_COLOURS: Readonly<Record<Alert['status'], string>> = {
  open: 'red',
  acknowledged: 'green',
  closed: 'default',
};

/** Who was paged and why: the on-call shift's rotation (or override) at the alert's level, the owner, or the queue. */
const Recipients = ({ alert, shift }: { alert: Alert; shift: OnCallShift | undefined | null }) => {
  const { t } = useTranslation('order');
  const schedule =
    shift === null
      ? t('alerts.noShift')
      : shift?.source === 'rotation'
        ? t('alerts.rotation', { id: shift.rotationId?.slice(0, 8) ?? '' })
        : shift && t('alerts.override');
  return (
    <Space orientation="vertical" size={0}>
      {alert.recipients.map((r) => (
        <span key={`${r.staffId}-${r.role}`}>
          {r.staffId} · {t(`recipientRole.${r.role}`, { defaultValue: r.role })}
          {r.role === 'on-call' && schedule && (
            <>
              {' · '}
              <Link to={`/on-call?site=${encodeURIComponent(alert.siteId)}`}>{schedule}</Link>
            </>
          )}
          {r.channels.length > 0 &&
            ` · ${r.channels.map((c) => t(`alertChannel.${c}`, { defaultValue: c })).join(t('listSeparator'))}`}
        </span>
      ))}
    </Space>
  );
};

const Deliveries = ({ deliveries }: { deliveries: readonly Delivery[] | undefined }) => {
  const { t } = useTranslation('order');
  if (!deliveries) return <Spin size="small" />;
  if (deliveries.length === 0) return <>—</>;
  return (
    <Space orientation="vertical" size={0}>
      {deliveries.map((d) => (
        <span key={`${d.staffId}-${d.channel}`}>
          {t('alerts.delivery', {
            staff: d.staffId,
            channel: t(`alertChannel.${d.channel}`, { defaultValue: d.channel }),
            status: t(`deliveryStatus.${d.status}`, { defaultValue: d.status }),
            round: d.round,
            attempts: d.attempts,
          })}
          {d.lastError ? ` — ${d.lastError}` : ''}
        </span>
      ))}
    </Space>
  );
};

/**
 * The order's alerts: kind, escalation level and target, whom each paged by which schedule, on which channels,
 * whether it got through, and who acknowledged it when; each links to the timeline event that caused it.
 */
export const OrderAlerts = ({
  workOrderId,
  allowed,
  timeline,
}: {
  workOrderId: string;
  /** Whether the signed-in person's roles may read alerts (on call, supervisors, dispatchers, admins). */
  allowed: boolean;
  timeline: readonly TimelineEvent[];
}) => {
  const { t } = useTranslation('order');
  const { locale } = useWords();
  const alerts = useAlerts(workOrderId, allowed);
  const list = alerts.data ?? [];
  const deliveries = useDeliveries(workOrderId, list);
  const shifts = useShiftsPaged(list);
  const causeOf = (alertId: string) =>
    timeline.find((e) => e.type.startsWith('closeloop.alert.raised.') && e.data['alertId'] === alertId)?.data[
      'causeEventId'
    ] as string | undefined;

  const body = !allowed ? (
    <Typography.Text type="secondary">{t('alerts.notAllowed')}</Typography.Text>
  ) : alerts.isError ? (
    <ProblemAlert error={alerts.error} onRetry={() => void alerts.refetch()} />
  ) : alerts.isPending ? (
    <Spin />
  ) : (
    <List
      dataSource={list}
      locale={{ emptyText: t('alerts.none') }}
      renderItem={(alert, i) => {
        const cause = causeOf(alert.alertId);
        const shift = shifts[i];
        return (
          <List.Item id={alertEntryId(alert.alertId)} style={{ display: 'block' }}>
            <Space wrap size={4}>
              <Tag color="purple">{t(`alertKind.${alert.kind}`)}</Tag>
              {alert.level !== null && (
                <Tag color="volcano">
                  {t('levelTag', { level: alert.level })} · {t(`level.${alert.level}`)}
                </Tag>
              )}
              {alert.target && <Tag>{t(`target.${alert.target}`)}</Tag>}
              <Tag color={STATUS_COLOURS[alert.status]}>{t(`alertStatus.${alert.status}`)}</Tag>
              <Typography.Text type="secondary">
                {t('alerts.raisedAt')} {formatInstant(alert.raisedAt, locale)}
              </Typography.Text>
              {cause && timeline.some((e) => e.eventId === cause) && (
                <a href={`#${timelineEntryId(cause)}`}>{t('alerts.cause')}</a>
              )}
            </Space>
            <Typography.Paragraph style={{ margin: '4px 0 0' }}>
              <Typography.Text strong>{t('alerts.recipients')}: </Typography.Text>
              <Recipients alert={alert} shift={shift?.isError ? null : shift?.data} />
            </Typography.Paragraph>
            {alert.acknowledgedBy && (
              <Typography.Paragraph style={{ margin: 0 }}>
                <Typography.Text strong>{t('alerts.acknowledged')}: </Typography.Text>
                {alert.acknowledgedBy.name} · {formatInstant(alert.acknowledgedAt, locale)}
              </Typography.Paragraph>
            )}
            <Typography.Paragraph style={{ margin: 0 }}>
              <Typography.Text strong>{t('alerts.deliveries')}: </Typography.Text>
              <Deliveries deliveries={deliveries[i]?.data} />
            </Typography.Paragraph>
          </List.Item>
        );
      }}
    />
  );
  return (
    <Card title={t('section.alerts')} size="small">
      {body}
    </Card>
  );
};
