import { reportedByMsLin } from '@closeloop/testing';
import { hotlineReportEvent as submitted } from './cloudevents-under-test.spec';
import {
  CloudEventSchema,
  deadLetterTopicOf,
  EventTypes,
  formatActor,
  IllegalTransitionError,
  IntakeEventTypes,
  intakeDataSchemas,
  FollowUpContactSchema,
  parseActor,
  parseDomainEvent,
  parseWorkOrderCommand,
  ReportDetailsSchema,
  toDomainEvents,
  topicName,
  TopicBaseNames,
  topicSpecs,
  toCommandCloudEvent,
  toPublishedCloudEvent,
  ValidationError,
  WorkOrderCommandTypes,
} from './index';

const workOrderId = 'e7c1f3a2-5b7d-4c1e-9f2a-3d4b5c6e7f80';

const triagedData = {
  workOrderId,
  tier: 'urgent',
  category: 'plumbing',
  ruleId: 'urgent-water',
  reason: 'Burst pipe or water cut: fixed within 2 hours (keyword "burst")',
  triagedAt: '2026-11-23T09:00:00+08:00',
};

describe('parseDomainEvent', () => {
  it('accepts a known event type with a valid shape, typed by its versioned name', () => {
    expect(parseDomainEvent(EventTypes.WorkOrderTriaged, triagedData)).toEqual({
      ok: true,
      event: { type: 'closeloop.workorder.triaged.v1', data: triagedData },
    });
  });

  it('refuses an unknown event type', () => {
    expect(parseDomainEvent('closeloop.workorder.teleported.v1', {})).toEqual({
      ok: false,
      reason: 'unknown event type closeloop.workorder.teleported.v1',
    });
  });

  it('does not mistake Object.prototype names for event types', () => {
    expect(parseDomainEvent('toString', {})).toEqual({ ok: false, reason: 'unknown event type toString' });
    expect(parseDomainEvent('__proto__', {})).toMatchObject({ ok: false });
  });

  it('names each invalid field in the reason', () => {
    const result = parseDomainEvent(EventTypes.WorkOrderTriaged, {
      ...triagedData,
      tier: 'emergency',
      workOrderId: 'WO-1',
    });
    expect(result.ok).toBe(false);
    const reason = result.ok ? '' : result.reason;
    expect(reason).toMatch(/^workOrderId: /);
    expect(reason).toContain('; tier: ');
  });

  it('reports a wrong top-level value as "(data)"', () => {
    expect(parseDomainEvent(EventTypes.WorkOrderTriaged, 'not an object')).toEqual({
      ok: false,
      reason: expect.stringMatching(/^\(data\): /),
    });
  });

  it('refuses fields the contract does not know (strict shapes)', () => {
    expect(parseDomainEvent(EventTypes.WorkOrderTriaged, { ...triagedData, priority: 1 }).ok).toBe(false);
  });

  it('refuses a timestamp without a time-zone offset', () => {
    expect(parseDomainEvent(EventTypes.WorkOrderTriaged, { ...triagedData, triagedAt: '2026-11-23 09:00:00' }).ok).toBe(
      false,
    );
  });
});

describe('toDomainEvents', () => {
  it('turns stored (type, data) records into typed events in order', () => {
    const queued = {
      workOrderId,
      queueId: 'S1-dispatch',
      reason: 'no team takes "hvac"',
      queuedAt: '2026-11-23T01:00:05.000Z',
    };
    expect(
      toDomainEvents([
        { type: EventTypes.WorkOrderTriaged, data: triagedData },
        { type: EventTypes.WorkOrderQueuedForDispatch, data: queued },
      ]),
    ).toEqual([
      { type: EventTypes.WorkOrderTriaged, data: triagedData },
      { type: EventTypes.WorkOrderQueuedForDispatch, data: queued },
    ]);
  });

  it('throws a ValidationError with code INVALID_EVENT for a record that does not parse', () => {
    let thrown: unknown;
    try {
      toDomainEvents([{ type: EventTypes.WorkOrderTriaged, data: { ...triagedData, tier: 'emergency' } }]);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ValidationError);
    expect(thrown).toMatchObject({
      kind: 'validation',
      code: 'INVALID_EVENT',
      issues: [{ path: 'data', message: expect.stringContaining('tier') }],
    });
    expect((thrown as Error).message).toContain('closeloop.workorder.triaged.v1');
  });
});

