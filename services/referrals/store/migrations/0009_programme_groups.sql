-- Programme groups (probation.delivery.v1 groups): the group as served (body; version is its
-- etag), its sessions' dates and its facilitators for "my groups this week", and its members
-- for the waiting list, availability and dosage reports. A group's rows and the moves, history
-- entries and events of the referrals it changes commit in one transaction.
CREATE TABLE programme_groups (
  id TEXT PRIMARY KEY,
  intervention TEXT NOT NULL,
  region TEXT NOT NULL,
  -- "YYYY-MM-DD", which sorts as text: the first and last sessions' dates.
  start_date TEXT NOT NULL,
  end_date TEXT NOT NULL,
  capacity INTEGER NOT NULL,
  -- Members now.
  members INTEGER NOT NULL,
  -- CreateGroup's idempotency key.
  request_id TEXT NOT NULL UNIQUE,
  version {{int64}} NOT NULL,
  body {{bytes}} NOT NULL
);
CREATE INDEX programme_groups_by_region ON programme_groups (region, start_date, id);
CREATE INDEX programme_groups_by_intervention
  ON programme_groups (intervention, region, start_date, id);

CREATE TABLE programme_group_sessions (
  group_id TEXT NOT NULL,
  session_number INTEGER NOT NULL,
  session_date TEXT NOT NULL,
  PRIMARY KEY (group_id, session_number)
);
CREATE INDEX programme_group_sessions_by_date
  ON programme_group_sessions (session_date, group_id);

CREATE TABLE programme_group_facilitators (
  actor TEXT NOT NULL,
  group_id TEXT NOT NULL,
  PRIMARY KEY (actor, group_id)
);

-- One row per referral ever allocated to a group; active (1) while it is a member. The
-- figures are the member's group sessions: required (the group's), attended and missed.
CREATE TABLE programme_group_members (
  group_id TEXT NOT NULL,
  referral_id TEXT NOT NULL,
  active INTEGER NOT NULL,
  sessions_required INTEGER NOT NULL,
  sessions_attended INTEGER NOT NULL,
  sessions_missed INTEGER NOT NULL,
  PRIMARY KEY (group_id, referral_id)
);
-- A referral is a member of one group at a time, whichever replica allocates it.
CREATE UNIQUE INDEX programme_group_members_one_group
  ON programme_group_members (referral_id) WHERE active = 1;

-- The waiting list: open referrals by intervention and region in the order they were
-- submitted, with the person's sex for single-sex cohorts. The migration fills both for the
-- referrals written before it from their records, in its transaction
-- (sql_migrations.cc, FillWaitingColumns).
ALTER TABLE referrals ADD COLUMN submit_time_us {{int64}} NOT NULL DEFAULT 0;
ALTER TABLE referrals ADD COLUMN sex INTEGER NOT NULL DEFAULT 0;
-- It holds every column the list reads, so that its page and its counts (positions, total)
-- are read from the index alone.
CREATE INDEX referrals_waiting
  ON referrals (intervention, region, submit_time_us, id, state, sex, is_open) WHERE {{is_open}};
