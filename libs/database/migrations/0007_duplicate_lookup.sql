-- Intake looks for recent reports at the same site and building to link a second report of the same problem.
CREATE INDEX es_events_reports_by_place ON es_events ((data->>'siteId'), (data->>'building'), recorded_at)
  WHERE event_type = 'closeloop.workorder.reported.v1';
