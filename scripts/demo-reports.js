// The residents' reports the demo tells its story with, and the envelopes they travel in. scripts/demo.js submits
// them; tools/e2e/read-model-rebuild.e2e.spec.ts submits the same ones through the same intake paths, so that the
// read models it rebuilds hold what the demo shows.
'use strict';

const DEMO_REPORTS = {
  /** Phoned in to the hotline, and retried by the IVR with the same Idempotency-Key. */
  burstPipe: {
    siteId: 'S1',
    building: 'B3',
    unit: '1202',
    channel: 'phone',
    reporter: { name: 'Ms Lin', phone: '13812345678' },
    description: 'Burst pipe under the kitchen sink, water on the floor',
  },
  /** From the app, as a single CloudEvent. */
  trappedInLift: {
    siteId: 'S1',
    building: 'B1',
    channel: 'app',
    reporter: { name: 'Mr Zhou', phone: '13900001111' },
    description: 'Two people trapped in the lift between floors 7 and 8',
  },
  /** From the front desk, as one CloudEvents batch: a fee question, and a report from a site with no roster yet. */
  frontDesk: [
    {
      siteId: 'S1',
      channel: 'front-desk',
      category: 'billing',
      description: 'Why did the property fee go up this quarter?',
    },
    {
      siteId: 'S9',
      building: 'T2',
      channel: 'front-desk',
      category: 'access',
      description: 'Access card for the underground car park stopped working',
    },
  ],
  /** From the WeChat mini-program, through the Kafka intake topic. */
  noise: {
    siteId: 'S1',
    building: 'B2',
    unit: '0603',
    channel: 'wechat',
    reporter: { name: 'Ms He' },
    description: 'Renovation drilling next door before 8 am every day',
  },
};
/** The neighbour in the same flat reports the burst pipe's leak on WeChat: intake links it to the pipe's open order. */
DEMO_REPORTS.neighbourLeak = {
  ...DEMO_REPORTS.burstPipe,
  channel: 'wechat',
  reporter: { name: 'Mr Lin', phone: '13900002222' },
  description: 'Water pipe burst under our kitchen sink, water on the floor',
};

/** A report as an integrator's CloudEvent; `source` is the integrator's own (integratorSource in libs/auth). */
const cloudEvent = (id, source, data) => ({
  specversion: '1.0',
  id,
  source,
  type: 'closeloop.intake.report-submitted.v1',
  time: new Date().toISOString(),
  datacontenttype: 'application/json',
  data,
});

/** Produces one CloudEvent to the Kafka intake topic, keyed by its id, as the WeChat mini-program does. */
const produceToIntake = async (kafka, topic, event) => {
  const producer = kafka.producer();
  await producer.connect();
  try {
    await producer.send({ topic, messages: [{ key: event.id, value: JSON.stringify(event) }] });
  } finally {
    await producer.disconnect();
  }
};

module.exports = { DEMO_REPORTS, cloudEvent, produceToIntake };
