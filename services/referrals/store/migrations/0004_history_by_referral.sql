-- Every move appends to its referral's history, and reports read the stays from the table
-- itself, without the stays index.
-- [sqlite]
-- Kept in key order, one referral's entries share a page: an append writes one page, where the
-- rowid table, its key index and the stays index wrote three.
CREATE TABLE history_by_referral (
  referral_id TEXT NOT NULL,
  position INTEGER NOT NULL,
  from_state INTEGER NOT NULL,
  duration_us INTEGER NOT NULL,
  body BLOB NOT NULL,
  PRIMARY KEY (referral_id, position)
) WITHOUT ROWID;
INSERT INTO history_by_referral (referral_id, position, from_state, duration_us, body)
  SELECT referral_id, position, from_state, duration_us, body FROM history;
DROP TABLE history;
ALTER TABLE history_by_referral RENAME TO history;
-- [postgres]
DROP INDEX history_stays;
