// A populated database at each engine's last head before the engines shared one sequence
// (SQLite at 5, PostgreSQL at 3), written as the service then wrote it and opened by this one:
// it migrates to the head and every row is still there and readable through the store, and the
// head's rules (from 6: drafts do not count toward one open referral) hold over the old rows.
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/message_differencer.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "services/referrals/store/open_referral_store.h"
#include "services/referrals/store/postgres_connection.h"
#include "services/referrals/store/sql_migrations.h"
#include "services/referrals/store/sqlite_connection.h"
#include "tests/referrals/store_engines.h"

namespace probation::referrals {
namespace {

using google::protobuf::util::MessageDifferencer;
using google::protobuf::util::TimeUtil;

// The rows an older service left: referral a1 (submitted, amended once), draft b1 whose person
// was corrected from X000009 to X000002, and the events of draft gone1, purged since.
struct OldRows {
  struct Event {
    int64_t sequence;
    std::string referral_id;
    std::string crn;
    v1::ReferralEvent::Type type;
    // The history entry the event added, if any.
    std::optional<v1::HistoryEntry> history;
  };
  std::vector<v1::Referral> referrals;
  std::vector<Event> events;
  v1::ChangelogEntry change;
  v1::Capacity capacity;
};

OldRows MakeOldRows() {
  OldRows rows;
  v1::Referral& a = rows.referrals.emplace_back();
  a.set_id("a1");
  a.set_reference("AA1234BB");
  a.mutable_person()->set_crn("X000001");
  a.set_intervention("interventions/x");
  a.set_region("london");
  a.set_state(v1::REFERRAL_STATE_SUBMITTED);
  a.set_created_by("pp-1");
  a.set_etag("3");
  *a.mutable_create_time() = TimeUtil::MicrosecondsToTimestamp(5);
  *a.mutable_update_time() = TimeUtil::MicrosecondsToTimestamp(9);
  v1::Referral& b = rows.referrals.emplace_back();
  b.set_id("b1");
  b.set_reference("BB1234CC");
  b.mutable_person()->set_crn("X000002");
  b.set_intervention("interventions/x");
  b.set_region("london");
  b.set_state(v1::REFERRAL_STATE_DRAFT);
  b.set_etag("2");
  *b.mutable_create_time() = TimeUtil::MicrosecondsToTimestamp(6);
  *b.mutable_update_time() = TimeUtil::MicrosecondsToTimestamp(8);

  v1::HistoryEntry created;
  created.set_action("create");
  v1::HistoryEntry submitted;
  submitted.set_action("submit");
  submitted.set_from_state(v1::REFERRAL_STATE_DRAFT);
  *submitted.mutable_time_in_previous_state() = TimeUtil::SecondsToDuration(7200);
  rows.events = {{1, "a1", "X000001", v1::ReferralEvent::TYPE_CREATED, created},
                 {2, "b1", "X000009", v1::ReferralEvent::TYPE_CREATED, created},
                 {3, "a1", "X000001", v1::ReferralEvent::TYPE_SUBMITTED, submitted},
                 {4, "b1", "X000002", v1::ReferralEvent::TYPE_UPDATED, std::nullopt},
                 {5, "gone1", "", v1::ReferralEvent::TYPE_CREATED, std::nullopt},
                 {6, "a1", "X000001", v1::ReferralEvent::TYPE_AMENDED, std::nullopt},
                 {7, "gone1", "", v1::ReferralEvent::TYPE_PURGED, std::nullopt}};
  rows.change.set_field("complexity_level");
  rows.change.set_reason("typo");
  rows.capacity.set_intervention("interventions/x");
  rows.capacity.set_region("london");
  rows.capacity.set_places(12);
  rows.capacity.set_etag("1");
  return rows;
}

void RunSql(SqlConnection& db, const std::string& sql, const std::vector<SqlValue>& params = {}) {
  absl::StatusOr<SqlRows> rows = db.Query(sql, params);
  ASSERT_TRUE(rows.ok()) << sql << ": " << rows.status();
}

// The migrations up to `version` applied as an older service applied them.
void MigrateTo(SqlConnection& db, int version) {
  ASSERT_TRUE(db.Script(CreateSchemaMigrations(db.dialect())).ok());
  for (const Migration& migration : Migrations(db.dialect())) {
    if (migration.version > version) break;
    ASSERT_TRUE(db.Script(migration.sql).ok()) << migration.name;
    RunSql(db, "INSERT INTO schema_migrations (version, name, applied_us) VALUES (?, ?, 0)",
           {int64_t{migration.version}, std::string(migration.name)});
  }
}

void InsertEvent(SqlConnection& db, const OldRows::Event& event) {
  v1::ReferralEvent body;
  body.set_type(event.type);
  body.mutable_referral()->set_id(event.referral_id);
  RunSql(
      db,
      "INSERT INTO events (sequence, referral_id, crn, type, occurred_us, body) VALUES (?, ?, ?, "
      "?, 5, ?)",
      {event.sequence, event.referral_id, event.crn, int64_t{event.type},
       Blob{body.SerializeAsString()}});
}

// What both engines' older services wrote alike: referrals, the changelog, request ids and
// capacity.
void InsertCommonRows(SqlConnection& db, const OldRows& rows) {
  for (const v1::Referral& referral : rows.referrals) {
    RunSql(
        db,
        "INSERT INTO referrals (id, reference, crn, intervention, region, provider, state, "
        "is_open, version, create_time_us, update_time_us, created_by, assignee, body) VALUES "
        "(?, ?, ?, ?, ?, '', ?, ?, ?, ?, ?, ?, '', ?)",
        {referral.id(), referral.reference(), referral.person().crn(), referral.intervention(),
         referral.region(), int64_t{referral.state()}, int64_t{1}, VersionOfEtag(referral.etag()),
         TimeUtil::TimestampToMicroseconds(referral.create_time()),
         TimeUtil::TimestampToMicroseconds(referral.update_time()), referral.created_by(),
         Blob{referral.SerializeAsString()}});
  }
  RunSql(db, "INSERT INTO changelog (referral_id, position, body) VALUES ('a1', 0, ?)",
         {Blob{rows.change.SerializeAsString()}});
  RunSql(db, "INSERT INTO request_ids (request_id, referral_id) VALUES ('request-a1', 'a1')");
  RunSql(db,
         "INSERT INTO capacities (intervention, region, provider, version, body) VALUES (?, ?, '', "
         "1, ?)",
         {rows.capacity.intervention(), rows.capacity.region(),
          Blob{rows.capacity.SerializeAsString()}});
}

// PostgreSQL at 3: history by position, events numbered from event_sequence.
void WritePostgresAtThree(SqlConnection& db, const OldRows& rows) {
  MigrateTo(db, 3);
  InsertCommonRows(db, rows);
  std::map<std::string, int64_t> positions;
  for (const OldRows::Event& event : rows.events) {
    InsertEvent(db, event);
    if (!event.history.has_value()) continue;
    RunSql(
        db,
        "INSERT INTO history (referral_id, position, body, from_state, duration_us) VALUES (?, ?, "
        "?, ?, ?)",
        {event.referral_id, positions[event.referral_id]++,
         Blob{event.history->SerializeAsString()}, int64_t{event.history->from_state()},
         StayMicros(*event.history)});
  }
  RunSql(db, "UPDATE event_sequence SET last = ?", {rows.events.back().sequence});
}

// SQLite at 5: each history entry on its event's row, and the corrected draft's former CRN.
void WriteSqliteAtFive(SqlConnection& db, const OldRows& rows) {
  MigrateTo(db, 5);
  InsertCommonRows(db, rows);
  for (const OldRows::Event& event : rows.events) {
    InsertEvent(db, event);
    if (event.referral_id == "gone1") continue;
    if (!event.history.has_value()) {
      RunSql(db, "INSERT INTO referral_events (referral_id, sequence) VALUES (?, ?)",
             {event.referral_id, event.sequence});
      continue;
    }
    RunSql(db,
           "INSERT INTO referral_events (referral_id, sequence, history, from_state, duration_us) "
           "VALUES (?, ?, ?, ?, ?)",
           {event.referral_id, event.sequence, Blob{event.history->SerializeAsString()},
            int64_t{event.history->from_state()}, StayMicros(*event.history)});
  }
  RunSql(db, "INSERT INTO former_crns (crn, referral_id) VALUES ('X000009', 'b1')");
}

std::vector<int64_t> Sequences(const absl::StatusOr<std::vector<v1::ReferralEvent>>& events) {
  EXPECT_TRUE(events.ok()) << events.status();
  std::vector<int64_t> sequences;
  if (events.ok()) {
    for (const v1::ReferralEvent& event : *events) sequences.push_back(event.sequence());
  }
  return sequences;
}

// Every row of `rows` read back through the store, which then writes on from where they end.
void ExpectEveryRowReadable(SqlReferralStore& store, const OldRows& rows) {
  EXPECT_EQ(*store.SchemaVersion(), Migrations(SqlDialect::kSqlite).back().version);
  for (const v1::Referral& referral : rows.referrals) {
    auto stored = store.Get(referral.id());
    ASSERT_TRUE(stored.ok()) << stored.status();
    EXPECT_TRUE(MessageDifferencer::Equals(*stored, referral)) << stored->DebugString();
  }
  for (const auto& [id, actions] : std::vector<std::pair<std::string, std::vector<std::string>>>{
           {"a1", {"create", "submit"}}, {"b1", {"create"}}}) {
    auto history = store.History(id);
    ASSERT_TRUE(history.ok()) << history.status();
    std::vector<std::string> seen;
    for (const v1::HistoryEntry& entry : *history) seen.push_back(entry.action());
    EXPECT_EQ(seen, actions) << id;
  }
  auto changelog = store.Changelog("a1");
  ASSERT_TRUE(changelog.ok()) << changelog.status();
  ASSERT_EQ(changelog->size(), 1u);
  EXPECT_TRUE(MessageDifferencer::Equals((*changelog)[0], rows.change));

  auto events = store.EventsAfter(0, 100);
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_EQ(events->size(), rows.events.size());
  for (size_t i = 0; i < events->size(); ++i) {
    EXPECT_EQ((*events)[i].sequence(), rows.events[i].sequence);
    EXPECT_EQ((*events)[i].type(), rows.events[i].type);
    EXPECT_EQ((*events)[i].referral().id(), rows.events[i].referral_id);
  }
  EXPECT_EQ(Sequences(store.EventsOfPerson("X000001")), (std::vector<int64_t>{1, 3, 6}));
  EXPECT_EQ(Sequences(store.EventsOfPerson("X000009")), (std::vector<int64_t>{2}))
      << "the corrected draft's event under its former CRN";
  EXPECT_EQ(Sequences(store.EventsOfPerson("X000002")), (std::vector<int64_t>{4}));

  ReportQuery whole;

  whole.end_us = 100;

  auto report = store.Report(whole);
  ASSERT_TRUE(report.ok()) << report.status();
  ASSERT_EQ(report->stays.size(), 1u);
  EXPECT_EQ(report->stays[0].state, v1::REFERRAL_STATE_DRAFT);
  EXPECT_EQ(report->stays[0].duration_us, 7200LL * 1000000);

  auto capacity = store.GetCapacity("interventions/x", "london", "");
  ASSERT_TRUE(capacity.ok()) << capacity.status();
  EXPECT_TRUE(MessageDifferencer::Equals(*capacity, rows.capacity));

  // A retried create finds its referral; a new write takes the next sequence.
  ReferralWrite retry;
  retry.referral = rows.referrals[0];
  retry.referral.set_id("other");
  retry.event_type = v1::ReferralEvent::TYPE_CREATED;
  auto created = store.Create(retry, "request-a1");
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_FALSE(created->created);
  EXPECT_EQ(created->referral.id(), "a1");
  ReferralWrite move;
  move.referral = rows.referrals[0];
  move.referral.set_state(v1::REFERRAL_STATE_AWAITING_ASSESSMENT);
  move.history.emplace().set_action("accept");
  move.event_type = v1::ReferralEvent::TYPE_TRANSITIONED;
  auto moved = store.Update(move, "3");
  ASSERT_TRUE(moved.ok()) << moved.status();
  EXPECT_EQ(Sequences(store.EventsAfter(7, 10)), (std::vector<int64_t>{8}));
  EXPECT_EQ(store.History("a1")->size(), 3u);

  // Migration 6: the one-open-referral rule counts from submission. Beside a1, open, a draft
  // of the same person and intervention is made, and refused when it is submitted.
  ReferralWrite draft;
  draft.referral = rows.referrals[0];
  draft.referral.set_id("c1");
  draft.referral.set_name("referrals/c1");
  draft.referral.set_reference("CC1234DD");
  draft.referral.set_state(v1::REFERRAL_STATE_DRAFT);
  draft.event_type = v1::ReferralEvent::TYPE_CREATED;
  auto drafted = store.Create(draft, "request-c1");
  ASSERT_TRUE(drafted.ok()) << drafted.status();
  ReferralWrite submit;
  submit.referral = drafted->referral;
  submit.referral.set_state(v1::REFERRAL_STATE_SUBMITTED);
  submit.event_type = v1::ReferralEvent::TYPE_SUBMITTED;
  auto refused = store.Update(submit, "1");
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_NE(refused.status().message().find("referrals/a1"), absl::string_view::npos)
      << refused.status();
  // And the access audit and limited-access cases are there, empty.
  auto records = store.ListAccessRecords({});
  ASSERT_TRUE(records.ok()) << records.status();
  EXPECT_TRUE(records->empty());
  v1::AccessRecord record;
  record.set_id("r1");
  record.set_crn("X000001");
  ASSERT_TRUE(store.AppendAccessRecords({record}).ok());
  EXPECT_EQ(store.ListAccessRecords({})->size(), 1u);
  auto cases = store.AllCaseAccess();
  ASSERT_TRUE(cases.ok()) << cases.status();
  EXPECT_TRUE(cases->empty());
}

TEST(MigrateForwardTest, SqliteAtFiveKeepsEveryRow) {
  const OldRows rows = MakeOldRows();
  const std::string path = Sqlite().fresh_location();
  {
    auto db = SqliteConnection::Open(path);
    ASSERT_TRUE(db.ok()) << db.status();
    WriteSqliteAtFive(**db, rows);
  }
  {
    auto store = OpenSqliteReferralStore(path);
    ASSERT_TRUE(store.ok()) << store.status();
    ExpectEveryRowReadable(**store, rows);
  }
  Sqlite().remove(path);
}

class PostgresMigrateForwardTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (PostgresServer() == nullptr) {
      GTEST_SKIP() << "PROBATION_TEST_POSTGRES is not set; scripts/test.sh sets it";
    }
    database_ = Postgres().fresh_location();
    auto db = PostgresConnection::Open(database_);
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = *std::move(db);
  }
  void TearDown() override {
    db_.reset();
    if (!database_.empty()) Postgres().remove(database_);
  }

