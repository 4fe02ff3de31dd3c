// SQLite databases written by earlier versions of the service, opened by this one: rows written
// before a migration come out of it whole (records, history, subject access), and a migration
// that cannot account for every row fails without changing anything.
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "services/referrals/store/open_referral_store.h"
#include "services/referrals/store/sql_migrations.h"
#include "services/referrals/store/sqlite_connection.h"
#include "tests/referrals/store_engines.h"

namespace probation::referrals {
namespace {

using google::protobuf::util::TimeUtil;

// A database file with the migrations before `version` applied, as an older service left it.
class SqliteMigrationTest : public ::testing::Test {
 protected:
  void TearDown() override {
    for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path_ + suffix).c_str());
  }

  std::unique_ptr<SqliteConnection> DatabaseBefore(int version) {
    auto db = SqliteConnection::Open(path_);
    EXPECT_TRUE(db.ok()) << db.status();
    EXPECT_TRUE((*db)
                    ->Exec("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name "
                           "TEXT NOT NULL, applied_us INTEGER NOT NULL)")
                    .ok());
    for (const Migration& migration : Migrations(SqlDialect::kSqlite)) {
      if (migration.version >= version) continue;
      EXPECT_TRUE((*db)->Exec(migration.sql).ok()) << migration.name;
      EXPECT_TRUE((*db)
                      ->Exec(absl::StrCat("INSERT INTO schema_migrations VALUES (",
                                          migration.version, ", '", migration.name, "', 0)"))
                      .ok());
    }
    return *std::move(db);
  }

  // Referral old1 of person X000001, as an older service wrote it.
  static v1::Referral OldReferral() {
    v1::Referral referral;
    referral.set_id("old1");
    referral.set_reference("OL1234DD");
    referral.mutable_person()->set_crn("X000001");
    return referral;
  }

  static void InsertReferral(SqliteConnection& db, const v1::Referral& referral) {
    SqliteStatement insert(db,
                           "INSERT INTO referrals (id, reference, crn, intervention, region, "
                           "provider, state, is_open, version, create_time_us, update_time_us, "
                           "body) VALUES (?, ?, ?, 'interventions/x', 'london', '', ?, 1, 1, 5, "
                           "5, ?)");
    insert.Bind({referral.id(), referral.reference(), referral.person().crn(),
                 int64_t{referral.state()}, Blob{referral.SerializeAsString()}});
    ASSERT_TRUE(insert.Run().ok());
  }

  // Before migration 3 the history has no stay columns; from it on they are required.
  static void InsertHistory(SqliteConnection& db, const std::string& referral_id, int position,
                            const v1::HistoryEntry& entry, bool with_stay = true) {
    SqliteStatement insert(db, with_stay ? "INSERT INTO history (referral_id, position, body, "
                                           "from_state, duration_us) VALUES (?, ?, ?, ?, ?)"
                                         : "INSERT INTO history (referral_id, position, body) "
                                           "VALUES (?, ?, ?)");
    std::vector<SqlValue> values = {referral_id, int64_t{position},
                                    Blob{entry.SerializeAsString()}};
    if (with_stay) {
      values.push_back(int64_t{entry.from_state()});
      values.push_back(StayMicros(entry));
    }
    insert.Bind(values);
    ASSERT_TRUE(insert.Run().ok());
  }

  static void InsertEvent(SqliteConnection& db, const std::string& referral_id,
                          const std::string& crn, v1::ReferralEvent::Type type) {
    v1::ReferralEvent event;
    event.set_type(type);
    event.mutable_referral()->set_id(referral_id);
    SqliteStatement insert(db,
                           "INSERT INTO events (referral_id, crn, type, occurred_us, body) "
                           "VALUES (?, ?, ?, 5, ?)");
    insert.Bind({referral_id, crn, int64_t{type}, Blob{event.SerializeAsString()}});
    ASSERT_TRUE(insert.Run().ok());
  }

