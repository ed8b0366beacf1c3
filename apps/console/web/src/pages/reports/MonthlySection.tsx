import { useMutation } from '@tanstack/react-query';
import { Alert, Button, Modal, Space, Tag, Typography } from 'antd';
import { useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useLocation } from 'react-router-dom';
import { apiBlob } from '../../api';
import { ProblemAlert } from '../../components/ProblemAlert';
import { formatInstant } from '../../format';
import { localeOf } from '../../i18n';
import { openBlob } from './download';
import { downloadName, type Period } from './period';
import { DownloadButton, Loaded, ReportCard, reportPath, ReportTable, useReport, useValueLabel } from './report-parts';
import type { MissedTarget, MonthlyReport } from './report-shapes';

const MissedTargets = ({ report }: { report: MonthlyReport }) => {
  const { t, i18n } = useTranslation('reports');
  const { search } = useLocation();
  const locale = localeOf(i18n.language);
  const valueLabel = useValueLabel();
  return (
    <ReportTable<MissedTarget>
      label={t('monthly.missed')}
      empty={t('monthly.missedNone')}
      rows={report.missedTargets}
      rowKey={(m) => `${m.workOrderId}|${m.target}|${m.missedAt}`}
      pageSize={10}
      columns={[
        {
          key: 'number',
          title: t('monthly.number'),
          rowScope: 'row',
          render: (_, m) => <Link to={{ pathname: `/orders/${m.workOrderId}`, search }}>{m.number}</Link>,
        },
        { key: 'target', title: t('monthly.target'), render: (_, m) => t(`sla.${m.target}`, { ns: 'common' }) },
        { key: 'missedAt', title: t('monthly.missedAt'), render: (_, m) => formatInstant(m.missedAt, locale) },
        { key: 'category', title: t('category'), render: (_, m) => valueLabel('categories', m.category) },
        { key: 'building', title: t('building'), render: (_, m) => m.building ?? t('none') },
        { key: 'owner', title: t('monthly.owner'), render: (_, m) => m.owner ?? t('none') },
        { key: 'technician', title: t('monthly.technician'), render: (_, m) => m.technician ?? t('none') },
        { key: 'level', title: t('monthly.level'), dataIndex: 'escalationLevel', align: 'right' },
        {
          key: 'outcome',
          title: t('monthly.outcome'),
          render: (_, m) => <Tag>{t(`monthly.outcomes.${m.outcome}`)}</Tag>,
        },
      ]}
    />
  );
};

/** The service's printable page, shown in a frame with a Print button, or opened in a tab of its own. */
const PrintView = ({ path }: { path: string }) => {
  const { t } = useTranslation('reports');
  const frame = useRef<HTMLIFrameElement>(null);
  const [page, setPage] = useState<Blob | undefined>(undefined);
  const [html, setHtml] = useState<string | undefined>(undefined);
  const fetchPage = useMutation({
    mutationFn: () => apiBlob('query', path, 'text/html'),
    onSuccess: async (blob) => {
      setPage(blob);
      setHtml(await blob.text());
    },
  });
  return (
    <>
      <Button type="primary" loading={fetchPage.isPending} onClick={() => fetchPage.mutate()}>
        {t('monthly.printView')}
      </Button>
      {fetchPage.isError && <ProblemAlert error={fetchPage.error} />}
      <Modal
        open={html !== undefined}
        title={t('monthly.printView')}
        width="min(1000px, 96vw)"
        onCancel={() => setHtml(undefined)}
        footer={
          <Space wrap>
            <Button onClick={() => page && openBlob(page)}>{t('monthly.openInTab')}</Button>
            <Button onClick={() => setHtml(undefined)}>{t('monthly.close')}</Button>
            <Button type="primary" onClick={() => frame.current?.contentWindow?.print()}>
              {t('monthly.print')}
            </Button>
          </Space>
        }
      >
        <iframe
          ref={frame}
          title={t('monthly.title')}
          srcDoc={html}
          style={{ width: '100%', height: '70vh', border: '1px solid #d9d9d9' }}
        />
      </Modal>
    </>
  );
};

export const MonthlySection = ({ site, period }: { site: string; period: Period }) => {
  const { t } = useTranslation('reports');
  const month = period.kind === 'month' ? period.month : undefined;
  const path = reportPath('monthly', { site, month });
  const report = useReport<MonthlyReport>(path, month !== undefined);
  return (
    <ReportCard
      title={t('monthly.title')}
      extra={
        month && (
          <Space wrap align="start">
            <PrintView path={path} />
            <DownloadButton
              path={path}
              accept="application/pdf"
              fileName={downloadName('hotline-report', site, period, 'pdf')}
              label={t('monthly.pdf')}
            />
            <DownloadButton
              path={path}
              accept="text/csv"
              fileName={downloadName('hotline-report-missed-targets', site, period, 'csv')}
              label={t('monthly.csv')}
            />
          </Space>
        )
      }
    >
      {month === undefined ? (
        <Alert type="info" showIcon message={t('monthly.onlyMonths')} />
      ) : (
        <Loaded query={report}>
          {(data) => (
            <>
              <Typography.Title level={4} style={{ fontSize: 15 }}>
                {t('monthly.missed')}
              </Typography.Title>
              <MissedTargets report={data} />
            </>
          )}
        </Loaded>
      )}
    </ReportCard>
  );
};
