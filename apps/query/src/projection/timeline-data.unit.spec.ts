import { inJsonbKeyOrder, maskEventData, timelineDataTexts } from './timeline-data';

// What the projection writes for the timeline's answer (docs/adr/0047-timeline-data-written-as-shown.md); that it is
// byte for byte what the answer was before is shown against PostgreSQL in timeline-answer.int.spec.ts.

describe('an event’s data in jsonb’s key order', () => {
  it('puts shorter keys first, then orders them by their UTF-8 bytes', () => {
    const ordered = inJsonbKeyOrder({ zz: 1, b: { yy: [{ d: 1, c: 2 }], x: null }, 名: 3, a: 4, é: 5 });
    expect(JSON.stringify(ordered)).toBe('{"a":4,"b":{"x":null,"yy":[{"c":2,"d":1}]},"zz":1,"é":5,"名":3}');
  });

  it('leaves integer-like keys first, as JavaScript keeps them in what JSON.parse builds', () => {
    expect(JSON.stringify(inJsonbKeyOrder({ a: 1, '10': 2, '2': 3 }))).toBe('{"2":3,"10":2,"a":1}');
  });

  it('keeps a __proto__ key a key, as JSON.parse does', () => {
    const data = JSON.parse('{"__proto__":{"x":1},"b":2}') as unknown;
    expect(JSON.stringify(inJsonbKeyOrder(data))).toBe('{"b":2,"__proto__":{"x":1}}');
  });

  it('writes values as JSON.stringify does (a Date as its instant)', () => {
    expect(JSON.stringify(inJsonbKeyOrder({ at: new Date('2026-11-23T01:00:00Z'), n: [1e21, -0] }))).toBe(
      '{"n":[1e+21,0],"at":"2026-11-23T01:00:00.000Z"}',
    );
  });
});

describe('the texts the timeline shows of an event’s data', () => {
  it('has one text for every caller when the data names no resident', () => {
    expect(timelineDataTexts({ workOrderId: 'w1', notes: 'Fixed' })).toEqual({
      full: '{"notes":"Fixed","workOrderId":"w1"}',
      masked: null,
    });
    expect(timelineDataTexts(undefined)).toEqual({ full: 'null', masked: null });
  });

  it('masks a reporter’s and a caller’s number for those who do not see full numbers', () => {
    expect(timelineDataTexts({ reporter: { name: '林女士', phone: '13812345678' }, channel: 'phone' })).toEqual({
      full: '{"channel":"phone","reporter":{"name":"林女士","phone":"13812345678"}}',
      masked: '{"channel":"phone","reporter":{"name":"林女士","phone":"138****5678"}}',
    });
    expect(timelineDataTexts({ caller: { phone: '+1 312 555 0199', name: 'Lee' } }).masked).toBe(
      '{"caller":{"name":"Lee","phone":"****0199"}}',
    );
  });

  it('has one text when masking changes nothing (a reporter without a number)', () => {
    expect(timelineDataTexts({ reporter: { name: 'Lee' } })).toEqual({
      full: '{"reporter":{"name":"Lee"}}',
      masked: null,
    });
  });
});

describe('masking an event’s data', () => {
  it('gives the data itself to a caller who sees full numbers, or when it names no resident', () => {
    const data = { reporter: { name: 'Lee', phone: '13812345678' } };
    expect(maskEventData(data, true)).toBe(data);
    const other = { notes: 'Fixed' };
    expect(maskEventData(other, false)).toBe(other);
  });
});
