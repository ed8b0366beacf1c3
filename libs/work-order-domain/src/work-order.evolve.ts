import { EventTypes, WorkOrderEvent } from '@closeloop/contracts';
import { assertNever } from './work-order.decide';
import { OpenState, OrderFacts, WorkOrderState } from './work-order.state';

// ── Evolve ────────────────────────────────────────────────────────────────────────────────────────────────

export const evolve = (state: WorkOrderState, event: WorkOrderEvent): WorkOrderState => {
  if (event.type === EventTypes.WorkOrderReported) {
    if (state.status !== 'none') return state;
    const { workOrderId, number, siteId, building, category } = event.data;
    return {
      status: 'reported',
      workOrderId,
      number,
      siteId,
      building,
      category,
      reopenRounds: 0,
      contacts: 1,
      callbackRequested: false,
    };
  }
  if (state.status === 'none') return state;
  const facts = factsOf(state);
  switch (event.type) {
    case EventTypes.WorkOrderTriaged:
      return state.status === 'reported'
        ? { ...facts, status: 'triaged', tier: event.data.tier, category: event.data.category }
        : state;
    case EventTypes.WorkOrderQueuedForDispatch:
      return { ...facts, status: 'awaiting-dispatch' };
    case EventTypes.WorkOrderAssigned:
      // Dispatch names the owner, who is also the first technician.
      return { ...facts, status: 'assigned', owner: event.data.owner, technician: event.data.owner };
    case EventTypes.WorkOrderAcknowledged:
      return event.data.becameOwner
        ? { ...facts, status: 'acknowledged', owner: event.data.by, technician: event.data.by }
        : { ...facts, status: 'acknowledged' };
    case EventTypes.WorkStarted:
      return { ...facts, status: 'in-progress' };
    case EventTypes.WorkOrderPutOnHold:
      return { ...facts, status: 'on-hold', heldSince: event.data.heldAt };
    case EventTypes.WorkOrderResumed:
      return { ...facts, status: 'in-progress' };
    case EventTypes.WorkOrderResolved:
      return { ...facts, status: 'resolved' };
    case EventTypes.TechnicianReassigned:
      // The new technician has to acknowledge afresh; ownership is untouched.
      return { ...facts, status: 'assigned', technician: event.data.to };
    case EventTypes.OwnershipHandedOver:
      return { ...state, owner: event.data.to };
    case EventTypes.WorkOrderCancelled:
      return { ...facts, status: 'cancelled' };
    case EventTypes.ResolutionRejected:
      return state;
    case EventTypes.WorkOrderReopened:
      return { ...facts, status: 'assigned', reopenRounds: event.data.round, callbackRequested: false };
    case EventTypes.WorkOrderClosed:
      return { ...facts, status: 'closed', closedAt: event.data.closedAt };
    case EventTypes.FollowUpContactRecorded:
      return { ...state, contacts: event.data.contactNumber };
    case EventTypes.CallbackRequested:
      return { ...state, callbackRequested: true };
    case EventTypes.DuplicateReportLinked:
      return { ...state, contacts: event.data.contactNumber };
    case EventTypes.ResidentNoteAdded:
      return state;
    default:
      return assertNever(event);
  }
};

const factsOf = (state: OpenState): OrderFacts => ({
  workOrderId: state.workOrderId,
  number: state.number,
  siteId: state.siteId,
  building: state.building,
  category: state.category,
  tier: state.tier,
  owner: state.owner,
  technician: state.technician,
  reopenRounds: state.reopenRounds,
  contacts: state.contacts,
  callbackRequested: state.callbackRequested,
});
