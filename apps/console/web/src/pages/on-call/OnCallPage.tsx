import { useMutation, useQueries, useQueryClient } from '@tanstack/react-query';
import {
  Alert as Notice,
  Button,
  Card,
  Descriptions,
  Space,
  Spin,
  Table,
  Tag,
  Typography,
  type TableColumnsType,
} from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { api, ApiProblem } from '../../api';
import { ProblemAlert } from '../../components/ProblemAlert';
import { formatCountdown, formatInstant } from '../../format';
import { localeOf } from '../../i18n';
import { useSession } from '../../session';
import { useSite } from '../../site';
import { useNow } from '../../use-now';
import type { WorkOrder } from '../../work-orders';
import {
  alertsInPlay,
  ESCALATION_LEVELS,
  mayAcknowledge,
  mayReadAlerts,
  orderIdsOf,
  type Alert,
  type AlertWithDeliveries,
  type OnCallShift,
} from './alerts';
import { LevelTag, RecipientName } from './AlertTags';
import { REFRESH_MILLIS, siteAlertsKey, useSiteAlerts } from './use-alerts';

/** Who is on call at each level now; a 404 means nobody is (the dispatcher queue is paged instead). */
const OnCallNow = ({ site }: { site: string }) => {
  const { t, i18n } = useTranslation('on-call');
  const locale = localeOf(i18n.language);
  const shifts = useQueries({
    queries: ESCALATION_LEVELS.map((level) => ({
      queryKey: ['notification', 'on-call-now', site, level],
      queryFn: async ({ signal }: { signal: AbortSignal }) => {
        try {
          return await api<OnCallShift>(
            'notification',
            `/v1/on-call/now?siteId=${encodeURIComponent(site)}&level=${level}`,
            { signal },
          );
        } catch (error) {
          if (error instanceof ApiProblem && error.status === 404) return null;
          throw error;
        }
      },
      refetchInterval: REFRESH_MILLIS,
    })),
  });
  return (
    <Card
      title={
        <Typography.Title level={3} style={{ margin: 0, fontSize: 16 }}>
          {t('onCallNow')}
        </Typography.Title>
      }
    >
      <Descriptions
        bordered
        size="small"
        column={1}
        items={ESCALATION_LEVELS.map((level, index) => {
          const shift = shifts[index];
          return {
            key: level,
            label: t(`level.${level}`),
            children: shift?.isPending ? (
              <Spin size="small" aria-label={t('common:loading')} />
            ) : shift?.isError ? (
              <ProblemAlert error={shift.error} onRetry={() => void shift.refetch()} />
            ) : shift?.data ? (
              <Space wrap>
                <Typography.Text strong>{shift.data.staffId}</Typography.Text>
                <Typography.Text type="secondary">
                  {t('shift', {
                    source: t(`source.${shift.data.source}`),
                    from: formatInstant(shift.data.from, locale),
                    to: formatInstant(shift.data.to, locale),
                  })}
                </Typography.Text>
              </Space>
            ) : (
              <Typography.Text type="secondary">{t('nobodyOnCall')}</Typography.Text>
            ),
          };
        })}
      />
    </Card>
  );
};

const Deliveries = ({ alert }: { alert: AlertWithDeliveries | undefined }) => {
  const { t } = useTranslation('on-call');
  if (!alert) return <Spin size="small" aria-label={t('common:loading')} />;
  if (alert.deliveries.length === 0) return <Typography.Text type="secondary">{t('noDeliveries')}</Typography.Text>;
  return (
    <Space direction="vertical" size={2}>
      {alert.deliveries.map((delivery) => (
        <Typography.Text key={`${delivery.staffId}/${delivery.channel}`}>
          <RecipientName recipient={delivery} siteId={alert.siteId} /> · {t(`channel.${delivery.channel}`)} ·{' '}
          {t(`delivery.${delivery.status}`, { defaultValue: delivery.status })}
        </Typography.Text>
      ))}
    </Space>
  );
};

