-- Caseload views (my referrals, the unassigned, recently updated) and reports (time spent in
-- each state). The new columns of rows written before this migration are filled in from
-- their records by the service, in the same transaction.
ALTER TABLE referrals ADD COLUMN created_by TEXT NOT NULL DEFAULT '';
ALTER TABLE referrals ADD COLUMN assignee TEXT NOT NULL DEFAULT '';
ALTER TABLE history ADD COLUMN from_state INTEGER NOT NULL DEFAULT 0;
ALTER TABLE history ADD COLUMN duration_us {{int64}} NOT NULL DEFAULT 0;

CREATE INDEX referrals_by_creator ON referrals (created_by, create_time_us DESC, id DESC);
CREATE INDEX referrals_by_assignee ON referrals (assignee, create_time_us DESC, id DESC);
-- Each caseload view's rows in the order it lists them, so a page and its count read only
-- the index. Open means submitted (state 1 is the draft) and not closed.
CREATE INDEX referrals_open_in_region ON referrals (region, create_time_us DESC, id DESC)
  WHERE {{is_open}} AND state <> 1;
CREATE INDEX referrals_closed_in_region ON referrals (region, create_time_us DESC, id DESC)
  WHERE {{is_closed}};
CREATE INDEX referrals_open_for_provider ON referrals (provider, create_time_us DESC, id DESC)
  WHERE {{is_open}} AND state <> 1;
CREATE INDEX referrals_closed_for_provider ON referrals (provider, create_time_us DESC, id DESC)
  WHERE {{is_closed}};
CREATE INDEX referrals_unassigned_in_region ON referrals (region, create_time_us DESC, id DESC)
  WHERE {{is_open}} AND state <> 1 AND assignee = '';
CREATE INDEX referrals_unassigned_for_provider
  ON referrals (provider, create_time_us DESC, id DESC)
  WHERE {{is_open}} AND state <> 1 AND assignee = '';
CREATE INDEX referrals_recently_updated ON referrals (update_time_us DESC, id DESC);
CREATE INDEX referrals_recently_updated_in_region
  ON referrals (region, update_time_us DESC, id DESC);
CREATE INDEX referrals_recently_updated_for_provider
  ON referrals (provider, update_time_us DESC, id DESC);
-- Reports read each referral's stays from the index alone.
CREATE INDEX history_stays ON history (referral_id, from_state, duration_us);
