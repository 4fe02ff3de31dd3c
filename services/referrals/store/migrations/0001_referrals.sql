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
  is_open {{flag}} NOT NULL,
  version {{int64}} NOT NULL,
  create_time_us {{int64}} NOT NULL,
  update_time_us {{int64}} NOT NULL,
  body {{bytes}} NOT NULL
);
-- At most one open referral per person and intervention, whichever replica writes.
CREATE UNIQUE INDEX referrals_one_open_per_person ON referrals (crn, intervention) WHERE {{is_open}};
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
  body {{bytes}} NOT NULL,
  PRIMARY KEY (referral_id, position)
);

-- [postgres]
-- Event sequences come from this one row, updated in the writing transaction: its row lock
-- makes sequences commit in order, so a watcher never passes an event that commits later.
-- (SQLite's one writer commits in order anyway, and AUTOINCREMENT numbers the events.)
CREATE TABLE event_sequence (
  singleton BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (singleton),
  last BIGINT NOT NULL
);
INSERT INTO event_sequence (last) VALUES (0);
-- [both]

CREATE TABLE events (
  sequence {{event_sequence}},
  referral_id TEXT NOT NULL,
  crn TEXT NOT NULL,
  type INTEGER NOT NULL,
  occurred_us {{int64}} NOT NULL,
  body {{bytes}} NOT NULL
);
CREATE INDEX events_by_crn ON events (crn);
-- [postgres]
CREATE INDEX events_by_referral ON events (referral_id);
