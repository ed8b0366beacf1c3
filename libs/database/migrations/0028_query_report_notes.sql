-- The desk's own notes on a month's hotline report (docs/reports.md): written by a supervisor, every saved version
-- kept, the highest one printed. A save names the version it read, so two supervisors editing at once do not
-- overwrite each other silently: the second one is told (409) and reads again.
CREATE TABLE query_report_notes (
  site_id      text NOT NULL,
  month        text NOT NULL,
  version      integer NOT NULL CHECK (version > 0),
  text         text NOT NULL,
  author_id    text NOT NULL,
  author_name  text NOT NULL,
  saved_at     timestamptz NOT NULL,
  PRIMARY KEY (site_id, month, version)
);
