import { ForbiddenError } from '@closeloop/contracts';
import { hasRole, Principal } from '@closeloop/http';
import { WorkOrderState } from '@closeloop/work-order-domain';
import { WorkOrderActionName } from './work-order-actions';

/** What a technician may do; dispatchers, supervisors and admins run the queue and may do everything. */
const TECHNICIAN_ACTIONS: readonly WorkOrderActionName[] = [
  'acknowledge',
  'start',
  'hold',
  'resume',
  'resolve',
  'handover',
];

/** Orders nobody owns yet: fresh from triage, or waiting in the site's dispatcher queue. */
const UNOWNED_STATUSES: readonly WorkOrderState['status'][] = ['triaged', 'awaiting-dispatch'];

/**
 * Whether this staff member may take this action on an order of their site. Technicians work the orders they are
 * on; under first-response responsibility (首问负责制) the first of them to accept an order nobody owns becomes its
 * owner, and ownership moves only when its owner hands it over (or someone running the queue does).
 */
export const ensureMayAct = (
  caller: Principal,
  action: WorkOrderActionName,
  state: Exclude<WorkOrderState, { status: 'none' }>,
): void => {
  if (hasRole(caller, 'dispatcher', 'supervisor', 'admin')) return;
  if (!TECHNICIAN_ACTIONS.includes(action))
    throw new ForbiddenError(`Technicians may not ${action} an order`, 'ACTION_NOT_ALLOWED');
  const me = caller.kind === 'staff' ? caller.staffId : undefined;
  if (action === 'acknowledge' && state.owner === undefined && UNOWNED_STATUSES.includes(state.status)) return;
  if (action === 'handover') {
    if (state.owner?.staffId !== me)
      throw new ForbiddenError('Only the owner of an order hands it over; ask them, or a dispatcher', 'NOT_THE_OWNER');
    return;
  }
  if (state.technician?.staffId !== me && state.owner?.staffId !== me) {
    throw new ForbiddenError('Technicians act only on orders assigned to them', 'NOT_ASSIGNED_TO_YOU');
  }
};