describe('CloudEventSchema', () => {
  it('accepts a structured-mode report from an integrator', () => {
    expect(CloudEventSchema.safeParse(submitted).success).toBe(true);
  });

  it('accepts an event without datacontenttype (JSON by default)', () => {
    const { datacontenttype: _omitted, ...rest } = submitted;
    expect(CloudEventSchema.safeParse(rest).success).toBe(true);
  });

  it('accepts application/json with parameters', () => {
    expect(
      CloudEventSchema.safeParse({ ...submitted, datacontenttype: 'application/json; charset=utf-8' }).success,
    ).toBe(true);
  });

  it('reads the media type case-insensitively and refuses JSON look-alikes', () => {
    expect(CloudEventSchema.safeParse({ ...submitted, datacontenttype: 'Application/JSON' }).success).toBe(true);
    expect(CloudEventSchema.safeParse({ ...submitted, datacontenttype: 'application/jsonl' }).success).toBe(false);
    expect(CloudEventSchema.safeParse({ ...submitted, datacontenttype: 'application/json-seq' }).success).toBe(false);
  });

  it('refuses a non-JSON datacontenttype, pointing at that attribute', () => {
    const result = CloudEventSchema.safeParse({ ...submitted, datacontenttype: 'application/xml' });
    expect(result.success).toBe(false);
    expect(result.error?.issues).toEqual([
      expect.objectContaining({ path: ['datacontenttype'], message: 'datacontenttype must be application/json' }),
    ]);
  });

  it('refuses another CloudEvents spec version', () => {
    expect(CloudEventSchema.safeParse({ ...submitted, specversion: '0.3' }).success).toBe(false);
  });

  it('refuses an empty id, source or type', () => {
    for (const attribute of ['id', 'source', 'type']) {
      expect(CloudEventSchema.safeParse({ ...submitted, [attribute]: '' }).success).toBe(false);
    }
  });

  it('refuses a time that is not an RFC 3339 timestamp', () => {
    expect(CloudEventSchema.safeParse({ ...submitted, time: '23/11/2026 09:00' }).success).toBe(false);
  });

  it('accepts the Closeloop extension attributes', () => {
    const withExtensions = {
      ...submitted,
      correlationid: 'corr-7f3a',
      causationid: 'crm-20261123-000041',
      workorderid: workOrderId,
      actor: 'integrator:crm',
      sequence: '42',
    };
    expect(CloudEventSchema.parse(withExtensions)).toEqual(withExtensions);
  });

  it('refuses a workorderid extension that is not a UUID', () => {
    expect(CloudEventSchema.safeParse({ ...submitted, workorderid: 'S1-20261123-0001' }).success).toBe(false);
  });

  it('keeps extension attributes it does not know', () => {
    expect(CloudEventSchema.parse({ ...submitted, tenantid: 'acme-property' })).toMatchObject({
      tenantid: 'acme-property',
    });
  });

  it('maps the report-submitted type to the report schema', () => {
    expect(intakeDataSchemas[IntakeEventTypes.ReportSubmitted]).toBe(ReportDetailsSchema);
    expect(IntakeEventTypes.ReportSubmitted).toBe('closeloop.intake.report-submitted.v1');
  });

  it('takes a follow-up’s caller over HTTP and in a CloudEvent alike, checked the same way', () => {
    const caller = { name: 'Mrs Chen', phone: '13700004444' };
    const followUpEvent = intakeDataSchemas[IntakeEventTypes.FollowUpContact];
    expect(FollowUpContactSchema.parse({ channel: 'phone', caller })).toEqual({ channel: 'phone', caller });
    expect(
      followUpEvent.parse({
        channel: 'phone',
        number: 'S1-20261123-0001',
        caller: { name: ' Mrs Chen ', phone: ' 13700004444 ' },
      }),
    ).toEqual({ channel: 'phone', number: 'S1-20261123-0001', caller });
    expect(FollowUpContactSchema.safeParse({ channel: 'phone', caller: { phone: '12' } }).success).toBe(false);
    expect(
      followUpEvent.safeParse({ channel: 'phone', number: 'S1-20261123-0001', caller: { phone: '12' } }).success,
    ).toBe(false);
    expect(
      followUpEvent.safeParse({
        channel: 'phone',
        number: 'S1-20261123-0001',
        caller: { ...caller, email: 'chen@example.com' },
      }).success,
    ).toBe(false);
  });
});

describe('toPublishedCloudEvent', () => {
  const metadata = {
    workOrderId,
    correlationId: 'corr-7f3a',
    causationId: 'crm-20261123-000042',
    actor: { kind: 'integrator' as const, id: 'crm' },
    producer: 'intake',
  };
  const published = toPublishedCloudEvent({
    eventId: '5d2c9e1a-7b3f-4e8d-a6c2-1f0e9d8c7b6a',
    type: EventTypes.WorkOrderTriaged,
    data: triagedData,
    metadata,
    recordedAt: new Date('2026-11-23T09:00:01+08:00'),
    sequence: '1017',
  });

  it('maps a committed event onto CloudEvents attributes and extensions', () => {
    expect(published).toEqual({
      specversion: '1.0',
      id: '5d2c9e1a-7b3f-4e8d-a6c2-1f0e9d8c7b6a',
      source: 'closeloop/intake',
      type: 'closeloop.workorder.triaged.v1',
      subject: workOrderId,
      time: '2026-11-23T01:00:01.000Z',
      datacontenttype: 'application/json',
      data: triagedData,
      workorderid: workOrderId,
      correlationid: 'corr-7f3a',
      causationid: 'crm-20261123-000042',
      actor: 'integrator:crm',
      sequence: '1017',
    });
  });

  it('produces an envelope its own schema accepts', () => {
    expect(CloudEventSchema.safeParse(published).success).toBe(true);
  });
});

