import { Card, Descriptions, Space, Tag, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { StatusTag, TierTag } from '../../components/OrderTags';
import { SlaCountdown } from '../../components/SlaCountdown';
import { formatInstant } from '../../format';
import type { SlaTarget, WorkOrderSla } from '../../work-orders';
import type { OrderDetails } from './order-data';
import { useWords } from './use-words';

/** Who the order is with, where, why its tier, and everyone to keep informed (phones as the API masks them for this role). */
export const OrderHeader = ({ order }: { order: OrderDetails }) => {
  const { t } = useTranslation('order');
  const { locale } = useWords();
  const at = (iso: string | null | undefined) => formatInstant(iso, locale);
  const wordOr = (group: string, value: string | null | undefined) =>
    value ? t(`${group}.${value}`, { defaultValue: value }) : '—';
  return (
    <Card title={t('section.header')} size="small">
      <Descriptions size="small" column={{ xs: 1, sm: 2 }} bordered>
        <Descriptions.Item label={t('field.status')}>
          <StatusTag status={order.status} />
        </Descriptions.Item>
        <Descriptions.Item label={t('field.tier')}>
          <TierTag tier={order.tier} />
        </Descriptions.Item>
        <Descriptions.Item label={t('field.why')} span={{ xs: 1, sm: 2 }}>
          {order.triage ? `${order.triage.reason} (${order.triage.ruleId})` : '—'}
        </Descriptions.Item>
        <Descriptions.Item label={t('field.category')}>{order.category ?? '—'}</Descriptions.Item>
        <Descriptions.Item label={t('field.place')}>
          {[order.building, order.unit].filter(Boolean).join(' / ') || '—'}
        </Descriptions.Item>
        <Descriptions.Item label={t('field.channel')}>{wordOr('channel', order.channel)}</Descriptions.Item>
        <Descriptions.Item label={t('field.reportedAt')}>{at(order.reportedAt)}</Descriptions.Item>
        <Descriptions.Item label={t('field.description')} span={{ xs: 1, sm: 2 }}>
          {order.description}
        </Descriptions.Item>
        <Descriptions.Item label={t('field.owner')}>
          {order.owner ? `${order.owner.name} · ${t('since', { at: at(order.owner.since) })}` : '—'}
        </Descriptions.Item>
        <Descriptions.Item label={t('field.technician')}>
          {order.technician
            ? [order.technician.name, order.technician.teamId && t('team', { team: order.technician.teamId })]
                .filter(Boolean)
                .join(' · ')
            : '—'}
        </Descriptions.Item>
        <Descriptions.Item label={t('field.contacts')} span={{ xs: 1, sm: 2 }}>
          <Space orientation="vertical" size={0}>
            {order.contacts.map((contact, i) => (
              <span key={i}>
                {[contact.name, contact.phone].filter(Boolean).join(' ') || t('anonymous')} ·{' '}
                {t(`relation.${contact.relation}`)} · {at(contact.at)}
              </span>
            ))}
          </Space>
        </Descriptions.Item>
        {order.onHold && (
          <Descriptions.Item label={t('field.onHold')}>{wordOr('holdReason', order.onHold.reason)}</Descriptions.Item>
        )}
        {order.reopenCount > 0 && (
          <Descriptions.Item label={t('field.reopened')}>
            {t('reopenedTimes', { count: order.reopenCount })}
          </Descriptions.Item>
        )}
        {order.resolution && (
          <Descriptions.Item label={t('field.resolution')} span={{ xs: 1, sm: 2 }}>
            {order.resolution.notes}
          </Descriptions.Item>
        )}
      </Descriptions>
    </Card>
  );
};

const STATE_COLOURS: Readonly<Record<SlaTarget['state'], string>> = {
  running: 'blue',
  paused: 'default',
  met: 'green',
  breached: 'red',
  stopped: 'default',
};

const TargetClock = ({ target, startedAt }: { target: SlaTarget; startedAt: string }) => {
  const { t } = useTranslation('order');
  const { locale } = useWords();
  const ticking = target.state === 'running' || target.state === 'paused' || target.state === 'breached';
  return (
    <Space wrap size={4}>
      <Tag color={STATE_COLOURS[target.state]}>{t(`clock.state.${target.state}`)}</Tag>
      {ticking && target.remainingSeconds !== undefined && (
        <SlaCountdown
          target={target.target}
          startedAt={startedAt}
          dueAt={target.dueAt}
          breached={target.state === 'breached'}
          paused={target.state === 'paused'}
        />
      )}
      <Typography.Text>{t('clock.due', { at: formatInstant(target.dueAt, locale) })}</Typography.Text>
      {target.metAt && (
        <Typography.Text>
          {t('clock.metAt', {
            at: formatInstant(target.metAt, locale),
            verdict: t(target.onTime ? 'clock.onTime' : 'clock.late'),
          })}
        </Typography.Text>
      )}
      <Typography.Text type="secondary">
        {target.escalationLevel > 0
          ? `${t('clock.escalation', { level: target.escalationLevel })} · ${t(`level.${target.escalationLevel}`)}`
          : t('clock.noEscalation')}
      </Typography.Text>
    </Space>
  );
};

/** The response and resolution clocks: running, paused, met or breached, and how far each escalated. */
export const SlaClocks = ({ sla, reportedAt }: { sla: WorkOrderSla | undefined; reportedAt: string }) => {
  const { t } = useTranslation('order');
  const { locale } = useWords();
  return (
    <Card title={t('section.sla')} size="small">
      {sla && sla.targets.length > 0 ? (
        <Descriptions size="small" column={1}>
          {sla.targets.map((target) => (
            <Descriptions.Item key={target.target} label={t(`target.${target.target}`)}>
              <TargetClock target={target} startedAt={reportedAt} />
            </Descriptions.Item>
          ))}
          {(sla.pausedSince || sla.pausedSeconds > 0) && (
            <Descriptions.Item label={t('clock.state.paused')}>
              {sla.pausedSince
                ? t('clock.pausedSince', { at: formatInstant(sla.pausedSince, locale) })
                : t('clock.pausedFor', { minutes: Math.round(sla.pausedSeconds / 60) })}
            </Descriptions.Item>
          )}
        </Descriptions>
      ) : (
        <Typography.Text type="secondary">{t('clock.notSet')}</Typography.Text>
      )}
    </Card>
  );
};
