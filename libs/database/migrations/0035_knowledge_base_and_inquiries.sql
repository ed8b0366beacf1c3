-- Self-service answers (issue 14 item 5, docs/adr/0029-self-service-answers.md).
--
-- intake's knowledge base: one row per answer and site ('*' for every site), its content as validated JSON and its
-- version, one more with each change. Every change (seeded from config/knowledge-base.json, replaced or deleted by an
-- admin) is a row of the change log with the content it left, so an answer's history and who changed it stay
-- readable after it is replaced or deleted, and a deleted seed answer is not seeded again on the next start.
CREATE TABLE intake_knowledge_base_answers (
  site_id     text NOT NULL,
  answer_id   text NOT NULL,
  version     integer NOT NULL CHECK (version > 0),
  content     jsonb NOT NULL,
  updated_at  timestamptz NOT NULL,
  updated_by  text NOT NULL,
  PRIMARY KEY (site_id, answer_id)
);

CREATE TABLE intake_knowledge_base_changes (
  change_id   bigserial PRIMARY KEY,
  site_id     text NOT NULL,
  answer_id   text NOT NULL,
  version     integer NOT NULL CHECK (version > 0),
  action      text NOT NULL CHECK (action IN ('seeded', 'replaced', 'deleted')),
  content     jsonb,
  changed_at  timestamptz NOT NULL,
  changed_by  text NOT NULL,
  UNIQUE (site_id, answer_id, version)
);

-- query's record of each inquiry, projected from the inquiry events on workorders.events: when it was received,
-- answered (deflected) and turned into an order, for the deflection figures of the service-level report.
CREATE TABLE query_inquiries (
  inquiry_id           uuid PRIMARY KEY,
  site_id              text NOT NULL,
  received_at          timestamptz,
  answered_at          timestamptz,
  turned_into_order_at timestamptz,
  work_order_id        uuid,
  order_reason         text
);
CREATE INDEX query_inquiries_site_received ON query_inquiries (site_id, received_at);
