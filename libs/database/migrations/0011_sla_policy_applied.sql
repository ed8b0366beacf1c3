-- The SLA policy version whose deadlines every open order's clocks were last computed under.
CREATE TABLE sla_policy_applied (
  singleton   boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  policy_id   text NOT NULL,
  version     integer NOT NULL,
  applied_at  timestamptz NOT NULL DEFAULT now()
);
