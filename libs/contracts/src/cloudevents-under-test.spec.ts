import { IntakeEventTypes } from './cloudevents';

// A report a hotline integrator submits as a CloudEvent: the specs that read one (structured or binary) and the one
// that validates it start from the same event.

/** The report the event carries as its data. */
export const hotlineReport = { siteId: 'S1', channel: 'phone', description: 'Burst pipe in 3-1202, 报修' };

/** The event's required attributes, without its data. */
export const hotlineReportAttributes = {
  specversion: '1.0',
  id: 'crm-20261123-000042',
  source: '/integrators/crm',
  type: IntakeEventTypes.ReportSubmitted,
};

/** The whole event in structured mode, as the integrator posts it. */
export const hotlineReportEvent = {
  ...hotlineReportAttributes,
  time: '2026-11-23T09:00:00+08:00',
  datacontenttype: 'application/json',
  data: hotlineReport,
};
