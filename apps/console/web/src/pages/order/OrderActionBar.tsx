import { Alert, AutoComplete, Button, Card, Form, Input, Modal, Select, Space, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiProblem } from '../../api';
import { ProblemAlert } from '../../components/ProblemAlert';
import { useSession } from '../../session';
import type { Status } from '../../work-orders';
import { actionsFor, ActionsWithForm, bodyOf, type ActionForm, type OrderAction } from './order-actions';
import { useOrderAction, type ActionOutcome, type OrderDetails } from './order-data';

const HOLD_REASONS = ['waiting-on-resident', 'waiting-on-parts', 'waiting-on-access', 'other'] as const;
const CANCEL_REASONS = ['duplicate', 'invalid', 'withdrawn-by-resident', 'other'] as const;

/** A refusal in words: the order page's own sentence for dispatch's codes, else the console's common one. */
export const ActionProblem = ({ error }: { error: unknown }) => {
  const { t, i18n } = useTranslation('order');
  return error instanceof ApiProblem && error.code && i18n.exists(`order:problem.${error.code}`) ? (
    <Alert type="error" showIcon role="alert" message={t(`problem.${error.code}`)} />
  ) : (
    <ProblemAlert error={error} />
  );
};

const ReasonSelect = ({ name, reasons }: { name: 'holdReason' | 'cancelReason'; reasons: readonly string[] }) => {
  const { t } = useTranslation('order');
  return (
    <Form.Item name="reason" label={t('form.reason')} rules={[{ required: true, message: t('form.required') }]}>
      <Select options={reasons.map((value) => ({ value, label: t(`${name}.${value}`) }))} />
    </Form.Item>
  );
};

/** The fields each action's form asks for. */
const ActionFields = ({
  action,
  people,
}: {
  action: OrderAction;
  people: readonly { value: string; label: string }[];
}) => {
  const { t } = useTranslation('order');
  const required = [{ required: true, whitespace: true, message: t('form.required') }];
  const note = (
    <Form.Item name="note" label={t('form.note')}>
      <Input.TextArea rows={2} maxLength={1000} />
    </Form.Item>
  );
  const reason = (
    <Form.Item name="reason" label={t('form.reason')} rules={required}>
      <Input.TextArea rows={2} maxLength={1000} />
    </Form.Item>
  );
  switch (action) {
    case 'hold':
      return (
        <>
          <ReasonSelect name="holdReason" reasons={HOLD_REASONS} />
          {note}
        </>
      );
    case 'cancel':
      return (
        <>
          <ReasonSelect name="cancelReason" reasons={CANCEL_REASONS} />
          {note}
        </>
      );
    case 'resolve':
      return (
        <Form.Item name="notes" label={t('form.notes')} rules={required}>
          <Input.TextArea rows={3} maxLength={4000} />
        </Form.Item>
      );
    case 'reassign':
    case 'handover':
      return (
        <>
          <Form.Item name="toStaffId" label={t('form.to')} rules={required}>
            <AutoComplete options={[...people]} />
          </Form.Item>
          <Form.Item name="toName" label={t('form.toName')} rules={required}>
            <Input maxLength={100} />
          </Form.Item>
          {reason}
        </>
      );
    default:
      return reason;
  }
};

/**
 * The actions the signed-in person may take on the order now, as buttons; those that need a reason, notes or a
 * person open a form. Each result is shown: done (the page then reads the order again), or the refusal in words.
 */
export const OrderActionBar = ({
  order,
  version,
  people,
  busy,
  onDone,
}: {
  order: OrderDetails;
  /** The order's version the page shows, sent as If-Match. */
  version: number;
  /** Staff the timeline names, offered when a person is asked for. */
  people: ReadonlyMap<string, string>;
  busy: boolean;
  onDone: (outcome: ActionOutcome) => void;
}) => {
  const { t } = useTranslation('order');
  const { t: common } = useTranslation();
  const session = useSession();
  const run = useOrderAction(order.workOrderId);
  const [form] = Form.useForm<ActionForm>();
  const [open, setOpen] = useState<OrderAction>();
  const [done, setDone] = useState<{ action: OrderAction; status: Status }>();
  const actions = actionsFor(session, order);

  const take = (action: OrderAction, values: ActionForm) => {
    setDone(undefined);
    run.mutate(
      { action, body: bodyOf(action, values), version },
      {
        onSuccess: (outcome) => {
          setOpen(undefined);
          form.resetFields();
          setDone({ action, status: outcome.status });
          onDone(outcome);
        },
      },
    );
  };
  const press = (action: OrderAction) => {
    run.reset();
    if (ActionsWithForm.includes(action)) setOpen(action);
    else take(action, {});
  };
  const peopleOptions = [...people].map(([staffId, name]) => ({ value: staffId, label: `${name} (${staffId})` }));

  return (
    <Card title={t('section.actions')} size="small">
      <Space orientation="vertical" style={{ width: '100%' }}>
        {actions.length > 0 ? (
          <Space wrap>
            {actions.map((action) => (
              <Button
                key={action}
                type={action === actions[0] ? 'primary' : 'default'}
                danger={action === 'cancel'}
                loading={run.isPending && run.variables?.action === action}
                disabled={busy || run.isPending}
                onClick={() => press(action)}
              >
                {t(`action.${action}`)}
              </Button>
            ))}
          </Space>
        ) : (
          <Typography.Text type="secondary">{t('action.none')}</Typography.Text>
        )}
        {done && (
          <Alert
            type="success"
            showIcon
            role="status"
            message={t('action.done', { action: t(`action.${done.action}`), status: common(`status.${done.status}`) })}
          />
        )}
        {run.isError && !open && <ActionProblem error={run.error} />}
      </Space>
      <Modal
        open={open !== undefined}
        title={open && t(`action.${open}`)}
        okText={t('action.submit')}
        cancelText={t('action.close')}
        confirmLoading={run.isPending}
        onOk={() => form.submit()}
        onCancel={() => {
          setOpen(undefined);
          run.reset();
        }}
        destroyOnHidden
      >
        {open && (
          <Form form={form} layout="vertical" name={`order-${open}`} onFinish={(values) => take(open, values)}>
            <ActionFields action={open} people={peopleOptions} />
            {run.isError && <ActionProblem error={run.error} />}
          </Form>
        )}
      </Modal>
    </Card>
  );
};
