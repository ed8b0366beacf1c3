-- Everyone to keep informed about an order: its reporter, the reporters of duplicates linked to it and the callers
-- of follow-ups, one entry per phone number, in the order they first got in touch (the query projection folds it;
-- see apps/query/src/projection/work-order-view.ts).
ALTER TABLE q_work_orders ADD COLUMN contacts jsonb NOT NULL DEFAULT '[]';

-- Orders projected before this column get the same list from their timelines, as the fold would make it: a number
-- seen before (digits only, +86 dropped from a mainland mobile) adds nobody; without a number, a name seen before
-- (among contacts without numbers) adds nobody; a later contact with neither adds nobody; the reporter always counts.
WITH contact_events AS (
  SELECT t.work_order_id, t.arrival, t.sequence,
         CASE t.event_type
           WHEN 'closeloop.workorder.reported.v1' THEN 'reporter'
           WHEN 'closeloop.workorder.duplicate-report-linked.v1' THEN 'duplicate-reporter'
           ELSE 'follow-up'
         END AS relation,
         CASE WHEN t.event_type = 'closeloop.workorder.follow-up-contact-recorded.v1' THEN t.data -> 'caller' ELSE t.data -> 'reporter' END AS person,
         t.data ->> 'channel' AS channel,
         COALESCE(t.data ->> 'reportedAt', t.data ->> 'linkedAt', t.data ->> 'contactedAt') AS at
    FROM q_timeline t
   WHERE t.event_type IN ('closeloop.workorder.reported.v1', 'closeloop.workorder.duplicate-report-linked.v1', 'closeloop.workorder.follow-up-contact-recorded.v1')
), keyed AS (
  SELECT c.*,
         COALESCE('phone:' || regexp_replace(regexp_replace(c.person ->> 'phone', '\D', '', 'g'), '^(00)?86(?=1[3-9]\d{9}$)', ''),
                  'name:' || lower(btrim(c.person ->> 'name')),
                  'nobody:' || c.arrival) AS person_key
    FROM contact_events c
   WHERE c.relation = 'reporter' OR c.person ->> 'phone' IS NOT NULL OR c.person ->> 'name' IS NOT NULL
), first_contacts AS (
  SELECT DISTINCT ON (work_order_id, person_key) *
    FROM keyed
   ORDER BY work_order_id, person_key, sequence NULLS LAST, arrival
), lists AS (
  SELECT work_order_id,
         jsonb_agg(jsonb_build_object('name', person ->> 'name', 'phone', person ->> 'phone', 'channel', channel, 'at', at, 'relation', relation)
                   ORDER BY sequence NULLS LAST, arrival) AS contacts
    FROM first_contacts
   GROUP BY work_order_id
)
UPDATE q_work_orders w SET contacts = lists.contacts FROM lists WHERE lists.work_order_id = w.work_order_id;
