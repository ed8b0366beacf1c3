import { useQuery } from '@tanstack/react-query';
import { Space, Spin, Table, Tabs, Tag, Typography, type TableColumnsType } from 'antd';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { api } from '../../api';
import { StatusTag, TierTag } from '../../components/OrderTags';
import { ProblemAlert } from '../../components/ProblemAlert';
import { SlaCountdown } from '../../components/SlaCountdown';
import { useSession } from '../../session';
import { SLA_BAND_COLOURS, type SlaBand } from '../../sla-bands';
import { useSite } from '../../site';
import { useNow } from '../../use-now';
import { mayReadAlerts } from '../on-call/alerts';
import { LevelTag, RecipientName } from '../on-call/AlertTags';
import { REFRESH_MILLIS, useSiteAlerts } from '../on-call/use-alerts';
import {
  bandAt,
  BANDS_SHOWN,
  groupByBand,
  pagedByOrder,
  runningTargetOf,
  targetStartOf,
  type AtRiskItem,
  type PagedPerson,
} from './at-risk';

type Row = AtRiskItem & {
  readonly bandNow: SlaBand;
  readonly startedAt: number;
  readonly running: ReturnType<typeof runningTargetOf>;
  readonly paged: readonly PagedPerson[] | undefined;
};

const ALL_AT_RISK = 'all';

const PagedPeople = ({ people, siteId }: { people: readonly PagedPerson[] | undefined; siteId: string }) => {
  const { t } = useTranslation(['at-risk', 'on-call']);
  if (people === undefined) return <Typography.Text type="secondary">—</Typography.Text>;
  if (people.length === 0) return <Typography.Text type="secondary">{t('nobodyPaged')}</Typography.Text>;
  return (
    <Space size={[4, 4]} wrap>
      {people.map((person) => (
        <Tag key={person.staffId} color={person.acknowledged ? 'green' : undefined}>
          <RecipientName recipient={person} siteId={siteId} />
          {person.level !== null && ` · ${t('on-call:levelShort', { level: person.level })}`}
          {person.acknowledged && ` · ${t('acknowledgedBy')}`}
        </Tag>
      ))}
    </Space>
  );
};

export const AtRiskPage = () => {
  const { t } = useTranslation('at-risk');
  const [site] = useSite();
  const session = useSession();
  const now = useNow();
  const [tab, setTab] = useState<string>(ALL_AT_RISK);
  const atRisk = useQuery({
    queryKey: ['query', 'sla-at-risk', site],
    queryFn: ({ signal }) =>
      api<{ items: AtRiskItem[] }>('query', `/v1/sla/at-risk?site=${encodeURIComponent(site)}&limit=200`, { signal }),
    refetchInterval: REFRESH_MILLIS,
  });
  const alerts = useSiteAlerts(site);
  const paged = useMemo(() => (alerts.data ? pagedByOrder(alerts.data.alerts) : undefined), [alerts.data]);
  const answeredAt = atRisk.dataUpdatedAt;
  const rows: Row[] = (atRisk.data?.items ?? []).map((item) => ({
    ...item,
    bandNow: bandAt(item, answeredAt, now),
    startedAt: targetStartOf(item, answeredAt),
    running: runningTargetOf(item),
    paged: paged ? (paged.get(item.workOrderId) ?? []) : undefined,
  }));
  const groups = groupByBand(rows);
  const atRiskRows = rows.filter((row) => row.bandNow !== 'under-50');

  const columns: TableColumnsType<Row> = [
    {
      title: t('column.number'),
      dataIndex: 'number',
      render: (number: string, row) => (
        <Link to={{ pathname: `/orders/${row.workOrderId}`, search: `?site=${encodeURIComponent(site)}` }}>
          {number}
        </Link>
      ),
    },
    { title: t('column.tier'), key: 'tier', render: (_, row) => <TierTag tier={row.tier} /> },
    { title: t('column.status'), key: 'status', render: (_, row) => <StatusTag status={row.status} /> },
    {
      title: t('column.band'),
      key: 'band',
      render: (_, row) => <Tag color={SLA_BAND_COLOURS[row.bandNow]}>{t(`band.${row.bandNow}`)}</Tag>,
    },
    {
      title: t('column.countdown'),
      key: 'countdown',
      render: (_, row) => (
        <SlaCountdown
          target={row.running.target}
          startedAt={new Date(row.startedAt).toISOString()}
          dueAt={row.nextDueAt}
          breached={row.bandNow === 'breached'}
        />
      ),
    },
    {
      title: t('column.level'),
      key: 'level',
      render: (_, row) => <LevelTag level={row.running.escalationLevel} />,
    },
    ...(mayReadAlerts(session)
      ? [
          {
            title: t('column.paged'),
            key: 'paged',
            render: (_: unknown, row: Row) => <PagedPeople people={row.paged} siteId={site} />,
          },
        ]
      : []),
  ];

  const table = (data: readonly Row[]) => (
    <Table<Row>
      rowKey="workOrderId"
      size="small"
      columns={columns}
      dataSource={[...data]}
      pagination={false}
      scroll={{ x: 'max-content' }}
      locale={{ emptyText: t('empty') }}
    />
  );
  const label = (text: string, count: number) => t('count', { label: text, count });

  return (
    <>
      <Space direction="vertical" size="middle" style={{ width: '100%' }}>
        <Typography.Title level={2}>{t('title')}</Typography.Title>
        <Typography.Paragraph type="secondary">{t('intro')}</Typography.Paragraph>
        {!mayReadAlerts(session) && <Typography.Text type="secondary">{t('pagedHidden')}</Typography.Text>}
        {atRisk.isError && <ProblemAlert error={atRisk.error} onRetry={() => void atRisk.refetch()} />}
        {alerts.isError && <ProblemAlert error={alerts.error} onRetry={() => void alerts.refetch()} />}
        {atRisk.isPending ? (
          <Spin aria-label={t('common:loading')} />
        ) : (
          <Tabs
            aria-label={t('tabsLabel')}
            activeKey={tab}
            onChange={setTab}
            items={[
              { key: ALL_AT_RISK, label: label(t('allAtRisk'), atRiskRows.length), children: table(atRiskRows) },
              ...BANDS_SHOWN.map((band) => ({
                key: band,
                label: label(t(`band.${band}`), groups[band].length),
                children: table(groups[band]),
              })),
            ]}
          />
        )}
      </Space>
    </>
  );
};
