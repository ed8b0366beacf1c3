import { LogEntry, logLevel } from 'kafkajs';
import { scrubbingKafkaLog } from './kafka';

describe("kafkajs' own log lines", () => {
  const log = scrubbingKafkaLog(logLevel.WARN);

  /** Hands the logger one entry as kafkajs does (labelled with its level's name) and watches the console stream. */
  const emit = (stream: 'log' | 'error', namespace: string, label: 'WARN' | 'ERROR', content: LogEntry['log']) => {
    const written = jest.spyOn(console, stream).mockImplementation(() => undefined);
    log({ namespace, level: logLevel[label], label, log: content });
    return written;
  };

  afterEach(() => jest.restoreAllMocks());

  it('go out as one JSON line with secrets and phone numbers masked', () => {
    const out = emit('log', 'Connection', 'WARN', {
      timestamp: '2026-11-30T00:00:00.000Z',
      message: 'SASL SCRAM failed for postgres://svc:s3cret@db:5432/x',
      broker: '127.0.0.1:9092',
      record: 'phone 13812345678',
    });
    expect(out).toHaveBeenCalledTimes(1);
    const line = String(out.mock.calls[0]?.[0]);
    expect(JSON.parse(line)).toMatchObject({ level: 'WARN', namespace: 'Connection', broker: '127.0.0.1:9092' });
    expect(line).not.toContain('s3cret');
    expect(line).not.toContain('13812345678');
    expect(line).toContain('5678');
  });

  it('send errors to standard error', () => {
    const err = emit('error', 'Consumer', 'ERROR', { timestamp: 'x', message: 'Crash: Bearer abc.def.ghi' });
    expect(String(err.mock.calls[0]?.[0])).not.toContain('abc.def.ghi');
  });
});
