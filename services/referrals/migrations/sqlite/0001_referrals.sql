-- Referrals, their history, idempotency keys and the event outbox.
-- Each referral's full record is its serialised probation.referrals.v1.Referral (`body`); the
-- columns beside it are what filters, ordering and constraints need.
CREATE TABLE referrals (
  id TEXT PRIMARY KEY,
  reference TEXT NOT NULL UNIQUE,
  crn TEXT NOT NULL,
  intervention TEXT NOT NULL,
  region TEXT NOT NULL,
  provider TEXT NOT NULL,
  state INTEGER NOT NULL,
  is_open INTEGER NOT NULL,
  version INTEGER NOT NULL,
  create_time_us INTEGER NOT NULL,
  update_time_us INTEGER NOT NULL,
  body BLOB NOT NULL
);
-- At most one open referral per person and intervention, whoever writes.
CREATE UNIQUE INDEX referrals_one_open_per_person ON referrals (crn, intervention) WHERE is_open = 1;
CREATE INDEX referrals_newest ON referrals (create_time_us DESC, id DESC);
CREATE INDEX referrals_by_crn ON referrals (crn, create_time_us DESC, id DESC);
CREATE INDEX referrals_by_state ON referrals (state, create_time_us DESC, id DESC);
CREATE INDEX referrals_by_region ON referrals (region, create_time_us DESC, id DESC);
CREATE INDEX referrals_by_provider ON referrals (provider, create_time_us DESC, id DESC);
CREATE INDEX referrals_by_intervention ON referrals (intervention, create_time_us DESC, id DESC);
CREATE INDEX referrals_drafts_by_update ON referrals (update_time_us) WHERE state = 1;

CREATE TABLE request_ids (
  request_id TEXT PRIMARY KEY,
  referral_id TEXT NOT NULL
);

CREATE TABLE history (
  referral_id TEXT NOT NULL,
  position INTEGER NOT NULL,
  body BLOB NOT NULL,
  PRIMARY KEY (referral_id, position)
);

CREATE TABLE events (
  sequence INTEGER PRIMARY KEY AUTOINCREMENT,
  referral_id TEXT NOT NULL,
  crn TEXT NOT NULL,
  type INTEGER NOT NULL,
  occurred_us INTEGER NOT NULL,
  body BLOB NOT NULL
);
CREATE INDEX events_by_crn ON events (crn);
