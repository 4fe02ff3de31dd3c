-- Delivery (probation.delivery.v1.DeliveryService): appointments, action plans and
-- end-of-service reports. Each row's body is the record as served; version is its etag. Each
-- is written in the transaction that writes its referral's move, history entry and event.
--
-- An appointment keeps its referral's CRN, region and provider beside it (none of them changes
-- once a referral is submitted) for the caseload views, which read across referrals.
CREATE TABLE appointments (
  id TEXT PRIMARY KEY,
  referral_id TEXT NOT NULL,
  crn TEXT NOT NULL,
  region TEXT NOT NULL,
  provider TEXT NOT NULL,
  type INTEGER NOT NULL,
  session_number INTEGER NOT NULL,
  request_id TEXT NOT NULL,
  start_us {{int64}} NOT NULL,
  -- The AttendanceOutcome; 0 until attendance is recorded.
  outcome INTEGER NOT NULL,
  version {{int64}} NOT NULL,
  body {{bytes}} NOT NULL,
  -- A session number is never reused within a referral and type.
  UNIQUE (referral_id, type, session_number),
  -- ScheduleAppointment's idempotency key.
  UNIQUE (referral_id, request_id)
);
CREATE INDEX appointments_by_referral ON appointments (referral_id, start_us, id);
-- "In the next 7 days" and "attendance not recorded", for a provider, a region or everyone.
CREATE INDEX appointments_by_provider ON appointments (provider, start_us, id);
CREATE INDEX appointments_by_region ON appointments (region, start_us, id);
CREATE INDEX appointments_unrecorded ON appointments (outcome, start_us, id);

-- The singletons of a CRS referral, one row each once first written.
CREATE TABLE action_plans (
  referral_id TEXT PRIMARY KEY,
  -- The ActionPlanState, for "needs approval".
  state INTEGER NOT NULL,
  version {{int64}} NOT NULL,
  body {{bytes}} NOT NULL
);
CREATE INDEX action_plans_by_state ON action_plans (state, referral_id);

CREATE TABLE end_of_service_reports (
  referral_id TEXT PRIMARY KEY,
  submitted INTEGER NOT NULL,
  version {{int64}} NOT NULL,
  body {{bytes}} NOT NULL
);
