import { hotlineReport as report, hotlineReportAttributes as structured } from './cloudevents-under-test.spec';
import { CloudEventBindings, IntakeEventTypes, readBinaryCloudEvent, readCloudEvent } from './index';

const base64Of = (text: string) => Buffer.from(text, 'utf8').toString('base64');

const binaryHeaders = {
  'ce-specversion': '1.0',
  'ce-id': 'crm-20261123-000042',
  'ce-source': '/integrators/crm',
  'ce-type': IntakeEventTypes.ReportSubmitted,
  'content-type': 'application/json; charset=utf-8',
};

describe('readCloudEvent (structured mode)', () => {
  it('decodes data_base64 holding JSON into data, and drops data_base64', () => {
    const reading = readCloudEvent({ ...structured, data_base64: base64Of(JSON.stringify(report)) });
    expect(reading).toEqual({ ok: true, event: { ...structured, data: report } });
  });

  it.each([
    ['not base64', '!!!', 'must be base64 (RFC 4648, with padding)'],
    ['base64 of text that is not JSON', base64Of('a leaking pipe'), expect.stringContaining('UTF-8 JSON')],
    ['base64 of bytes that are not UTF-8', Buffer.from([0xff, 0xfe, 0x7b]).toString('base64'), expect.any(String)],
  ])('refuses data_base64 that is %s, naming it', (_, encoded, message) => {
    expect(readCloudEvent({ ...structured, data_base64: encoded }, '[2]')).toEqual({
      ok: false,
      issues: [{ path: '[2].data_base64', message }],
    });
  });

  it('refuses an event with both data and data_base64', () => {
    const reading = readCloudEvent({ ...structured, data: report, data_base64: base64Of('{}') });
    expect(reading).toMatchObject({ ok: false, issues: [{ path: 'data_base64' }] });
  });
});

describe('readBinaryCloudEvent', () => {
  it('reads attributes from ce- headers, percent-decoded, Content-Type as datacontenttype and the body as data', () => {
    const reading = readBinaryCloudEvent(
      CloudEventBindings.http,
      { ...binaryHeaders, 'ce-correlationid': 'call%20%E6%8A%A5%E4%BF%AE%25', host: 'intake', 'x-api-key': 'k' },
      report,
    );
    expect(reading).toEqual({
      ok: true,
      event: {
        ...structured,
        datacontenttype: 'application/json; charset=utf-8',
        correlationid: 'call 报修%',
        data: report,
      },
    });
  });

  it('names each missing required header', () => {
    const reading = readBinaryCloudEvent(CloudEventBindings.http, { 'content-type': 'application/json' }, report);
    expect(reading.ok).toBe(false);
    expect(!reading.ok && reading.issues.map((i) => i.path).sort()).toEqual([
      'ce-id',
      'ce-source',
      'ce-specversion',
      'ce-type',
    ]);
  });

  it.each([
    ['a broken percent escape', { 'ce-subject': '50%' }, 'ce-subject'],
    ['an escape that is not UTF-8', { 'ce-subject': '%FF' }, 'ce-subject'],
    ['a raw byte outside printable ASCII', { 'ce-subject': 'caf\u00e9' }, 'ce-subject'],
    ['the data as a header', { 'ce-data': '{}' }, 'ce-data'],
    ['an attribute name outside the naming rule', { 'ce-x-fuzz': '1' }, 'ce-x-fuzz'],
    ['a repeated header', { 'ce-id': ['a', 'b'] }, 'ce-id'],
    ['a time that is not an instant', { 'ce-time': 'yesterday' }, 'ce-time'],
    ['a data content type that is not JSON', { 'content-type': 'text/xml' }, 'content-type'],
  ])('refuses %s, naming the header', (_, extra, path) => {
    const reading = readBinaryCloudEvent(CloudEventBindings.http, { ...binaryHeaders, ...extra }, report);
    expect(reading).toMatchObject({ ok: false, issues: [expect.objectContaining({ path })] });
  });

  it('reads Kafka ce_ headers as they are, and a ce_datacontenttype that agrees with content-type', () => {
    const headers = {
      ce_specversion: '1.0',
      ce_id: 'k-1',
      ce_source: '/integrators/crm',
      ce_type: IntakeEventTypes.ReportSubmitted,
      ce_subject: '50% off',
      ce_datacontenttype: 'application/json',
      'content-type': 'application/json',
    };
    expect(readBinaryCloudEvent(CloudEventBindings.kafka, headers, report)).toMatchObject({
      ok: true,
      event: { id: 'k-1', subject: '50% off', datacontenttype: 'application/json', data: report },
    });
    expect(
      readBinaryCloudEvent(CloudEventBindings.kafka, { ...headers, ce_datacontenttype: 'text/plain' }, report),
    ).toMatchObject({ ok: false });
  });
});