export const OnCallPage = () => {
  const { t, i18n } = useTranslation('on-call');
  const locale = localeOf(i18n.language);
  const [site] = useSite();
  const session = useSession();
  const now = useNow();
  const queryClient = useQueryClient();
  const [acknowledgedNow, setAcknowledgedNow] = useState(false);
  const alerts = useSiteAlerts(site);
  const shown = alertsInPlay(alerts.data?.alerts ?? []);
  const details = useQueries({
    queries: shown.map((alert) => ({
      queryKey: ['notification', 'alert', alert.alertId, alert.status],
      queryFn: ({ signal }: { signal: AbortSignal }) =>
        api<AlertWithDeliveries>('notification', `/v1/alerts/${alert.alertId}`, { signal }),
      refetchInterval: REFRESH_MILLIS,
    })),
  });
  const orders = useQueries({
    queries: orderIdsOf(shown).map((id) => ({
      queryKey: ['query', 'work-order', id],
      queryFn: ({ signal }: { signal: AbortSignal }) => api<WorkOrder>('query', `/v1/work-orders/${id}`, { signal }),
      staleTime: Infinity,
    })),
  });
  const numberOf = (workOrderId: string) => orders.find((o) => o.data?.workOrderId === workOrderId)?.data?.number;
  const acknowledge = useMutation({
    mutationFn: (alertId: string) => api('notification', `/v1/alerts/${alertId}/ack`, { method: 'POST' }),
    onMutate: () => setAcknowledgedNow(false),
    onSuccess: async () => {
      setAcknowledgedNow(true);
      await queryClient.invalidateQueries({ queryKey: siteAlertsKey(site) });
    },
  });

  if (!mayReadAlerts(session))
    return (
      <>
        <Notice type="warning" showIcon message={t('common:forbidden')} />
      </>
    );

  const columns: TableColumnsType<Alert> = [
    {
      title: t('column.order'),
      key: 'order',
      render: (_, alert) => (
        <Link to={{ pathname: `/orders/${alert.workOrderId}`, search: `?site=${encodeURIComponent(site)}` }}>
          {numberOf(alert.workOrderId) ?? t('orderLoading')}
        </Link>
      ),
    },
    {
      title: t('column.kind'),
      key: 'kind',
      render: (_, alert) => (
        <>
          {t(`kind.${alert.kind}`)}
          {alert.target && <Typography.Text type="secondary"> · {t(`target.${alert.target}`)}</Typography.Text>}
        </>
      ),
    },
    { title: t('column.level'), key: 'level', render: (_, alert) => <LevelTag level={alert.level} /> },
    {
      title: t('column.recipients'),
      key: 'recipients',
      render: (_, alert) => (
        <Space size={[4, 4]} wrap>
          {alert.recipients.map((recipient) => (
            <Tag key={recipient.staffId}>
              <RecipientName recipient={recipient} siteId={alert.siteId} /> · {t(`role.${recipient.role}`)}
            </Tag>
          ))}
        </Space>
      ),
    },
    {
      title: t('column.deliveries'),
      key: 'deliveries',
      render: (_, alert) => <Deliveries alert={details.find((d) => d.data?.alertId === alert.alertId)?.data} />,
    },
    {
      title: t('column.age'),
      key: 'age',
      render: (_, alert) => formatCountdown(Math.max(0, (now - Date.parse(alert.raisedAt)) / 1000)),
    },
    {
      title: t('column.state'),
      key: 'state',
      render: (_, alert) =>
        alert.status === 'acknowledged' ? (
          <Tag color="green">
            {t('status.acknowledged', {
              name: alert.acknowledgedBy?.name ?? '—',
              at: formatInstant(alert.acknowledgedAt, locale),
            })}
          </Tag>
        ) : (
          <Tag color="red">{t('status.open')}</Tag>
        ),
    },
    {
      title: t('column.action'),
      key: 'action',
      render: (_, alert) =>
        mayAcknowledge(alert, session) && (
          <Button
            type="primary"
            loading={acknowledge.isPending && acknowledge.variables === alert.alertId}
            aria-label={t('acknowledgeLabel', {
              kind: t(`kind.${alert.kind}`),
              number: numberOf(alert.workOrderId) ?? alert.workOrderId,
            })}
            onClick={() => acknowledge.mutate(alert.alertId)}
          >
            {t('acknowledge')}
          </Button>
        ),
    },
  ];

  return (
    <>
      <Space direction="vertical" size="middle" style={{ width: '100%' }}>
        <Typography.Title level={2}>{t('title')}</Typography.Title>
        <Typography.Paragraph type="secondary">{t('refreshing')}</Typography.Paragraph>
        <OnCallNow site={site} />
        <Card
          title={
            <Typography.Title level={3} style={{ margin: 0, fontSize: 16 }}>
              {t('alerts')}
            </Typography.Title>
          }
        >
          <Space direction="vertical" style={{ width: '100%' }}>
            {acknowledge.isError && <ProblemAlert error={acknowledge.error} />}
            {acknowledgedNow && <Notice type="success" showIcon role="status" message={t('acknowledged')} />}
            {alerts.isError && <ProblemAlert error={alerts.error} onRetry={() => void alerts.refetch()} />}
            <Table<Alert>
              rowKey="alertId"
              size="small"
              loading={alerts.isPending}
              columns={columns}
              dataSource={shown}
              pagination={{ pageSize: 20, hideOnSinglePage: true }}
              scroll={{ x: 'max-content' }}
              locale={{ emptyText: t('noAlerts') }}
            />
          </Space>
        </Card>
      </Space>
    </>
  );
};
