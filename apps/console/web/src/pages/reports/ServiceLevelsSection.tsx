import { Col, Row, Select, Space, Table, Typography } from 'antd';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { localeOf } from '../../i18n';
import { receivedClosedChart, satisfactionChart } from './chart-options';
import { figureRows, formatFigure, GROUP_FIGURES, type FigureRow } from './figures';
import { addDays, datesOf, downloadName, trendGroupingFor, type Period } from './period';
import { DownloadButton, Loaded, ReportCard, reportPath, ReportTable, useReport, useValueLabel } from './report-parts';
import { GROUPINGS, type Grouping, type ServiceLevelGroup, type ServiceLevelReport } from './report-shapes';
import { ReportChartView } from './ReportChartView';

/** A group's name: a tier in words, a time part by its dates, an attribute as the service gives it. */
const useGroupLabel = (grouping: Grouping) => {
  const { t } = useTranslation('reports');
  const valueLabel = useValueLabel();
  return (group: ServiceLevelGroup): string => {
    if (group.key === null) return t('none');
    if (grouping === 'category') return valueLabel('categories', group.key);
    if (grouping === 'channel') return valueLabel('channels', group.key);
    if (grouping === 'tier') return t(`tier.${group.key}`, { ns: 'common' });
    if (grouping === 'week' && group.from && group.to) return `${group.from} – ${addDays(group.to, -1)}`;
    return grouping === 'month' ? group.key.slice(0, 7) : group.key;
  };
};

const FiguresTable = ({ report }: { report: ServiceLevelReport }) => {
  const { t, i18n } = useTranslation('reports');
  const rows = figureRows(report.total, localeOf(i18n.language));
  return (
    <Table<FigureRow>
      size="small"
      rowKey="key"
      pagination={false}
      dataSource={rows}
      columns={[
        { title: t('figureColumn'), dataIndex: 'key', render: (key: string) => t(`figure.${key}`), rowScope: 'row' },
        { title: t('current'), dataIndex: 'current', align: 'right' },
        { title: t('previous'), dataIndex: 'previous', align: 'right' },
        { title: t('change'), dataIndex: 'change', align: 'right' },
      ]}
    />
  );
};

const GroupsTable = ({ report, grouping }: { report: ServiceLevelReport; grouping: Grouping }) => {
  const { t, i18n } = useTranslation('reports');
  const labelOf = useGroupLabel(grouping);
  const locale = localeOf(i18n.language);
  return (
    <ReportTable<ServiceLevelGroup>
      label={t('byGroup', { grouping: t(`grouping.${grouping}`) })}
      rows={report.groups}
      rowKey={(group) => `${group.key}`}
      pageSize={20}
      columns={[
        { key: 'group', title: t(`grouping.${grouping}`), render: (_, group) => labelOf(group), rowScope: 'row' },
        ...GROUP_FIGURES.map(({ key, kind, read }) => ({
          key,
          title: t(`figure.${key}`),
          align: 'right' as const,
          render: (_: unknown, group: ServiceLevelGroup) => formatFigure(kind, read(group.current), locale),
        })),
      ]}
    />
  );
};

const Charts = ({ site, period, report }: { site: string; period: Period; report: ServiceLevelReport }) => {
  const { t } = useTranslation('reports');
  const trendGrouping = trendGroupingFor(period);
  const trend = useReport<ServiceLevelReport>(
    reportPath('service-levels', { site, ...datesOf(period), groupBy: trendGrouping }),
  );
  const labelOf = useGroupLabel(trendGrouping);
  const part = t(`grouping.${trendGrouping}`);
  const distribution = report.total.current.satisfaction.distribution;
  const satisfaction = useMemo(
    () =>
      satisfactionChart(distribution, { rating: t('satisfaction'), count: t('ratings') }, (r) =>
        t('stars', { count: Number(r) }),
      ),
    [distribution, t],
  );
  return (
    <Row gutter={[16, 16]}>
      <Col span={24}>
        <Loaded query={trend}>
          {(data) => (
            <ReportChartView
              title={t('trend', { part })}
              chart={receivedClosedChart(
                data.groups,
                { part, received: t('receivedSeries'), closed: t('closedSeries') },
                labelOf,
              )}
            />
          )}
        </Loaded>
      </Col>
      <Col span={24}>
        <ReportChartView title={t('satisfaction')} chart={satisfaction} />
      </Col>
    </Row>
  );
};

export const ServiceLevelsSection = ({ site, period }: { site: string; period: Period }) => {
  const { t } = useTranslation('reports');
  const [grouping, setGrouping] = useState<Grouping>('tier');
  const path = reportPath('service-levels', { site, ...datesOf(period), groupBy: grouping });
  const report = useReport<ServiceLevelReport>(path);
  return (
    <ReportCard
      title={t('serviceLevels')}
      extra={
        <Space wrap>
          <Select<Grouping>
            aria-label={t('groupBy')}
            value={grouping}
            onChange={setGrouping}
            style={{ minWidth: 120 }}
            options={GROUPINGS.map((g) => ({ value: g, label: t(`grouping.${g}`) }))}
          />
          <DownloadButton
            path={path}
            accept="text/csv"
            fileName={downloadName(`service-levels-by-${grouping}`, site, period, 'csv')}
            label={t('csvOf', { what: t('serviceLevels') })}
          />
        </Space>
      }
    >
      <Loaded query={report}>
        {(data) => (
          <>
            <Typography.Paragraph>
              {t('period.compared', { from: data.previous.from, through: addDays(data.previous.to, -1) })}
            </Typography.Paragraph>
            <Row gutter={[16, 16]}>
              <Col xs={24} xl={10}>
                <FiguresTable report={data} />
              </Col>
              <Col xs={24} xl={14}>
                <Charts site={site} period={period} report={data} />
              </Col>
            </Row>
            <Typography.Title level={4} style={{ fontSize: 15, marginTop: 16 }}>
              {t('byGroup', { grouping: t(`grouping.${data.groupBy ?? grouping}`) })}
            </Typography.Title>
            <GroupsTable report={data} grouping={data.groupBy ?? grouping} />
          </>
        )}
      </Loaded>
    </ReportCard>
  );
};
