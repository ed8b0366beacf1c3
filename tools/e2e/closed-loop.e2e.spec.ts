import { randomUUID } from 'node:crypto';
import { EventTypes } from '@closeloop/contracts';
import { eventually } from '@closeloop/testing';
import { asStaff, get, orderInStatus, post, timelineWith, urls, testStackAround } from './test-stack';

const report = (description: string, overrides: Record<string, unknown> = {}) => ({
  siteId: 'S1',
  building: 'B3',
  unit: '1202',
  channel: 'phone',
  reporter: { name: 'Ms Lin', phone: '13812345678' },
  description,
  ...overrides,
});

/** Reports a burst pipe and waits until dispatch has named its owner; returns the order and that person. */
const assignedOrder = async (description: string) => {
  // A flat of its own per order, so the duplicate rule never joins two tests' reports.
  const accepted = await post(`${urls.intake}/v1/reports`, report(description, { unit: randomUUID().slice(0, 8) }));
  expect(accepted.status).toBe(202);
  const workOrderId = accepted.body['workOrderId'] as string;
  const order = await orderInStatus(workOrderId, 'assigned');
  const technician = order['technician'] as { staffId: string; name: string };
  return {
    workOrderId,
    number: accepted.body['number'] as string,
    technician,
    headers: await asStaff(technician.staffId, technician.name),
  };
};

const act = (
  workOrderId: string,
  action: string,
  headers: Record<string, string>,
  body: unknown = {},
  extra: Record<string, string> = {},
) => post(`${urls.dispatch}/v1/work-orders/${workOrderId}/${action}`, body, { ...headers, ...extra });

/** Reports a burst pipe at a site with no roster, where it waits in the dispatcher queue for someone to take it. */
const queuedOrder = async (description: string) => {
  const siteId = `Q${randomUUID().slice(0, 6)}`;
  const accepted = await post(`${urls.intake}/v1/reports`, report(description, { siteId }));
  expect(accepted.status).toBe(202);
  const workOrderId = accepted.body['workOrderId'] as string;
  await orderInStatus(workOrderId, 'awaiting-dispatch');
  const technicianOfSite = (staffId: string, name: string) => asStaff(staffId, name, ['technician'], [siteId]);
  return { workOrderId, siteId, technicianOfSite };
};

const dispatcherOfS1 = () => asStaff('s1-zhao-lei', 'Zhao Lei', ['dispatcher']);