  std::string database_;
  std::unique_ptr<PostgresConnection> db_;
};

TEST_F(PostgresMigrateForwardTest, PostgresAtThreeKeepsEveryRow) {
  const OldRows rows = MakeOldRows();
  WritePostgresAtThree(*db_, rows);
  auto store = OpenPostgresReferralStore(database_);
  ASSERT_TRUE(store.ok()) << store.status();
  ExpectEveryRowReadable(**store, rows);
}

// A history entry without its event cannot be placed: migration 5 fails, and the database is
// left as the older service wrote it (PostgreSQL applies pending migrations in one transaction).
TEST_F(PostgresMigrateForwardTest, AHistoryEntryWithoutItsEventLeavesTheDatabaseAtThree) {
  OldRows rows = MakeOldRows();
  rows.events.erase(rows.events.begin() + 2);  // a1's submitted event
  WritePostgresAtThree(*db_, rows);
  RunSql(*db_,
         "INSERT INTO history (referral_id, position, body, from_state, duration_us) VALUES ('a1', "
         "1, '', 1, 0)");
  auto store = OpenPostgresReferralStore(database_);
  EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(store.status().message().find("0005_events_by_referral"), absl::string_view::npos)
      << store.status();
  auto kept = db_->Query(
      "SELECT (SELECT COUNT(*) FROM history), (SELECT MAX(version) FROM schema_migrations)");
  ASSERT_TRUE(kept.ok()) << kept.status();
  EXPECT_EQ(kept->Int(0, 0), 3);
  EXPECT_EQ(kept->Int(0, 1), 3);
}

}  // namespace
}  // namespace probation::referrals
