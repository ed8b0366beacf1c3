import type { Kafka } from 'kafkajs';

// The demo's residents' reports and its Kafka producer live in plain JS beside the demo (scripts/demo-reports.js),
// so that the demo needs no build; the specs read them through this one typed door.
const demo = require('../../scripts/demo-reports.js') as {
  DEMO_REPORTS: Record<'burstPipe' | 'neighbourLeak' | 'trappedInLift' | 'noise', Record<string, unknown>> & {
    frontDesk: Record<string, unknown>[];
  };
  cloudEvent: (id: string, source: string, data: Record<string, unknown>) => { id: string };
  produceToIntake: (kafka: Kafka, topic: string, event: { id: string }) => Promise<void>;
};

export const { DEMO_REPORTS, cloudEvent, produceToIntake } = demo;
