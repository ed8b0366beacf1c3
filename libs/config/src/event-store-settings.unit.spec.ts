import { ConfigError, eventStoreOf } from './config';
import { serviceConfigWith } from './config-under-test.spec';

describe('the event store a service uses', () => {
  it('is PostgreSQL unless told otherwise', () => {
    expect(eventStoreOf(serviceConfigWith())).toEqual({ kind: 'postgres' });
  });

  it('is KurrentDB at KURRENTDB_URL when EVENT_STORE says so', () => {
    const config = serviceConfigWith({
      EVENT_STORE: 'kurrentdb',
      KURRENTDB_URL: 'kurrentdb://127.0.0.1:2113?tls=false',
    });
    expect(eventStoreOf(config)).toEqual({ kind: 'kurrentdb', url: 'kurrentdb://127.0.0.1:2113?tls=false' });
  });

  it('refuses a store it does not know and a URL that is not a KurrentDB connection string, naming the variable', () => {
    expect(() => serviceConfigWith({ EVENT_STORE: 'eventstore' })).toThrow(
      /EVENT_STORE: must be 'postgres' or 'kurrentdb'/,
    );
    expect(() => serviceConfigWith({ KURRENTDB_URL: 'http://127.0.0.1:2113' })).toThrow(
      /KURRENTDB_URL: must be a KurrentDB connection string/,
    );
  });

  it('refuses KurrentDB without its server, and a server given while the store is PostgreSQL', () => {
    expect(() => eventStoreOf({ EVENT_STORE: 'kurrentdb', KURRENTDB_URL: undefined })).toThrow(ConfigError);
    expect(() => eventStoreOf({ EVENT_STORE: 'kurrentdb', KURRENTDB_URL: undefined })).toThrow(
      /KURRENTDB_URL: is required when EVENT_STORE is kurrentdb/,
    );
    expect(() => eventStoreOf({ EVENT_STORE: 'postgres', KURRENTDB_URL: 'kurrentdb://127.0.0.1:2113' })).toThrow(
      /KURRENTDB_URL: is set but EVENT_STORE is not 'kurrentdb'/,
    );
  });
});
