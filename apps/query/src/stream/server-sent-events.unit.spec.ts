import { lastEventIdOf, serverSentComment, serverSentEvent } from './server-sent-events';

describe('the text/event-stream framing', () => {
  it('writes an event as id, event and one data line of JSON, ended by an empty line', () => {
    expect(serverSentEvent({ id: '42', event: 'work-order', data: { note: 'two\nlines' } })).toBe(
      'id: 42\nevent: work-order\ndata: {"note":"two\\nlines"}\n\n',
    );
    expect(serverSentEvent({ event: 'ready', data: {} })).toBe('event: ready\ndata: {}\n\n');
  });

  it('keeps a comment on one line, so it cannot start an event', () => {
    expect(serverSentComment('keep\r\nalive')).toBe(': keep alive\n\n');
  });

  it('resumes from the decimal ids it sends, from now without one, and refuses anything else', () => {
    expect(lastEventIdOf('1042')).toBe(1042n);
    expect(lastEventIdOf(undefined)).toBeUndefined();
    expect(lastEventIdOf('')).toBeUndefined();
    expect(lastEventIdOf('-1')).toBeNull();
    expect(lastEventIdOf('1e3')).toBeNull();
    expect(lastEventIdOf('9223372036854775807')).toBe(2n ** 63n - 1n);
    expect(lastEventIdOf('9223372036854775808')).toBeNull();
    expect(lastEventIdOf('12345678901234567890')).toBeNull();
  });
});
