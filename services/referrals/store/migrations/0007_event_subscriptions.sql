-- Durable event subscriptions: each row's body is its probation.referrals.v1.Subscription; the
-- acknowledged sequence, which moves with every acknowledgement, is kept beside it.
CREATE TABLE subscriptions (
  id TEXT PRIMARY KEY,
  owner_actor TEXT NOT NULL,
  version {{int64}} NOT NULL,
  acknowledged_sequence {{int64}} NOT NULL,
  update_us {{int64}} NOT NULL,
  body {{bytes}} NOT NULL
);
CREATE INDEX subscriptions_by_owner ON subscriptions (owner_actor, id);

-- The events a subscription's consumer gave up on. The event itself stays in `events`; the
-- body (a probation.referrals.v1.DeadLetter) holds attempts, the last error and when.
CREATE TABLE dead_letters (
  subscription TEXT NOT NULL,
  sequence {{int64}} NOT NULL,
  replay_requested INTEGER NOT NULL,
  body {{bytes}} NOT NULL,
  PRIMARY KEY (subscription, sequence)
);
