import type { RecordedEvent as KurrentRecordedEvent } from '@kurrent/kurrentdb-client';
import { StreamVersionConflictError } from './event-store.port';
import * as mapping from './kurrentdb-mapping';

const stored = (overrides: Partial<Record<keyof KurrentRecordedEvent, unknown>> = {}): KurrentRecordedEvent =>
  ({
    streamId: 'work-order-7',
    id: '0d8f1c52-8f6e-4a55-9a55-0b1f7d1f1a11',
    isJson: true,
    revision: 2n,
    type: 'work-order.reported.v1',
    created: new Date('2025-03-01T08:00:00.000Z'),
    data: { workOrderId: '7' },
    metadata: { correlationId: 'c-1' },
    position: { commit: 4_294_967_396n, prepare: 4_294_967_300n },
    ...overrides,
  }) as KurrentRecordedEvent;

describe('expected versions as KurrentDB stream states', () => {
  it('maps version n (n events) to revision n - 1, and version 0 to no stream', () => {
    expect(mapping.toStreamState(1)).toBe(0n);
    expect(mapping.toStreamState(2)).toBe(1n);
    expect(mapping.toStreamState(0)).toBe('no_stream');
  });

  it('maps the named expectations one to one', () => {
    expect(mapping.toStreamState('no-stream')).toBe('no_stream');
    expect(mapping.toStreamState('stream-exists')).toBe('stream_exists');
    expect(mapping.toStreamState('any')).toBe('any');
  });

  it('refuses a version that is not a whole, non-negative count', () => {
    expect(() => mapping.toStreamState(-1)).toThrow(/whole number/);
    expect(() => mapping.toStreamState(1.5)).toThrow(/whole number/);
  });

  it('reads a revision back as a version', () => {
    expect(mapping.versionOfRevision(0n)).toBe(1);
    expect(mapping.versionOfRevision(41n)).toBe(42);
  });
});

describe('a refused expectation', () => {
  const wrongExpectedVersion = { type: 'wrong-expected-version', streamName: 's', expectedState: 0n, actualState: 1n };

  it("is told from the client's error by its type", () => {
    expect(mapping.isWrongExpectedVersion(wrongExpectedVersion)).toBe(true);
    expect(mapping.isWrongExpectedVersion({ type: 'stream-not-found' })).toBe(false);
    expect(mapping.isWrongExpectedVersion(new Error('wrong-expected-version'))).toBe(false);
    expect(mapping.isStreamNotFound({ type: 'stream-not-found' })).toBe(true);
    expect(mapping.isStreamNotFound(undefined)).toBe(false);
  });

  it("becomes the port's typed conflict with the stream's actual version", () => {
    const conflict = mapping.toConflict('s', 1, 1n);
    expect(conflict).toBeInstanceOf(StreamVersionConflictError);
    expect(conflict).toMatchObject({ code: 'STREAM_VERSION_CONFLICT', streamId: 's', expected: 1, actual: 2 });
    expect(mapping.toConflict('s', 'stream-exists', 'no_stream')).toMatchObject({ actual: 'no-stream' });
  });
});

describe('checkpoints', () => {
  it('round-trip a $all position, beyond what a JavaScript number holds exactly', () => {
    const position = { commit: 2n ** 60n + 1n, prepare: 2n ** 60n };
    expect(mapping.encodeCheckpoint(position)).toBe('C:1152921504606846977/P:1152921504606846976');
    expect(mapping.decodeCheckpoint(mapping.encodeCheckpoint(position))).toEqual(position);
  });

  it("refuses a PostgreSQL store's checkpoint and anything else that is not one", () => {
    expect(() => mapping.decodeCheckpoint('7501:42')).toThrow(/not a KurrentDB event-store checkpoint/);
    expect(() => mapping.decodeCheckpoint('C:1/P:')).toThrow(/not a KurrentDB/);
    expect(() => mapping.decodeCheckpoint('')).toThrow(/not a KurrentDB/);
  });

  it('order positions by commit, then prepare', () => {
    const at = { commit: 100n, prepare: 90n };
    expect(mapping.isAfter({ commit: 101n, prepare: 10n }, at)).toBe(true);
    expect(mapping.isAfter({ commit: 100n, prepare: 95n }, at)).toBe(true);
    expect(mapping.isAfter(at, at)).toBe(false);
    expect(mapping.isAfter({ commit: 99n, prepare: 99n }, at)).toBe(false);
  });
});

describe('stored events as RecordedEvents', () => {
  it('maps every field as the PostgreSQL store does', () => {
    expect(mapping.toRecorded(stored())).toEqual({
      eventId: '0d8f1c52-8f6e-4a55-9a55-0b1f7d1f1a11',
      type: 'work-order.reported.v1',
      data: { workOrderId: '7' },
      metadata: { correlationId: 'c-1' },
      streamId: 'work-order-7',
      streamVersion: 3,
      globalPosition: '4294967300',
      checkpoint: 'C:4294967396/P:4294967300',
      recordedAt: new Date('2025-03-01T08:00:00.000Z'),
    });
  });

  it('reads absent metadata as an empty object', () => {
    expect(mapping.toRecorded(stored({ metadata: undefined })).metadata).toEqual({});
  });

  it('refuses events it could not have written: binary data, metadata that is not a JSON object, no position', () => {
    expect(() => mapping.toRecorded(stored({ isJson: false, data: new Uint8Array([1]) }))).toThrow(/not JSON/);
    expect(() => mapping.toRecorded(stored({ metadata: new Uint8Array([1]) }))).toThrow(/metadata/);
    expect(() => mapping.toRecorded(stored({ metadata: ['a'] }))).toThrow(/metadata/);
    expect(() => mapping.toRecorded(stored({ position: undefined }))).toThrow(/22\.6/);
  });

  it("tells KurrentDB's own records by a $ in front of the type or the stream", () => {
    expect(mapping.isSystemEvent({ type: '$statsCollected', streamId: '$stats-127.0.0.1:2113' })).toBe(true);
    expect(mapping.isSystemEvent({ type: '$metadata', streamId: '$$work-order-7' })).toBe(true);
    expect(mapping.isSystemEvent({ type: 'work-order.reported.v1', streamId: '$ce-work' })).toBe(true);
    expect(mapping.isSystemEvent({ type: 'work-order.reported.v1', streamId: 'work-order-7' })).toBe(false);
  });
});
