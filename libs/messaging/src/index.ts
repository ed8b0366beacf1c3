export * from './cloud-events.transport';
export * from './dead-letter';
export * from './event-consumer';
export * from './kafka';
export * from './published-event';
export * from './relay';
export * from './relay-state.repository';
export * from './parked-messages.repository';
