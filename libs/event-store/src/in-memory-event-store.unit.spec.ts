import { InMemoryEventStore } from './in-memory-event-store';
import { eventStoreContract } from './testing';

eventStoreContract('in-memory', async () => new InMemoryEventStore());