  static std::vector<std::pair<v1::ReferralEvent::Type, int64_t>> TypesAndSequences(
      ReferralStore& store, const std::string& crn) {
    std::vector<std::pair<v1::ReferralEvent::Type, int64_t>> seen;
    auto events = store.EventsOfPerson(crn);
    EXPECT_TRUE(events.ok()) << events.status();
    if (events.ok()) {
      for (const v1::ReferralEvent& event : *events)
        seen.emplace_back(event.type(), event.sequence());
    }
    return seen;
  }

  std::string path_ = TempSqliteFile();
};

// Migration 3 fills the caseload and report columns of older rows from their records.
TEST_F(SqliteMigrationTest, FillsTheCaseloadColumnsOfOlderRows) {
  {
    std::unique_ptr<SqliteConnection> db = DatabaseBefore(3);
    v1::Referral referral = OldReferral();
    referral.set_state(v1::REFERRAL_STATE_SUBMITTED);
    referral.set_created_by("pp-before");
    referral.set_assignee("facilitator-before");
    InsertReferral(*db, referral);
    v1::HistoryEntry created;
    created.set_action("create");
    v1::HistoryEntry submitted;
    submitted.set_from_state(v1::REFERRAL_STATE_SUBMITTED);
    *submitted.mutable_time_in_previous_state() = TimeUtil::SecondsToDuration(7200);
    InsertHistory(*db, "old1", 0, created, /*with_stay=*/false);
    InsertHistory(*db, "old1", 1, submitted, /*with_stay=*/false);
    InsertEvent(*db, "old1", "X000001", v1::ReferralEvent::TYPE_CREATED);
    InsertEvent(*db, "old1", "X000001", v1::ReferralEvent::TYPE_TRANSITIONED);
  }
  auto store = OpenSqliteReferralStore(path_);
  ASSERT_TRUE(store.ok()) << store.status();
  ListQuery mine;
  mine.created_by = "pp-before";
  auto page = (*store)->List(mine);
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_EQ(page->referrals.size(), 1u);
  ListQuery assigned;
  assigned.assignee = "facilitator-before";
  EXPECT_EQ((*store)->List(assigned)->referrals.size(), 1u);
  ReportQuery whole;
  whole.end_us = 10;
  auto data = (*store)->Report(whole);
  ASSERT_TRUE(data.ok()) << data.status();
  ASSERT_EQ(data->stays.size(), 1u);
  EXPECT_EQ(data->stays[0].state, v1::REFERRAL_STATE_SUBMITTED);
  EXPECT_EQ(data->stays[0].duration_us, 7200LL * 1000000);
}

// Migration 9 fills the waiting list's columns of older rows from their records: a referral
// submitted before it waits in its place, and a single-sex cohort finds it.
TEST_F(SqliteMigrationTest, FillsTheWaitingListColumnsOfOlderRows) {
  {
    std::unique_ptr<SqliteConnection> db = DatabaseBefore(9);
    v1::Referral earlier = OldReferral();
    earlier.set_state(v1::REFERRAL_STATE_SUBMITTED);
    earlier.mutable_person()->set_sex(common::v1::SEX_MALE);
    *earlier.mutable_submit_time() = TimeUtil::SecondsToTimestamp(1000);
    InsertReferral(*db, earlier);
    v1::Referral later = earlier;
    later.set_id("old2");
    later.set_reference("OL1234DE");
    later.mutable_person()->set_crn("X000002");
    *later.mutable_submit_time() = TimeUtil::SecondsToTimestamp(500);
    InsertReferral(*db, later);
  }
  auto store = OpenSqliteReferralStore(path_);
  ASSERT_TRUE(store.ok()) << store.status();
  WaitingQuery query;
  query.intervention = "interventions/x";
  query.region = "london";
  query.sex = common::v1::SEX_MALE;
  query.states = {v1::REFERRAL_STATE_SUBMITTED};
  auto page = (*store)->WaitingList(query);
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_EQ(page->rows.size(), 2u);
  EXPECT_EQ(page->rows[0].referral_id, "old2");
  EXPECT_EQ(page->rows[0].submit_time_us, 500LL * 1000000);
  EXPECT_EQ(page->rows[1].referral_id, "old1");
  EXPECT_EQ(page->rows[1].position, 2);
}

