-- Amendments after submission (the changelog), intervention capacity, and when a referral
-- first took a place (for capacity counted per month).
CREATE TABLE changelog (
  referral_id TEXT NOT NULL,
  position INTEGER NOT NULL,
  body {{bytes}} NOT NULL,
  PRIMARY KEY (referral_id, position)
);

CREATE TABLE capacities (
  intervention TEXT NOT NULL,
  region TEXT NOT NULL,
  provider TEXT NOT NULL,
  version {{int64}} NOT NULL,
  body {{bytes}} NOT NULL,
  PRIMARY KEY (region, intervention, provider)
);

-- 0 until the referral takes a place.
ALTER TABLE referrals ADD COLUMN start_time_us {{int64}} NOT NULL DEFAULT 0;
-- The load on a region's places: open referrals by intervention, provider and state.
CREATE INDEX referrals_open_load ON referrals (region, intervention, provider, state)
  WHERE {{is_open}};
CREATE INDEX referrals_started ON referrals (region, start_time_us) WHERE start_time_us > 0;
