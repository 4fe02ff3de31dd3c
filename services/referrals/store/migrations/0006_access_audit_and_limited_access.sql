-- The one-open-referral rule counts from submission: a draft (state 1) no longer holds the
-- person's place, so a draft in one region never blocks another region's referral.
DROP INDEX referrals_one_open_per_person;
CREATE UNIQUE INDEX referrals_one_submitted_per_person ON referrals (crn, intervention)
  WHERE {{is_open}} AND state <> 1;

-- Limited-access cases: each row's body is its probation.referrals.v1.CaseAccess.
CREATE TABLE case_access (
  crn TEXT PRIMARY KEY,
  version {{int64}} NOT NULL,
  body {{bytes}} NOT NULL
);

-- The access audit: who read or changed which person's data. Only appended to, and deleted
-- from only by the retention purge, oldest first.
CREATE TABLE access_records (
  occurred_us {{int64}} NOT NULL,
  id TEXT NOT NULL,
  actor TEXT NOT NULL,
  role INTEGER NOT NULL,
  method TEXT NOT NULL,
  crn TEXT NOT NULL,
  referral TEXT NOT NULL,
  request_id TEXT NOT NULL,
  outcome INTEGER NOT NULL,
  PRIMARY KEY (occurred_us, id)
);
CREATE INDEX access_records_by_crn ON access_records (crn, occurred_us, id);
CREATE INDEX access_records_by_actor ON access_records (actor, occurred_us, id);