describe('ReportDetailsSchema', () => {
  const report = {
    ...reportedByMsLin({ building: '3', unit: '1202', description: 'Burst pipe under the kitchen sink' }),
    category: 'plumbing',
  };
  const accepts = (value: unknown) => ReportDetailsSchema.safeParse(value).success;

  it('accepts a complete phone report', () => {
    expect(ReportDetailsSchema.parse(report)).toEqual(report);
  });

  it('needs only site, channel and description, defaulting the reporter to anonymous', () => {
    expect(ReportDetailsSchema.parse({ siteId: 'S1', channel: 'wechat', description: '楼道灯不亮' })).toEqual({
      siteId: 'S1',
      channel: 'wechat',
      reporter: {},
      description: '楼道灯不亮',
    });
  });

  describe('strictness', () => {
    it('refuses unknown fields on the report', () => {
      expect(accepts({ ...report, priority: 'high' })).toBe(false);
    });

    it('refuses unknown fields on the reporter', () => {
      expect(accepts({ ...report, reporter: { ...report.reporter, idCard: '350102199001011234' } })).toBe(false);
    });

    it('refuses an unknown channel', () => {
      expect(accepts({ ...report, channel: 'fax' })).toBe(false);
    });
  });

  describe('trimming', () => {
    it('trims building, unit, name and description', () => {
      expect(
        ReportDetailsSchema.parse({
          ...report,
          building: ' 3 ',
          unit: '\t1202 ',
          reporter: { name: '  Ms Lin ' },
          description: '  Burst pipe  \n',
        }),
      ).toMatchObject({ building: '3', unit: '1202', reporter: { name: 'Ms Lin' }, description: 'Burst pipe' });
    });

    it('refuses a description of only whitespace', () => {
      expect(accepts({ ...report, description: '   \n ' })).toBe(false);
    });

    it('refuses a blank building rather than storing an empty one', () => {
      expect(accepts({ ...report, building: '  ' })).toBe(false);
    });
  });

  describe('lengths', () => {
    it('accepts a 4000-character description and refuses 4001', () => {
      expect(accepts({ ...report, description: '漏'.repeat(4000) })).toBe(true);
      expect(accepts({ ...report, description: '漏'.repeat(4001) })).toBe(false);
    });

    it('measures the description after trimming', () => {
      expect(accepts({ ...report, description: ` ${'x'.repeat(4000)} ` })).toBe(true);
    });

    it('limits building and unit to 64 characters and the reporter name to 100', () => {
      expect(accepts({ ...report, building: 'B'.repeat(64) })).toBe(true);
      expect(accepts({ ...report, building: 'B'.repeat(65) })).toBe(false);
      expect(accepts({ ...report, unit: 'U'.repeat(65) })).toBe(false);
      expect(accepts({ ...report, reporter: { name: 'N'.repeat(100) } })).toBe(true);
      expect(accepts({ ...report, reporter: { name: 'N'.repeat(101) } })).toBe(false);
    });
  });

  describe('site id', () => {
    it('accepts 1-32 letters, digits, "-" and "_" starting with a letter or digit', () => {
      for (const siteId of ['S1', 'fuzhou-park_2', 'A'.repeat(32)]) expect(accepts({ ...report, siteId })).toBe(true);
    });

    it('refuses other site ids', () => {
      for (const siteId of ['', '-S1', 'S 1', 'S1/2', 'A'.repeat(33)])
        expect(accepts({ ...report, siteId })).toBe(false);
    });
  });

  describe('category', () => {
    it('accepts lower-case codes such as "plumbing" and "staff-conduct"', () => {
      expect(accepts({ ...report, category: 'staff-conduct' })).toBe(true);
    });

    it('refuses capitals, spaces and leading digits or dashes', () => {
      for (const category of ['Plumbing', 'lift fault', '1lift', '-lift', ''])
        expect(accepts({ ...report, category })).toBe(false);
    });
  });

  describe('phone', () => {
    it('accepts mobile and landline numbers with spaces, dashes and a leading +', () => {
      for (const phone of ['13812345678', '+86 138 1234 5678', '0591-87654321', '12345']) {
        expect(accepts({ ...report, reporter: { phone } })).toBe(true);
      }
    });

    it('refuses words, too few or too many characters, and a misplaced +', () => {
      for (const phone of ['call me', '1234', '1'.repeat(21), '138+1234', '(0591) 8765 4321', '', '1----', '1    ']) {
        expect(accepts({ ...report, reporter: { phone } })).toBe(false);
      }
    });
  });
});

