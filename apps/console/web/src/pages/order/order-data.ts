// What the order page reads and does, through the console's proxy: the query service's order, SLA and timeline,
// the notification service's alerts (with deliveries and the on-call shift that was paged), and dispatch's actions.
import { useMutation, useQueries, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../api';
import type { Status, WorkOrder, WorkOrderSla } from '../../work-orders';
import { newIdempotencyKey, streamVersionOf, type OrderAction } from './order-actions';
import type { TimelineEvent } from './timeline-words';

/** The whole order as the query service answers it (docs/openapi.yaml: WorkOrder, generated). */
export type OrderDetails = WorkOrder;

export interface Alert {
  readonly alertId: string;
  readonly kind: 'escalation' | 'warning' | 'urgent-order';
  readonly siteId: string;
  readonly target: 'response' | 'resolution' | null;
  readonly level: number | null;
  readonly recipients: readonly { readonly staffId: string; readonly role: string; readonly channels: string[] }[];
  readonly status: 'open' | 'acknowledged' | 'closed';
  readonly raisedAt: string;
  readonly acknowledgedBy: { readonly staffId: string; readonly name: string } | null;
  readonly acknowledgedAt: string | null;
}

export interface Delivery {
  readonly staffId: string;
  readonly channel: string;
  readonly status: string;
  readonly round: number;
  readonly attempts: number;
  readonly lastError: string | null;
  readonly deliveredAt: string | null;
}

export interface OnCallShift {
  readonly staffId: string;
  readonly source: 'rotation' | 'override';
  readonly rotationId?: string;
}

const orderKey = (id: string) => ['order', id] as const;

/** What an action answered: the read side shows the order's new state a moment later (eventual consistency). */
export interface ActionOutcome {
  readonly status: Status;
  readonly version: number;
}

const CATCH_UP_MILLIS = 400;

/**
 * The order, its SLA clocks and its timeline. After an action they are read again every moment until the read
 * side has caught up with what dispatch answered (its status and version), so the page never shows the old state
 * as if the action had not happened.
 */
export const useOrder = (id: string, awaited: ActionOutcome | undefined) => {
  const path = `/v1/work-orders/${encodeURIComponent(id)}`;
  const client = useQueryClient();
  const seen = client.getQueryData<TimelineEvent[]>([...orderKey(id), 'timeline']);
  const seenStatus = client.getQueryData<OrderDetails>([...orderKey(id), 'view'])?.status;
  const behind =
    awaited !== undefined && (streamVersionOf(seen ?? []) < awaited.version || seenStatus !== awaited.status);
  const refetchInterval = behind ? CATCH_UP_MILLIS : false;
  const [order, sla, timeline] = useQueries({
    queries: [
      { queryKey: [...orderKey(id), 'view'], queryFn: () => api<OrderDetails>('query', path), refetchInterval },
      {
        queryKey: [...orderKey(id), 'sla'],
        queryFn: () => api<WorkOrderSla>('query', `${path}/sla`),
        refetchInterval,
      },
      {
        queryKey: [...orderKey(id), 'timeline'],
        queryFn: () => api<{ events: TimelineEvent[] }>('query', `${path}/timeline`).then((t) => t.events),
        refetchInterval,
      },
    ],
  });
  return { order, sla, timeline, behind };
};

/** The order's alerts, for the roles the notification service shows them to. */
export const useAlerts = (workOrderId: string, enabled: boolean) =>
  useQuery({
    queryKey: [...orderKey(workOrderId), 'alerts'],
    enabled,
    queryFn: () =>
      api<{ alerts: Alert[] }>('notification', `/v1/alerts?workOrderId=${encodeURIComponent(workOrderId)}`).then(
        (a) => a.alerts,
      ),
  });

/** Each alert's deliveries, per recipient and channel. */
export const useDeliveries = (workOrderId: string, alerts: readonly Alert[]) =>
  useQueries({
    queries: alerts.map((alert) => ({
      queryKey: [...orderKey(workOrderId), 'alert', alert.alertId],
      queryFn: () =>
        api<{ deliveries: Delivery[] }>('notification', `/v1/alerts/${alert.alertId}`).then((a) => a.deliveries),
    })),
  });

/**
 * Who was on call for the alert's site and level when it was raised, and by which rotation or override: the
 * schedule that decided whom it paged. Nobody on call (404) means it went to the dispatcher queue.
 */
export const useShiftsPaged = (alerts: readonly Alert[]) =>
  useQueries({
    queries: alerts.map((alert) => ({
      queryKey: ['on-call-shift', alert.siteId, alert.level, alert.raisedAt],
      enabled: alert.level !== null,
      staleTime: Infinity,
      retry: false,
      queryFn: () =>
        api<OnCallShift>(
          'notification',
          `/v1/on-call/now?${new URLSearchParams({
            siteId: alert.siteId,
            level: String(alert.level),
            at: alert.raisedAt,
          }).toString()}`,
        ),
    })),
  });

export interface ActionRequest {
  readonly action: OrderAction;
  readonly body: Record<string, unknown>;
  /** The order's version the person saw, sent as If-Match. */
  readonly version: number;
}

/** Takes an action with the version the page showed and a retry key; refreshes the order whatever the outcome. */
export const useOrderAction = (workOrderId: string) => {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ action, body, version }: ActionRequest) =>
      api<ActionOutcome>('dispatch', `/v1/work-orders/${encodeURIComponent(workOrderId)}/${action}`, {
        method: 'POST',
        body,
        headers: { 'if-match': `"${version}"`, 'idempotency-key': newIdempotencyKey() },
      }),
    onSettled: () => client.invalidateQueries({ queryKey: orderKey(workOrderId) }),
  });
};
