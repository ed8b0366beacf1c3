import { Col, Row, Space, Typography } from 'antd';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useLocation } from 'react-router-dom';
import { formatInstant } from '../../format';
import { localeOf } from '../../i18n';
import { hotSpotsChart, seasonalityChart, UNCATEGORISED } from './chart-options';
import { formatChange } from './figures';
import { datesOf, downloadName, type Period } from './period';
import { DownloadButton, Loaded, ReportCard, reportPath, ReportTable, useReport, useValueLabel } from './report-parts';
import type { HotSpotCell, HotSpotReport, RepeatComplaint, RepeatOrder } from './report-shapes';
import { ReportChartView } from './ReportChartView';

/** The cells the chart draws; the table below lists them all. */
const CHARTED_CELLS = 10;

/** An order's number, a link to its page when the report names its id. */
const OrderNumber = ({ order }: { order: RepeatOrder }) => {
  const { search } = useLocation();
  return order.workOrderId ? (
    <Link to={{ pathname: `/orders/${order.workOrderId}`, search }}>{order.number}</Link>
  ) : (
    <>{order.number}</>
  );
};

const HotSpotsTable = ({ cells }: { cells: readonly HotSpotCell[] }) => {
  const { t, i18n } = useTranslation('reports');
  const locale = localeOf(i18n.language);
  const valueLabel = useValueLabel();
  return (
    <ReportTable<HotSpotCell>
      label={t('hotSpotsChart')}
      empty={t('hotSpotsNone')}
      rows={cells}
      rowKey={(c) => `${c.category}|${c.building}`}
      pageSize={10}
      columns={[
        {
          key: 'category',
          title: t('category'),
          render: (_, c) => valueLabel('categories', c.category),
          rowScope: 'row',
        },
        { key: 'building', title: t('building'), render: (_, c) => c.building ?? t('none') },
        { key: 'received', title: t('receivedNow'), dataIndex: 'received', align: 'right' },
        { key: 'previous', title: t('receivedBefore'), dataIndex: 'previous', align: 'right' },
        {
          key: 'change',
          title: t('change'),
          align: 'right',
          render: (_, c) => formatChange('count', c.received, c.previous, locale),
        },
      ]}
    />
  );
};

const RepeatsTable = ({ repeats }: { repeats: readonly RepeatComplaint[] }) => {
  const { t, i18n } = useTranslation('reports');
  const locale = localeOf(i18n.language);
  const valueLabel = useValueLabel();
  return (
    <ReportTable<RepeatComplaint>
      label={t('repeats')}
      empty={t('repeatsNone')}
      rows={repeats}
      rowKey={(r) => r.later.number}
      columns={[
        { key: 'later', title: t('later'), render: (_, r) => <OrderNumber order={r.later} />, rowScope: 'row' },
        { key: 'reportedAt', title: t('reportedAt'), render: (_, r) => formatInstant(r.later.reportedAt, locale) },
        { key: 'building', title: t('building'), render: (_, r) => r.building ?? t('none') },
        { key: 'unit', title: t('unit'), dataIndex: 'unit' },
        { key: 'category', title: t('category'), render: (_, r) => valueLabel('categories', r.category) },
        { key: 'earlier', title: t('earlier'), render: (_, r) => <OrderNumber order={r.earlier} /> },
        { key: 'closedAt', title: t('closedAt'), render: (_, r) => formatInstant(r.earlier.closedAt, locale) },
        { key: 'days', title: t('daysAfterClose'), dataIndex: 'daysAfterClose', align: 'right' },
      ]}
    />
  );
};

const SubTitle = ({ children, extra }: { children: string; extra?: ReactNode }) => (
  <Space wrap style={{ width: '100%', justifyContent: 'space-between', marginTop: 16 }}>
    <Typography.Title level={4} style={{ fontSize: 15, margin: 0 }}>
      {children}
    </Typography.Title>
    {extra}
  </Space>
);

export const HotSpotsSection = ({ site, period }: { site: string; period: Period }) => {
  const { t } = useTranslation('reports');
  const path = reportPath('hot-spots', { site, ...datesOf(period) });
  const report = useReport<HotSpotReport>(path);
  const valueLabel = useValueLabel();
  const csv = (section: 'hotSpots' | 'repeats' | 'seasonality', what: string) => (
    <DownloadButton
      path={`${path}&section=${section}`}
      accept="text/csv"
      fileName={downloadName(`hot-spots-${section}`, site, period, 'csv')}
      label={t('csvOf', { what })}
    />
  );
  return (
    <ReportCard title={t('hotSpots')} extra={csv('hotSpots', t('hotSpots'))}>
      <Loaded query={report}>
        {(data) => (
          <>
            <Row gutter={[16, 16]}>
              <Col xs={24} xl={12}>
                <ReportChartView
                  title={t('hotSpotsChart')}
                  chart={hotSpotsChart(
                    data.hotSpots.slice(0, CHARTED_CELLS),
                    { cell: t('cell'), received: t('receivedNow'), previous: t('receivedBefore') },
                    (c) => `${valueLabel('categories', c.category)} · ${c.building ?? t('none')}`,
                  )}
                />
              </Col>
              <Col xs={24} xl={12}>
                <HotSpotsTable cells={data.hotSpots} />
              </Col>
            </Row>
            <SubTitle extra={csv('repeats', t('repeats'))}>{t('repeats')}</SubTitle>
            <RepeatsTable repeats={data.repeats} />
            <ReportChartView
              title={t('seasonality')}
              extra={csv('seasonality', t('seasonality'))}
              chart={seasonalityChart(data.seasonality, t('monthColumn'), (category) =>
                category === UNCATEGORISED ? t('uncategorised') : valueLabel('categories', category),
              )}
            />
          </>
        )}
      </Loaded>
    </ReportCard>
  );
};
