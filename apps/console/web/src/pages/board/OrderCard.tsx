import { Card, Flex, Tag, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { Link, useLocation } from 'react-router-dom';
import { TierTag } from '../../components/OrderTags';
import { SlaCountdown } from '../../components/SlaCountdown';
import { formatInstant } from '../../format';
import { localeOf } from '../../i18n';
import { runningDeadlineOf, type WorkOrder } from '../../work-orders';
import { useCategoryLabel } from './use-category-label';

/** The clock a card shows: when it was resolved once it is, else the time left to the deadline it is racing. */
const OrderClock = ({ order }: { order: WorkOrder }) => {
  const { t, i18n } = useTranslation('board');
  if (order.resolution)
    return (
      <Tag style={{ whiteSpace: 'normal' }}>
        {t('card.resolvedAt', { time: formatInstant(order.resolution.resolvedAt, localeOf(i18n.language)) })}
      </Tag>
    );
  const deadline = runningDeadlineOf(order);
  return deadline ? (
    <SlaCountdown
      startedAt={order.reportedAt}
      dueAt={deadline.dueAt}
      breached={deadline.breached}
      paused={order.status === 'on-hold'}
      target={deadline.target}
    />
  ) : (
    <Tag>{t('card.noSla')}</Tag>
  );
};

export const OrderCard = ({ order }: { order: WorkOrder }) => {
  const { t } = useTranslation('board');
  const categoryLabel = useCategoryLabel();
  const { search } = useLocation();
  const numberId = `order-${order.workOrderId}`;
  const place = [order.building, order.unit].filter((part) => part !== null).join(' ');
  return (
    <Card size="small" role="article" aria-labelledby={numberId} styles={{ body: { padding: 10 } }}>
      <Flex vertical gap={4}>
        <Flex justify="space-between" align="center" gap={4} wrap>
          <Link id={numberId} to={{ pathname: `/orders/${order.workOrderId}`, search }} style={{ fontWeight: 600 }}>
            {order.number}
          </Link>
          <span>
            {order.priorityLane && <Tag color="magenta">{t('card.priorityLane')}</Tag>}
            <TierTag tier={order.tier} />
          </span>
        </Flex>
        <Typography.Text ellipsis={{ tooltip: order.description }}>
          {order.category ? `${categoryLabel(order.category)} · ` : ''}
          {order.description}
        </Typography.Text>
        <Typography.Text>{place || t('card.noBuilding')}</Typography.Text>
        <Typography.Text>
          {order.owner ? t('card.owner', { name: order.owner.name }) : t('card.noOwner')}
        </Typography.Text>
        <div>
          <OrderClock order={order} />
        </div>
      </Flex>
    </Card>
  );
};
