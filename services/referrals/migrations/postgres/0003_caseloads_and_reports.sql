-- Caseload views (my referrals, the unassigned, recently updated) and reports (time spent in
-- each state). The new columns of rows written before this migration are filled in from
-- their records by the service, in the same transaction.
ALTER TABLE referrals ADD COLUMN created_by TEXT NOT NULL DEFAULT '';
ALTER TABLE referrals ADD COLUMN assignee TEXT NOT NULL DEFAULT '';
ALTER TABLE history ADD COLUMN from_state INTEGER NOT NULL DEFAULT 0;
ALTER TABLE history ADD COLUMN duration_us BIGINT NOT NULL DEFAULT 0;

CREATE INDEX referrals_by_creator ON referrals (created_by, create_time_us DESC, id DESC);
CREATE INDEX referrals_by_region_assignee
  ON referrals (region, assignee, create_time_us DESC, id DESC);
CREATE INDEX referrals_by_provider_assignee
  ON referrals (provider, assignee, create_time_us DESC, id DESC);
CREATE INDEX referrals_recently_updated ON referrals (update_time_us DESC, id DESC);
CREATE INDEX referrals_recently_updated_in_region
  ON referrals (region, update_time_us DESC, id DESC);
CREATE INDEX referrals_recently_updated_for_provider
  ON referrals (provider, update_time_us DESC, id DESC);
