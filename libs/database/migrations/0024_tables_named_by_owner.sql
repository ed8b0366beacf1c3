-- Every table is named by the service that owns it (intake_, dispatch_, sla_timer_, notification_, query_), so a
-- reader of the schema, or of a query, knows whose table it is and who may change it. Tables every service shares
-- keep a prefix of their own: the event store's es_, the relay's relay_, the consumers' consumer_, and access_ for
-- access control (integrators and their keys, checked by every service's guard and by intake's Kafka intake, and
-- the rate-limit counters of every service's HTTP edge). Indexes and constraints keep their names; the sequence
-- of query_timeline's arrival column is renamed with it, since a read-model rebuild hands it from table to table.
-- No view, function or trigger names any of these tables.

ALTER TABLE q_work_orders RENAME TO query_work_orders;
ALTER TABLE q_timeline RENAME TO query_timeline;
ALTER SEQUENCE q_timeline_arrival_seq RENAME TO query_timeline_arrival_seq;

ALTER TABLE sla_timers RENAME TO sla_timer_timers;
ALTER TABLE sla_policy_applied RENAME TO sla_timer_policy_applied;

ALTER TABLE oncall_rotations RENAME TO notification_oncall_rotations;
ALTER TABLE oncall_overrides RENAME TO notification_oncall_overrides;
ALTER TABLE alert_contacts RENAME TO notification_alert_contacts;
ALTER TABLE alerts RENAME TO notification_alerts;
ALTER TABLE alert_deliveries RENAME TO notification_alert_deliveries;
ALTER TABLE alert_ack_links_used RENAME TO notification_alert_ack_links_used;
ALTER TABLE alert_site_fallbacks RENAME TO notification_alert_site_fallbacks;
ALTER TABLE alert_storm_members RENAME TO notification_alert_storm_members;
ALTER TABLE alert_storm_batches RENAME TO notification_alert_storm_batches;
ALTER TABLE alert_digests RENAME TO notification_alert_digests;
ALTER TABLE alert_digest_items RENAME TO notification_alert_digest_items;
ALTER TABLE alert_digest_links_used RENAME TO notification_alert_digest_links_used;

ALTER TABLE integrators RENAME TO access_integrators;
ALTER TABLE integrator_keys RENAME TO access_integrator_keys;
ALTER TABLE rate_limits RENAME TO access_rate_limits;
