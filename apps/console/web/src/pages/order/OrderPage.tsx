import { Alert, Button, Col, Row, Space, Spin, Tag, Typography } from 'antd';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useParams } from 'react-router-dom';
import { ApiProblem } from '../../api';
import { StatusTag, TierTag } from '../../components/OrderTags';
import { ProblemAlert } from '../../components/ProblemAlert';
import { hasRole, useSession } from '../../session';
import { OrderActionBar } from './OrderActionBar';
import { OrderAlerts } from './OrderAlerts';
import { streamVersionOf } from './order-actions';
import { useOrder, type ActionOutcome } from './order-data';
import { OrderHeader, SlaClocks } from './OrderSummary';
import { OrderTimeline } from './OrderTimeline';
import { DuplicatesAndFollowUps, ResidentFeedback } from './ResidentPanels';
import { staffNamesOf } from './timeline-words';

/**
 * One work order (`/orders/:id`, id = workOrderId): who has it and why, its SLA clocks, everything that happened
 * to it, the alerts it raised, the residents' calls and rating, and the actions the signed-in person may take.
 */
export const OrderPage = () => {
  const { id = '' } = useParams();
  const { t } = useTranslation('order');
  const { t: common } = useTranslation();
  const session = useSession();
  const [awaited, setAwaited] = useState<ActionOutcome>();
  const { order, sla, timeline, behind } = useOrder(id, awaited);
  const events = useMemo(() => timeline.data ?? [], [timeline.data]);
  const names = useMemo(() => {
    const known = new Map(staffNamesOf(events));
    if (order.data?.owner) known.set(order.data.owner.staffId, order.data.owner.name);
    if (order.data?.technician) known.set(order.data.technician.staffId, order.data.technician.name);
    return known;
  }, [events, order.data]);
  const reload = () => void Promise.all([order.refetch(), sla.refetch(), timeline.refetch()]);

  if (order.isError)
    return order.error instanceof ApiProblem && order.error.status === 404 ? (
      <Alert type="warning" showIcon message={t('notFound')} />
    ) : (
      <ProblemAlert error={order.error} onRetry={reload} />
    );
  if (!order.data) return <Spin aria-label={common('loading')} />;

  const seesAlerts = hasRole(session, 'on-call', 'supervisor', 'dispatcher', 'admin');
  const current = order.data;
  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <Space wrap align="center">
        <Typography.Title level={2} style={{ margin: 0 }}>
          {t('title', { number: current.number })}
        </Typography.Title>
        <StatusTag status={current.status} />
        <TierTag tier={current.tier} />
        {current.priorityLane && (
          <Tag color="magenta" title={t('priorityLaneWhy')}>
            {t('priorityLane')}
          </Tag>
        )}
        <Button loading={order.isFetching || behind} onClick={reload}>
          {t('refresh')}
        </Button>
      </Space>
      <Row gutter={[16, 16]}>
        <Col xs={24} xl={14}>
          <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
            <OrderHeader order={current} />
            <SlaClocks sla={sla.data} reportedAt={current.reportedAt} />
            <OrderActionBar
              order={current}
              version={streamVersionOf(events)}
              people={names}
              busy={behind || timeline.isPending}
              onDone={setAwaited}
            />
            <OrderAlerts workOrderId={current.workOrderId} allowed={seesAlerts} timeline={events} />
            <DuplicatesAndFollowUps timeline={events} />
            <ResidentFeedback order={current} timeline={events} />
          </Space>
        </Col>
        <Col xs={24} xl={10}>
          {timeline.isError ? (
            <ProblemAlert error={timeline.error} onRetry={() => void timeline.refetch()} />
          ) : (
            <OrderTimeline events={events} names={names} showAlertLinks={seesAlerts} />
          )}
        </Col>
      </Row>
    </Space>
  );
};
