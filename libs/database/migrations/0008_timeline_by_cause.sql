-- Integrators that produce to Kafka learn which order their event created or joined by its CloudEvent id,
-- which the timeline keeps as the causation id.
CREATE INDEX q_timeline_causation ON q_timeline (causation_id);
