-- Daily work-order number sequences per site (S1-20261123-0001). A number taken by an append that then fails
-- is skipped, never reused: numbers are unique, not gapless.
CREATE TABLE intake_number_sequences (
  site_id     text NOT NULL,
  local_date  date NOT NULL,
  last_value  integer NOT NULL,
  PRIMARY KEY (site_id, local_date)
);
