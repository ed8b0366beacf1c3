import { Badge, Flex, Spin, Tag, Typography } from 'antd';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ProblemAlert } from '../../components/ProblemAlert';
import { formatNumber } from '../../format';
import { localeOf } from '../../i18n';
import type { LiveState } from '../../live-orders';
import { useSite } from '../../site';
import type { Status } from '../../work-orders';
import { columnsOf, filterChoicesOf, type BoardColumn, type BoardFilters } from './board-columns';
import { BoardFilterBar } from './BoardFilterBar';
import { OrderCard } from './OrderCard';
import { COLUMN_LIMIT, useWorkOrders } from './use-board-orders';
import { VISUALLY_HIDDEN } from '../../components/visually-hidden';

const LIVE_BADGES: Readonly<Record<LiveState['state'], 'processing' | 'success' | 'warning' | 'error'>> = {
  connecting: 'processing',
  live: 'success',
  reconnecting: 'warning',
  refused: 'error',
};

/** Whether the board is following changes: a dot and a word, announced politely when it changes. */
const LiveIndicator = ({ live }: { live: LiveState }) => {
  const { t } = useTranslation('board');
  return (
    <span role="status">
      <Badge status={LIVE_BADGES[live.state]} text={t(`live.${live.state}`)} />
    </span>
  );
};

const Column = ({ column, truncated }: { column: BoardColumn; truncated: boolean }) => {
  const { t, i18n } = useTranslation('board');
  const { t: common } = useTranslation();
  const headingId = `board-column-${column.key}`;
  const count = column.orders.length;
  return (
    <section
      aria-labelledby={headingId}
      style={{
        flex: '1 0 180px',
        minWidth: 180,
        background: '#f0f2f5',
        borderRadius: 8,
        padding: 8,
        display: 'flex',
        flexDirection: 'column',
        gap: 8,
      }}
    >
      <Typography.Title level={3} id={headingId} style={{ fontSize: 14, margin: 0 }}>
        {common(`status.${column.key}`)}{' '}
        <Tag aria-hidden style={{ marginInlineStart: 4 }}>
          {formatNumber(count, localeOf(i18n.language))}
        </Tag>
        <span style={VISUALLY_HIDDEN}>{t('count', { count })}</span>
      </Typography.Title>
      {truncated && <Typography.Text>{t('truncated', { limit: COLUMN_LIMIT })}</Typography.Text>}
      {count === 0 ? (
        <Typography.Text>{t('empty')}</Typography.Text>
      ) : (
        <ul
          style={{
            listStyle: 'none',
            margin: 0,
            padding: 0,
            display: 'flex',
            flexDirection: 'column',
            gap: 8,
            overflowY: 'auto',
            maxHeight: 'calc(100vh - 250px)',
            minHeight: 160,
          }}
        >
          {column.orders.map((order) => (
            <li key={order.workOrderId}>
              <OrderCard order={order} />
            </li>
          ))}
        </ul>
      )}
    </section>
  );
};

export const BoardPage = () => {
  const { t, i18n } = useTranslation('board');
  const { t: common } = useTranslation();
  const [site] = useSite();
  const [filters, setFilters] = useState<BoardFilters>({});
  const { query, live } = useWorkOrders(site);
  const orders = useMemo(() => query.data?.orders ?? [], [query.data]);
  const columns = useMemo(() => columnsOf(orders, filters), [orders, filters]);
  const choices = useMemo(() => filterChoicesOf(orders), [orders]);
  const truncated = new Set<Status>(query.data?.truncated ?? []);
  const shown = columns.reduce((sum, column) => sum + column.orders.length, 0);
  const locale = localeOf(i18n.language);

  return (
    <Flex vertical gap={12}>
      <Flex align="center" gap={16} wrap>
        <Typography.Title level={2} style={{ margin: 0, fontSize: 20 }}>
          {t('title')} · {site}
        </Typography.Title>
        <LiveIndicator live={live} />
        {query.data && (
          <Typography.Text>
            {t('shown', { shown: formatNumber(shown, locale), total: formatNumber(orders.length, locale) })}
          </Typography.Text>
        )}
      </Flex>
      <BoardFilterBar filters={filters} choices={choices} onChange={setFilters} />
      {query.isError && <ProblemAlert error={query.error} onRetry={() => void query.refetch()} />}
      {live.state === 'refused' && !query.isError && <ProblemAlert error={live.problem} />}
      {query.isPending ? (
        <Spin tip={common('loading')}>
          <div style={{ minHeight: 160 }} />
        </Spin>
      ) : (
        query.data && (
          <div
            role="region"
            aria-label={t('columns')}
            tabIndex={0}
            // Positioned, so that what is drawn only for screen readers scrolls (and is clipped) with the columns.
            style={{
              position: 'relative',
              display: 'flex',
              gap: 8,
              overflowX: 'auto',
              paddingBottom: 8,
              alignItems: 'flex-start',
            }}
          >
            {columns.map((column) => (
              <Column
                key={column.key}
                column={column}
                truncated={column.statuses.some((status) => truncated.has(status))}
              />
            ))}
          </div>
        )
      )}
    </Flex>
  );
};
