// What the three report sections share: fetching a report through TanStack Query, its loading and failure states,
// a titled card, and a button that saves a report in another format.
import { keepPreviousData, useMutation, useQuery, type UseQueryResult } from '@tanstack/react-query';
import { Button, Card, Spin, Table, Typography, type TableColumnsType } from 'antd';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { api, apiBlob } from '../../api';
import { ProblemAlert } from '../../components/ProblemAlert';
import { saveBlob } from './download';

/** `/v1/reports/<report>?...`, leaving out the parameters not given. */
export const reportPath = (report: string, params: Record<string, string | undefined>): string => {
  const given = Object.entries(params).filter((entry): entry is [string, string] => entry[1] !== undefined);
  return `/v1/reports/${report}?${new URLSearchParams(given).toString()}`;
};

/** A report as JSON; while another period or grouping loads, the last one stays on screen. */
export const useReport = <T,>(path: string, enabled = true): UseQueryResult<T> =>
  useQuery({
    queryKey: ['reports', path],
    queryFn: ({ signal }) => api<T>('query', path, { signal }),
    enabled,
    placeholderData: keepPreviousData,
  });

/**
 * A category or channel in words; one the console does not know yet is shown as the service names it, and a missing
 * one as "(none)".
 */
export const useValueLabel = () => {
  const { t } = useTranslation('reports');
  return (kind: 'categories' | 'channels', value: string | null): string =>
    value === null ? t('none') : t(`${kind}.${value}`, { defaultValue: value });
};

/** The report once it has come, a spinner until then, the failure in words if it does not. */
export const Loaded = <T,>({ query, children }: { query: UseQueryResult<T>; children: (data: T) => ReactNode }) => {
  const { t } = useTranslation();
  if (query.isError) return <ProblemAlert error={query.error} onRetry={() => void query.refetch()} />;
  if (query.data === undefined)
    return (
      <div style={{ padding: 24, textAlign: 'center' }}>
        <Spin aria-label={t('loading')} />
      </div>
    );
  return <>{children(query.data)}</>;
};

export const ReportCard = ({ title, extra, children }: { title: string; extra?: ReactNode; children: ReactNode }) => (
  <section aria-label={title} style={{ marginBottom: 16 }}>
    <Card
      title={
        <Typography.Title level={3} style={{ fontSize: 17, margin: 0 }}>
          {title}
        </Typography.Title>
      }
      extra={extra}
      styles={{ header: { flexWrap: 'wrap', gap: 8, paddingBlock: 8 } }}
    >
      {children}
    </Card>
  </section>
);

/**
 * A table too wide for a narrow screen scrolls sideways inside a labelled box the keyboard can reach and scroll
 * (antd's own scrolling box takes no focus).
 */
export const WideTable = ({ label, children }: { label: string; children: ReactNode }) => (
  <div role="region" aria-label={label} tabIndex={0} style={{ overflowX: 'auto' }}>
    {children}
  </div>
);

/**
 * One of a report's tables: `empty` in its place when there are no rows (when given), and pages of `pageSize` rows
 * when there are more than that (when given).
 */
export const ReportTable = <Row extends object>({
  label,
  empty,
  rows,
  rowKey,
  pageSize,
  columns,
}: {
  label: string;
  empty?: string;
  rows: readonly Row[];
  rowKey: (row: Row) => string;
  pageSize?: number;
  columns: TableColumnsType<Row>;
}) => {
  if (empty !== undefined && rows.length === 0) return <Typography.Paragraph>{empty}</Typography.Paragraph>;
  return (
    <WideTable label={label}>
      <Table<Row>
        size="small"
        rowKey={rowKey}
        dataSource={[...rows]}
        pagination={pageSize !== undefined && rows.length > pageSize ? { pageSize, showSizeChanger: false } : false}
        columns={columns}
      />
    </WideTable>
  );
};

/** Fetches a report in the given format with the staff token (a plain link would carry none) and saves it. */
export const DownloadButton = ({
  path,
  accept,
  fileName,
  label,
}: {
  path: string;
  accept: string;
  fileName: string;
  label: string;
}) => {
  const download = useMutation({
    mutationFn: async () => saveBlob(await apiBlob('query', path, accept), fileName),
  });
  return (
    <div>
      <Button loading={download.isPending} onClick={() => download.mutate()}>
        {label}
      </Button>
      {download.isError && <ProblemAlert error={download.error} />}
    </div>
  );
};