describe('topics', () => {
  it('names the intake, events and commands topics with a dead-letter topic each', () => {
    expect(topicSpecs()).toEqual([
      { name: 'workorders.intake', partitions: 6 },
      { name: 'workorders.intake.dlq', partitions: 1 },
      { name: 'workorders.events', partitions: 6 },
      { name: 'workorders.events.dlq', partitions: 1 },
      { name: 'workorders.commands', partitions: 6 },
      { name: 'workorders.commands.dlq', partitions: 1 },
    ]);
  });

  it('prefixes every topic, dead-letter topics included, for a shared cluster', () => {
    expect(topicSpecs('staging.').map((t) => t.name)).toEqual(topicSpecs().map((t) => `staging.${t.name}`));
  });

  it('derives the dead-letter topic by appending ".dlq"', () => {
    expect(deadLetterTopicOf('workorders.events')).toBe('workorders.events.dlq');
    expect(deadLetterTopicOf(topicName(TopicBaseNames.intake, 'dev.'))).toBe('dev.workorders.intake.dlq');
  });
});

describe('work-order commands', () => {
  const timerId = '7ded09f5-e358-5707-a55c-382f82169091';
  const envelope = {
    producer: 'sla-timer',
    actor: { kind: 'system' as const, id: 'sla-timer' },
    correlationId: `timer:${timerId}`,
    causationId: `timer:${timerId}`,
    sentAt: new Date('2026-11-24T02:00:01Z'),
  };
  const close = {
    type: WorkOrderCommandTypes.CloseWithoutConfirmation,
    data: { workOrderId, round: 1, timerId },
  } as const;

  it('travels as a CloudEvent whose id is the retry key, and reads back the same', () => {
    const event = toCommandCloudEvent(close, envelope);
    expect(CloudEventSchema.parse(event)).toMatchObject({
      id: timerId,
      source: 'closeloop/sla-timer',
      subject: workOrderId,
      workorderid: workOrderId,
      actor: 'system:sla-timer',
    });
    expect(parseWorkOrderCommand(event)).toEqual(close);
  });

  it('refuses an unknown type, a bad shape and an envelope naming another order, as validation errors to dead-letter', () => {
    const event = toCommandCloudEvent(close, envelope);
    expect(() => parseWorkOrderCommand({ ...event, type: 'closeloop.workorder.repaint-the-lobby.v1' })).toThrow(
      expect.objectContaining({ code: 'UNSUPPORTED_COMMAND_TYPE' }),
    );
    expect(() => parseWorkOrderCommand({ ...event, data: { ...close.data, round: -1 } })).toThrow(
      expect.objectContaining({ code: 'INVALID_COMMAND' }),
    );
    expect(() => parseWorkOrderCommand({ ...event, data: { ...close.data, extra: true } })).toThrow(ValidationError);
    expect(() => parseWorkOrderCommand({ ...event, workorderid: '0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d' })).toThrow(
      expect.objectContaining({ code: 'INVALID_COMMAND' }),
    );
  });
});

describe('actors', () => {
  it('formats an actor as "kind:id"', () => {
    expect(formatActor({ kind: 'staff', id: 's1-zhao-lei' })).toBe('staff:s1-zhao-lei');
  });

  it('parses every known kind back', () => {
    for (const kind of ['integrator', 'staff', 'resident', 'system'] as const) {
      expect(parseActor(formatActor({ kind, id: 'x-1' }))).toEqual({ kind, id: 'x-1' });
    }
  });

  it('keeps colons inside the id', () => {
    expect(parseActor('integrator:crm:hotline-2')).toEqual({ kind: 'integrator', id: 'crm:hotline-2' });
  });

  it('gives undefined for a missing value, an unknown kind or an empty id', () => {
    expect(parseActor(undefined)).toBeUndefined();
    expect(parseActor('robot:r2')).toBeUndefined();
    expect(parseActor('staff:')).toBeUndefined();
    expect(parseActor('staff')).toBeUndefined();
  });
});

describe('IllegalTransitionError', () => {
  it('carries a stable code and the allowed commands for the 409 problem details', () => {
    const error = new IllegalTransitionError('AssignOwner', 'none', ['ReportWorkOrder']);
    expect(error).toMatchObject({
      name: 'IllegalTransitionError',
      kind: 'illegal-transition',
      code: 'ILLEGAL_TRANSITION',
      message: 'AssignOwner is not allowed while the work order is none',
      details: { currentStatus: 'none', allowedCommands: ['ReportWorkOrder'] },
    });
  });
});
