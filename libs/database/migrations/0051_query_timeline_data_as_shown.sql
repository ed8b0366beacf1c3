-- query: each timeline event's data as GET /v1/work-orders/{id}/timeline shows it (docs/adr/0047-timeline-data-written-as-shown.md),
-- written by the projection when it stores the event (live or in a rebuild, whose tables copy these columns): compact
-- JSON with jsonb's key order, the text the read used to make by parsing `data` and serialising it again for every
-- caller. masked_data_text is what callers who do not see full phone numbers get, NULL where it is data_text (the
-- event names no resident). Rows stored before this migration have neither and are shown from `data` as before,
-- until `projections rebuild --service query` writes them.
ALTER TABLE query_timeline
  ADD COLUMN data_text        text,
  ADD COLUMN masked_data_text text;
