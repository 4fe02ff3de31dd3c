-- A referral's events, in key order (referral_id, sequence), each row carrying the history entry
-- its event added, if any. The history and subject access read it; the events themselves stay in
-- `events`, appended in sequence order for Watch. A move then writes one page at a random place
-- besides its referral's own, where the history and the events-by-person index wrote two.
CREATE TABLE referral_events (
  referral_id TEXT NOT NULL,
  sequence {{int64}} NOT NULL,
  -- The HistoryEntry the event added (created, submitted, transitioned); NULL if none.
  history {{bytes}},
  -- How long the entry says the referral stayed in from_state, for reports; 0 without one.
  from_state INTEGER NOT NULL DEFAULT 0,
  duration_us {{int64}} NOT NULL DEFAULT 0,
  PRIMARY KEY (referral_id, sequence)
){{without_rowid}};
-- A referral's n-th history entry was written with its n-th event of a type that adds one
-- (created 1, submitted 3, transitioned 4). Purged drafts have neither a referral nor a history.
INSERT INTO referral_events (referral_id, sequence, history, from_state, duration_us)
  SELECT e.referral_id, e.sequence, h.body, COALESCE(h.from_state, 0), COALESCE(h.duration_us, 0)
  FROM (SELECT referral_id, sequence, type IN (1, 3, 4) AS adds_history,
               ROW_NUMBER() OVER (PARTITION BY referral_id, type IN (1, 3, 4)
                                  ORDER BY sequence) - 1 AS position
        FROM events
        WHERE referral_id IN (SELECT id FROM referrals)) e
  LEFT JOIN history h
    ON e.adds_history AND h.referral_id = e.referral_id AND h.position = e.position;
-- Every history entry found its event, or the migration fails (and changes nothing).
CREATE TEMP TABLE migration_0005_check (
  every_history_entry_has_its_event INTEGER CHECK (every_history_entry_has_its_event = 1)
);
INSERT INTO migration_0005_check
  SELECT CASE WHEN (SELECT COUNT(*) FROM history) =
                   (SELECT COUNT(*) FROM referral_events WHERE history IS NOT NULL)
              THEN 1 ELSE 0 END;
DROP TABLE migration_0005_check;

-- Whom a referral was for before its draft's person was corrected: subject access for that
-- person still finds the events written while the referral was theirs. Written only on a
-- correction, so it stays small.
CREATE TABLE former_crns (
  crn TEXT NOT NULL,
  referral_id TEXT NOT NULL,
  PRIMARY KEY (crn, referral_id)
){{without_rowid}};
INSERT INTO former_crns (crn, referral_id)
  SELECT DISTINCT e.crn, e.referral_id
  FROM events e JOIN referrals r ON r.id = e.referral_id
  WHERE e.crn <> r.crn AND e.crn <> '';

-- Subject access and purging find a referral's events through referral_events.
DROP INDEX events_by_crn;
-- [postgres]
DROP INDEX events_by_referral;
-- [both]
DROP TABLE history;
