-- The holiday data (package and version) the clocks' working-time deadlines were last computed under, beside the
-- policy version: newer holiday data recomputes open orders' deadlines as a new policy version does. A row applied
-- before this column was computed under chinese-days 1.5.7, the version package-lock.json pinned then.
ALTER TABLE sla_policy_applied ADD COLUMN holiday_data text NOT NULL DEFAULT 'chinese-days@1.5.7';
ALTER TABLE sla_policy_applied ALTER COLUMN holiday_data DROP DEFAULT;