describe('the closed loop through the running services: owned, worked, confirmed by the resident, closed or reopened', () => {
  testStackAround('e2e-loop');

  it('walks an order from report to the resident’s confirmed, rated closure, and the timeline tells it all', async () => {
    const { workOrderId, number, technician, headers } = await assignedOrder('Burst pipe under the kitchen sink');

    expect((await act(workOrderId, 'acknowledge', headers)).body['status']).toBe('acknowledged');
    expect((await act(workOrderId, 'start', headers)).body['status']).toBe('in-progress');
    const held = await act(workOrderId, 'hold', headers, { reason: 'waiting-on-parts', note: 'Valve on order' });
    expect(held.body['status']).toBe('on-hold');
    expect((await act(workOrderId, 'resume', headers)).body['status']).toBe('in-progress');
    const resolved = await act(workOrderId, 'resolve', headers, {
      notes: 'Replaced the valve and the flexible hose',
      photoRefs: ['photos/2026/11/valve.jpg'],
    });
    expect(resolved.status).toBe(200);
    expect(resolved.headers.get('etag')).toMatch(/^"\d+"$/);

    // The resident confirms by the number read to them on the phone.
    const confirmed = await post(`${urls.intake}/v1/work-orders/${number}/confirmation`, {
      rating: 5,
      comment: 'Fixed within the hour',
    });
    expect(confirmed.status).toBe(202);
    expect(confirmed.body['status']).toBe('closed');

    const closed = await orderInStatus(workOrderId, 'closed');
    expect(closed['closure']).toMatchObject({ outcome: 'confirmed', rating: 5, comment: 'Fixed within the hour' });
    expect(closed['owner']).toMatchObject({ staffId: technician.staffId });

    const timeline = await eventually('both SLA targets met on the timeline', async () => {
      const events = await timelineWith(workOrderId, [EventTypes.WorkOrderClosed]);
      return events.filter((e) => e.type === EventTypes.SlaTargetMet).length === 2 ? events : undefined;
    });
    // The SLA clocks answer the order's progress on their own stream: both targets met in time.
    expect(
      timeline.filter((e) => e.type === EventTypes.SlaTargetMet).map((e) => [e.data['target'], e.data['onTime']]),
    ).toEqual([
      ['response', true],
      ['resolution', true],
    ]);
    const work = timeline.filter((e) => e.type.startsWith('closeloop.workorder.'));
    expect(work.map((e) => e.type)).toEqual([
      EventTypes.WorkOrderReported,
      EventTypes.WorkOrderTriaged,
      EventTypes.WorkOrderAssigned,
      EventTypes.WorkOrderAcknowledged,
      EventTypes.WorkStarted,
      EventTypes.WorkOrderPutOnHold,
      EventTypes.WorkOrderResumed,
      EventTypes.WorkOrderResolved,
      EventTypes.WorkOrderClosed,
    ]);
    expect(timeline.find((e) => e.type === EventTypes.WorkStarted)?.actor).toBe(`staff:${technician.staffId}`);
    expect(timeline.find((e) => e.type === EventTypes.WorkOrderClosed)?.actor).toBe(
      'resident:via:integrator:e2e-hotline',
    );
  });

  it('reopens an order the resident says is not fixed, and closes it on the second round', async () => {
    const { workOrderId, headers } = await assignedOrder('Corridor light out on floor 12, burst fitting nearby');
    for (const step of ['acknowledge', 'start']) await act(workOrderId, step, headers);
    await act(workOrderId, 'resolve', headers, { notes: 'Tightened the fitting' });

    const rejected = await post(`${urls.intake}/v1/work-orders/${workOrderId}/rejection`, {
      comment: 'Still dripping this morning',
    });
    expect(rejected.status).toBe(202);
    expect(rejected.body['status']).toBe('assigned');

    // The read side showed 'assigned' before the first round too: wait for the reopen itself.
    await timelineWith(workOrderId, [EventTypes.WorkOrderReopened]);
    const reopened = await orderInStatus(workOrderId, 'assigned');
    expect(reopened['reopenCount']).toBe(1);
    for (const step of ['acknowledge', 'start']) expect((await act(workOrderId, step, headers)).status).toBe(200);
    await act(workOrderId, 'resolve', headers, { notes: 'Replaced the fitting' });
    await post(`${urls.intake}/v1/work-orders/${workOrderId}/confirmation`, { rating: 4 });

    const timeline = await timelineWith(workOrderId, [EventTypes.WorkOrderClosed]);
    const types = timeline.map((e) => e.type);
    expect(types.filter((t) => t === EventTypes.WorkOrderResolved)).toHaveLength(2);
    expect(types.indexOf(EventTypes.ResolutionRejected)).toBe(types.indexOf(EventTypes.WorkOrderReopened) - 1);
    expect(timeline.find((e) => e.type === EventTypes.WorkOrderReopened)?.data).toMatchObject({
      trigger: 'resident-rejected',
      round: 1,
      reason: 'Still dripping this morning',
    });
  });

  it('answers an illegal action with 409 naming the status and the allowed actions', async () => {
    const { workOrderId, headers } = await assignedOrder('Burst pipe in the bike store');
    const early = await act(workOrderId, 'resolve', headers, { notes: 'too soon' });
    expect(early.status).toBe(409);
    expect(early.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(early.body).toMatchObject({ code: 'ILLEGAL_TRANSITION', currentStatus: 'assigned' });
    expect(early.body['allowedCommands']).toEqual(
      expect.arrayContaining(['acknowledge', 'reassign', 'handover', 'cancel']),
    );

    const stranger = await act(workOrderId, 'acknowledge', await asStaff('s1-zhao-lei', 'Zhao Lei'));
    expect(stranger.status).toBe(403);
    expect(stranger.body['code']).toBe('NOT_ASSIGNED_TO_YOU');

    const tooEarly = await post(`${urls.intake}/v1/work-orders/${workOrderId}/confirmation`, { rating: 5 });
    expect(tooEarly.status).toBe(409);
    // A resident may call again or leave a note (by their status link, ADR 26) before the work is done.
    expect(tooEarly.body).toMatchObject({ currentStatus: 'assigned', allowedCommands: ['follow-up', 'note'] });

    const badBody = await act(workOrderId, 'hold', headers, { reason: 'lunch' });
    expect(badBody.status).toBe(422);
    const noStaff = await act(workOrderId, 'acknowledge', { authorization: '' });
    expect(noStaff.status).toBe(401);
    expect((await act(randomUUID(), 'acknowledge', headers)).status).toBe(404);
    expect((await act(workOrderId, 'teleport', headers)).status).toBe(404);
  });

  it('lets exactly one of two concurrent starts win; the other gets 409 and the timeline shows one start', async () => {
    const { workOrderId, headers } = await assignedOrder('Burst pipe in the plant room');
    await act(workOrderId, 'acknowledge', headers);
    const [a, b] = await Promise.all([act(workOrderId, 'start', headers), act(workOrderId, 'start', headers)]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);

    const stale = await act(workOrderId, 'hold', headers, { reason: 'waiting-on-access' }, { 'if-match': '"1"' });
    expect(stale.status).toBe(409);
    expect(stale.body['code']).toBe('STREAM_VERSION_CONFLICT');

    await act(workOrderId, 'resolve', headers, { notes: 'Done' });
    const timeline = await timelineWith(workOrderId, [EventTypes.WorkOrderResolved]);
    expect(timeline.filter((e) => e.type === EventTypes.WorkStarted)).toHaveLength(1);
    expect(timeline.filter((e) => e.type === EventTypes.WorkOrderPutOnHold)).toHaveLength(0);
  });

  it('changes nothing when a command is retried with the same Idempotency-Key', async () => {
    const { workOrderId, headers } = await assignedOrder('Burst pipe by the lift lobby');
    const key = { 'idempotency-key': `tablet-${randomUUID()}` };
    const first = await act(workOrderId, 'acknowledge', headers, {}, key);
    const retry = await act(workOrderId, 'acknowledge', headers, {}, key);
    expect(first.status).toBe(200);
    expect(retry.status).toBe(200);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.body['events']).toEqual(first.body['events']);

    const followUpKey = { 'idempotency-key': `ivr-${randomUUID()}` };
    await post(
      `${urls.intake}/v1/work-orders/${workOrderId}/follow-ups`,
      { channel: 'phone', note: 'Where is the plumber?' },
      followUpKey,
    );
    await post(
      `${urls.intake}/v1/work-orders/${workOrderId}/follow-ups`,
      { channel: 'phone', note: 'Where is the plumber?' },
      followUpKey,
    );
    const timeline = await timelineWith(workOrderId, [EventTypes.FollowUpContactRecorded]);
    expect(timeline.filter((e) => e.type === EventTypes.WorkOrderAcknowledged)).toHaveLength(1);
    expect(timeline.filter((e) => e.type === EventTypes.FollowUpContactRecorded)).toHaveLength(1);
    const order = await get(`${urls.query}/v1/work-orders/${workOrderId}`);
    expect(order.body['contactCount']).toBe(2);
  });

  it('lets the first technician of the site who accepts an order from the dispatcher queue own it; others still may not work it', async () => {
    const { workOrderId, technicianOfSite } = await queuedOrder('Burst pipe in the boiler room');
    const first = await technicianOfSite('q-chen-bo', 'Chen Bo');
    const second = await technicianOfSite('q-he-min', 'He Min');

    expect((await act(workOrderId, 'start', first)).body['code']).toBe('NOT_ASSIGNED_TO_YOU');
    const taken = await act(workOrderId, 'acknowledge', first);
    expect([taken.status, taken.body['status']]).toEqual([200, 'acknowledged']);
    expect(taken.body['events']).toEqual([
      expect.objectContaining({
        type: EventTypes.WorkOrderAcknowledged,
        data: expect.objectContaining({ becameOwner: true }),
      }),
    ]);

    const late = await act(workOrderId, 'acknowledge', second);
    expect([late.status, late.body['code']]).toEqual([403, 'NOT_ASSIGNED_TO_YOU']);
    expect((await act(workOrderId, 'start', second)).status).toBe(403);
    expect((await act(workOrderId, 'start', first)).status).toBe(200);

    const order = await orderInStatus(workOrderId, 'in-progress');
    expect(order['owner']).toMatchObject({ staffId: 'q-chen-bo' });
    expect(order['technician']).toMatchObject({ staffId: 'q-chen-bo' });
    expect(order['dispatchQueueId']).toBeNull();
  });

  it('moves ownership only by its owner: a reassigned technician who is not the owner may not hand it over', async () => {
    const {
      workOrderId,
      technician: owner,
      headers: ownerHeaders,
    } = await assignedOrder('Burst pipe behind the laundry');
    const sunYu = { staffId: 's1-sun-yu', name: 'Sun Yu' };
    const reassigned = await act(workOrderId, 'reassign', await dispatcherOfS1(), {
      to: sunYu,
      reason: `${owner.name} is called to a lift entrapment`,
    });
    expect([reassigned.status, reassigned.body['status']]).toEqual([200, 'assigned']);

    const asSunYu = await asStaff(sunYu.staffId, sunYu.name);
    const grab = await act(workOrderId, 'handover', asSunYu, { to: sunYu, reason: 'I am doing the work anyway' });
    expect(grab.status).toBe(403);
    expect(grab.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(grab.body['code']).toBe('NOT_THE_OWNER');
    expect((await act(workOrderId, 'acknowledge', asSunYu)).status).toBe(200);
    expect(
      (await act(workOrderId, 'handover', ownerHeaders, { to: sunYu, reason: 'Sun Yu sees it through' })).status,
    ).toBe(200);

    const timeline = await timelineWith(workOrderId, [EventTypes.TechnicianReassigned, EventTypes.OwnershipHandedOver]);
    expect(timeline.find((e) => e.type === EventTypes.TechnicianReassigned)).toMatchObject({
      actor: 'staff:s1-zhao-lei',
      data: { from: { staffId: owner.staffId }, to: sunYu, reason: `${owner.name} is called to a lift entrapment` },
    });
    expect(timeline.filter((e) => e.type === EventTypes.OwnershipHandedOver)).toEqual([
      expect.objectContaining({
        actor: `staff:${owner.staffId}`,
        data: expect.objectContaining({ reason: 'Sun Yu sees it through' }),
      }),
    ]);
  });

  it('reopens a closed order when staff ask within the window, for another round', async () => {
    const { workOrderId, number, headers } = await assignedOrder('Burst pipe in the car park sump');
    for (const step of ['acknowledge', 'start']) await act(workOrderId, step, headers);
    await act(workOrderId, 'resolve', headers, { notes: 'Cleared the sump pump' });
    await post(`${urls.intake}/v1/work-orders/${number}/confirmation`, { rating: 4 });
    await orderInStatus(workOrderId, 'closed');

    const reopened = await act(workOrderId, 'reopen', await dispatcherOfS1(), {
      reason: 'Sump flooded again overnight',
    });
    expect([reopened.status, reopened.body['status']]).toEqual([200, 'assigned']);
    const order = await orderInStatus(workOrderId, 'assigned');
    expect(order).toMatchObject({ reopenCount: 1, closure: null, resolution: null });
    const timeline = await timelineWith(workOrderId, [EventTypes.WorkOrderReopened]);
    expect(timeline.find((e) => e.type === EventTypes.WorkOrderReopened)).toMatchObject({
      actor: 'staff:s1-zhao-lei',
      data: { trigger: 'staff', round: 1, reason: 'Sump flooded again overnight' },
    });
  });

  it('lets exactly one of two different conflicting commands win: resolve and cancel sent at once', async () => {
    const { workOrderId, headers } = await assignedOrder('Burst pipe in the sprinkler riser');
    for (const step of ['acknowledge', 'start']) await act(workOrderId, step, headers);
    const dispatcher = await dispatcherOfS1();

    const [resolved, cancelled] = await Promise.all([
      act(workOrderId, 'resolve', headers, { notes: 'Replaced the riser coupling' }),
      act(workOrderId, 'cancel', dispatcher, { reason: 'duplicate', note: 'Reported twice by the front desk' }),
    ]);

    expect([resolved.status, cancelled.status].sort()).toEqual([200, 409]);
    const loser = resolved.status === 409 ? resolved : cancelled;
    expect(loser.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(loser.body).toMatchObject({
      code: 'ILLEGAL_TRANSITION',
      currentStatus: resolved.status === 200 ? 'resolved' : 'cancelled',
    });
    const winner = resolved.status === 200 ? EventTypes.WorkOrderResolved : EventTypes.WorkOrderCancelled;
    const timeline = await timelineWith(workOrderId, [winner]);
    expect(
      timeline
        .filter((e) => e.type === EventTypes.WorkOrderResolved || e.type === EventTypes.WorkOrderCancelled)
        .map((e) => e.type),
    ).toEqual([winner]);
    await orderInStatus(workOrderId, resolved.status === 200 ? 'resolved' : 'cancelled');
  });

  it('refuses an Idempotency-Key sent again with a different action or different feedback, and records nothing for it', async () => {
    const { workOrderId, headers } = await assignedOrder('Burst pipe by the bin store');
    const key = { 'idempotency-key': `tablet-${randomUUID()}` };
    expect((await act(workOrderId, 'acknowledge', headers, {}, key)).status).toBe(200);

    const reused = await act(workOrderId, 'start', headers, {}, key);
    expect(reused.status).toBe(409);
    expect(reused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(reused.body['code']).toBe('IDEMPOTENCY_KEY_REUSED');
    const retried = await act(workOrderId, 'acknowledge', headers, {}, key);
    expect([retried.status, retried.headers.get('idempotent-replayed')]).toEqual([200, 'true']);

    const followUpKey = { 'idempotency-key': `ivr-${randomUUID()}` };
    expect(
      (
        await post(
          `${urls.intake}/v1/work-orders/${workOrderId}/follow-ups`,
          { channel: 'phone', note: 'Where is the plumber?' },
          followUpKey,
        )
      ).status,
    ).toBe(202);
    const otherFeedback = await post(
      `${urls.intake}/v1/work-orders/${workOrderId}/follow-ups`,
      { channel: 'phone', note: 'The water is off now' },
      followUpKey,
    );
    expect([otherFeedback.status, otherFeedback.body['code']]).toEqual([409, 'IDEMPOTENCY_KEY_REUSED']);

    // Started without the key, so the timeline ends with the start: nothing was recorded for the refused requests.
    await act(workOrderId, 'start', headers);
    const timeline = await timelineWith(workOrderId, [EventTypes.WorkStarted]);
    expect(timeline.filter((e) => e.type === EventTypes.WorkStarted)).toHaveLength(1);
    expect(timeline.filter((e) => e.type === EventTypes.FollowUpContactRecorded).map((e) => e.data['note'])).toEqual([
      'Where is the plumber?',
    ]);
  });

  it('hands ownership over explicitly, keeping the technician, and filters orders by owner', async () => {
    const { workOrderId, headers, technician } = await assignedOrder('Burst pipe behind the gym');
    const handedOver = await act(workOrderId, 'handover', headers, {
      to: { staffId: 's1-zhao-lei', name: 'Zhao Lei' },
      reason: 'Going on leave',
    });
    expect(handedOver.status).toBe(200);
    await timelineWith(workOrderId, [EventTypes.OwnershipHandedOver]);
    const order = await get(`${urls.query}/v1/work-orders/${workOrderId}`);
    expect(order.body['owner']).toMatchObject({ staffId: 's1-zhao-lei' });
    expect(order.body['technician']).toMatchObject({ staffId: technician.staffId });
    const owned = await get(`${urls.query}/v1/work-orders?owner=s1-zhao-lei&tier=urgent`);
    expect((owned.body['items'] as { workOrderId: string }[]).map((o) => o.workOrderId)).toContain(workOrderId);
  });
});

describe('a second report of the same problem joins the open order', () => {
  testStackAround('e2e-dupes');

  it('links the neighbour’s report to the first order, counts the contact, and explains the link on the timeline', async () => {
    const first = await post(
      `${urls.intake}/v1/reports`,
      report('Water leaking from the bathroom ceiling onto the floor', { building: 'B7', unit: '0802' }),
    );
    const firstId = first.body['workOrderId'] as string;
    await orderInStatus(firstId, 'assigned');

    const second = await post(
      `${urls.intake}/v1/reports`,
      report('Leaking water from our bathroom ceiling', {
        building: 'B7',
        unit: '0802',
        channel: 'wechat',
        reporter: { name: 'Mr Lin', phone: '13900002222' },
      }),
    );
    expect(second.status).toBe(202);
    expect(second.body['workOrderId']).toBe(firstId);
    expect(second.body['number']).toBe(first.body['number']);
    expect(second.body['linkedAsDuplicate']).toMatchObject({
      reason: expect.stringContaining('building B7, unit 0802'),
    });

    const elsewhere = await post(
      `${urls.intake}/v1/reports`,
      report('Water leaking from the bathroom ceiling onto the floor', { building: 'B8', unit: '0802' }),
    );
    expect(elsewhere.body['workOrderId']).not.toBe(firstId);

    const timeline = await timelineWith(firstId, [EventTypes.DuplicateReportLinked]);
    const linked = timeline.find((e) => e.type === EventTypes.DuplicateReportLinked);
    expect(linked?.data).toMatchObject({
      channel: 'wechat',
      reporter: { name: 'Mr Lin', phone: '139****2222' },
      contactNumber: 2,
    });
    const order = await get(`${urls.query}/v1/work-orders/${firstId}`);
    expect(order.body['contactCount']).toBe(2);

    // A neighbour rings about it too; the reporter rings again. Everyone to call back is listed once.
    await post(`${urls.intake}/v1/work-orders/${firstId}/follow-ups`, {
      channel: 'phone',
      caller: { name: 'Mrs Chen', phone: '13700004444' },
    });
    await post(`${urls.intake}/v1/work-orders/${firstId}/follow-ups`, {
      channel: 'phone',
      note: 'Still dripping',
      caller: { name: 'Ms Lin', phone: '138 1234 5678' },
    });
    const contacts = await eventually('four contacts on the order', async () => {
      const { body } = await get(`${urls.query}/v1/work-orders/${firstId}`);
      return body['contactCount'] === 4 ? (body['contacts'] as Record<string, unknown>[]) : undefined;
    });
    expect(contacts.map((c) => [c['name'], c['phone'], c['channel'], c['relation']])).toEqual([
      ['Ms Lin', '138****5678', 'phone', 'reporter'],
      ['Mr Lin', '139****2222', 'wechat', 'duplicate-reporter'],
      ['Mrs Chen', '137****4444', 'phone', 'follow-up'],
    ]);
    const asTechnician = await get(`${urls.query}/v1/work-orders/${firstId}`, await asStaff('s1-wang-wei', 'Wang Wei'));
    expect((asTechnician.body['contacts'] as { phone: string }[]).map((c) => c.phone)).toEqual([
      '13812345678',
      '13900002222',
      '13700004444',
    ]);
  });
});