// Migration 5 moves each history entry onto its event's row, in order, and keeps subject
// access finding every event under the CRN it was written for, a corrected draft's included;
// a purged draft's events stay out of both.
TEST_F(SqliteMigrationTest, PairsEachHistoryEntryWithItsEvent) {
  {
    std::unique_ptr<SqliteConnection> db = DatabaseBefore(5);
    v1::Referral referral = OldReferral();
    referral.set_state(v1::REFERRAL_STATE_SUBMITTED);
    InsertReferral(*db, referral);
    InsertEvent(*db, "old1", "X000009", v1::ReferralEvent::TYPE_CREATED);  // 1
    InsertEvent(*db, "gone1", "", v1::ReferralEvent::TYPE_CREATED);        // 2, purged since
    InsertEvent(*db, "old1", "X000001", v1::ReferralEvent::TYPE_UPDATED);  // 3, the correction
    InsertEvent(*db, "old1", "X000001", v1::ReferralEvent::TYPE_SUBMITTED);
    InsertEvent(*db, "gone1", "", v1::ReferralEvent::TYPE_PURGED);
    InsertEvent(*db, "old1", "X000001", v1::ReferralEvent::TYPE_AMENDED);
    InsertEvent(*db, "old1", "X000001", v1::ReferralEvent::TYPE_TRANSITIONED);  // 7
    for (int position = 0; position < 3; ++position) {
      v1::HistoryEntry entry;
      entry.set_action(absl::StrCat("entry ", position));
      InsertHistory(*db, "old1", position, entry);
    }
  }
  auto store = OpenSqliteReferralStore(path_);
  ASSERT_TRUE(store.ok()) << store.status();
  auto history = (*store)->History("old1");
  ASSERT_TRUE(history.ok()) << history.status();
  ASSERT_EQ(history->size(), 3u);
  for (int position = 0; position < 3; ++position) {
    EXPECT_EQ((*history)[position].action(), absl::StrCat("entry ", position));
  }
  using Seen = std::vector<std::pair<v1::ReferralEvent::Type, int64_t>>;
  EXPECT_EQ(TypesAndSequences(**store, "X000009"), (Seen{{v1::ReferralEvent::TYPE_CREATED, 1}}));
  EXPECT_EQ(TypesAndSequences(**store, "X000001"),
            (Seen{{v1::ReferralEvent::TYPE_UPDATED, 3},
                  {v1::ReferralEvent::TYPE_SUBMITTED, 4},
                  {v1::ReferralEvent::TYPE_AMENDED, 6},
                  {v1::ReferralEvent::TYPE_TRANSITIONED, 7}}));
  EXPECT_TRUE(TypesAndSequences(**store, "").empty());
  EXPECT_EQ((*store)->EventsAfter(0, 100)->size(), 7u) << "Watch still sees every event";
}

// A history entry without its event cannot be placed: the migration fails, and the database is
// left as the older service wrote it.
TEST_F(SqliteMigrationTest, AHistoryEntryWithoutItsEventStopsMigrationFiveUnchanged) {
  {
    std::unique_ptr<SqliteConnection> db = DatabaseBefore(5);
    v1::Referral referral = OldReferral();
    InsertReferral(*db, referral);
    InsertEvent(*db, "old1", "X000001", v1::ReferralEvent::TYPE_CREATED);
    v1::HistoryEntry entry;
    InsertHistory(*db, "old1", 0, entry);
    InsertHistory(*db, "old1", 1, entry);
  }
  auto store = OpenSqliteReferralStore(path_);
  EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(store.status().message().find("0005_events_by_referral"), absl::string_view::npos)
      << store.status();

  auto db = SqliteConnection::Open(path_);
  ASSERT_TRUE(db.ok()) << db.status();
  SqliteStatement kept(**db,
                       "SELECT (SELECT COUNT(*) FROM history), (SELECT MAX(version) FROM "
                       "schema_migrations)");
  ASSERT_TRUE(*kept.Step());
  EXPECT_EQ(kept.Int(0), 2);
  EXPECT_EQ(kept.Int(1), 4);
}

}  // namespace
}  // namespace probation::referrals
