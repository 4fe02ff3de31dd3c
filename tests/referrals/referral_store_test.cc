// The storage contract every engine keeps, run against a real database file: round trips,
// idempotent creates, one open referral per person and intervention, etag checks under
// concurrency, keyset pagination, the event outbox, retention and durability across reopen.
#include "services/referrals/domain/referral_store.h"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <functional>
#include <map>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "services/referrals/store/postgres_connection.h"
#include "services/referrals/store/sql_referral_store.h"
#include "tests/referrals/store_engines.h"

namespace probation::referrals {
namespace {

using google::protobuf::util::TimeUtil;
using ::testing::HasSubstr;

class ReferralStoreTest : public StoreTest {
 protected:
  // A draft with a unique id and reference, created `age` ago.
  ReferralWrite Draft(const std::string& crn, const std::string& intervention,
                      absl::Duration age = absl::ZeroDuration()) {
    const int n = ++counter_;
    ReferralWrite write;
    v1::Referral& referral = write.referral;
    referral.set_id(absl::StrCat("id", 1000 + n));
    referral.set_name(absl::StrCat("referrals/", referral.id()));
    referral.set_reference(absl::StrCat("AB", 1000 + n, "CD"));
    referral.set_intervention(intervention);
    referral.mutable_person()->set_crn(crn);
    referral.set_region("london");
    referral.set_state(v1::REFERRAL_STATE_DRAFT);
    const auto time = TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(absl::Now() - age) +
                                                        n);  // distinct, increasing
    *referral.mutable_create_time() = time;
    *referral.mutable_update_time() = time;
    write.history.emplace();
    write.history->set_to_state(v1::REFERRAL_STATE_DRAFT);
    write.history->set_action("create");
    write.event_type = v1::ReferralEvent::TYPE_CREATED;
    return write;
  }

  v1::Referral Create(const ReferralWrite& write) {
    auto created = store_->Create(write, absl::StrCat("request-", write.referral.id()));
    EXPECT_TRUE(created.ok()) << created.status();
    return created.ok() ? created->referral : v1::Referral();
  }

  ReferralWrite MoveTo(v1::Referral referral, v1::ReferralState state, bool open = true) {
    ReferralWrite write;
    referral.set_state(state);
    write.referral = referral;
    write.open = open;
    write.history.emplace();
    write.history->set_to_state(state);
    write.event_type = v1::ReferralEvent::TYPE_TRANSITIONED;
    return write;
  }

  int counter_ = 0;
};

TEST_P(ReferralStoreTest, StoresAndReadsBackAReferralWithItsHistoryAndEvent) {
  const v1::Referral created = Create(Draft("X000001", "interventions/unpaid-work"));
  EXPECT_EQ(created.etag(), "1");
  auto read = store_->Get(created.id());
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read->SerializeAsString(), created.SerializeAsString());
  auto history = store_->History(created.id());
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), 1u);
  EXPECT_EQ((*history)[0].action(), "create");
  auto events = store_->EventsAfter(0, 10);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].type(), v1::ReferralEvent::TYPE_CREATED);
  EXPECT_EQ((*events)[0].referral().id(), created.id());
  EXPECT_EQ(store_->Get("nope").status().code(), absl::StatusCode::kNotFound);
}

TEST_P(ReferralStoreTest, ARetriedCreateReturnsTheSameReferral) {
  const ReferralWrite write = Draft("X000002", "interventions/unpaid-work");
  auto first = store_->Create(write, "same-request");
  ReferralWrite retry = Draft("X000002", "interventions/unpaid-work");  // new id, same key
  auto second = store_->Create(retry, "same-request");
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_TRUE(first->created);
  EXPECT_FALSE(second->created);
  EXPECT_EQ(second->referral.id(), first->referral.id());
}

TEST_P(ReferralStoreTest, KeepsOneSubmittedReferralPerPersonAndIntervention) {
  const v1::Referral first = Create(Draft("X000003", "interventions/unpaid-work"));
  // Drafts do not count: another region's draft of the same person is made.
  const v1::Referral second = Create(Draft("X000003", "interventions/unpaid-work"));
  ASSERT_TRUE(store_->Update(MoveTo(first, v1::REFERRAL_STATE_SUBMITTED), "1").ok());
  // Submitting the second is refused, naming the open one.
  auto refused = store_->Update(MoveTo(second, v1::REFERRAL_STATE_SUBMITTED), "1");
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_THAT(std::string(refused.status().message()), HasSubstr(first.name()));
  EXPECT_EQ(store_->Get(second.id())->state(), v1::REFERRAL_STATE_DRAFT) << "nothing written";
  // Another intervention or another person is fine.
  Create(Draft("X000003", "interventions/moving-on"));
  Create(Draft("X000004", "interventions/unpaid-work"));
  // Once the first is closed, the second may be submitted.
  ASSERT_TRUE(
      store_->Update(MoveTo(*store_->Get(first.id()), v1::REFERRAL_STATE_WITHDRAWN, false), "2")
          .ok());
  EXPECT_TRUE(store_->Update(MoveTo(second, v1::REFERRAL_STATE_SUBMITTED), "1").ok());
}

TEST_P(ReferralStoreTest, AStaleEtagIsAborted) {
  const v1::Referral created = Create(Draft("X000005", "interventions/unpaid-work"));
  auto updated = store_->Update(MoveTo(created, v1::REFERRAL_STATE_SUBMITTED), "1");
  ASSERT_TRUE(updated.ok());
  EXPECT_EQ(updated->etag(), "2");
  auto stale = store_->Update(MoveTo(created, v1::REFERRAL_STATE_WITHDRAWN, false), "1");
  EXPECT_EQ(stale.status().code(), absl::StatusCode::kAborted);
  EXPECT_THAT(std::string(stale.status().message()), HasSubstr("\"2\""));
  EXPECT_EQ(store_->Get(created.id())->state(), v1::REFERRAL_STATE_SUBMITTED);
  EXPECT_EQ(store_->Update(MoveTo(created, v1::REFERRAL_STATE_SUBMITTED), "junk").status().code(),
            absl::StatusCode::kAborted);
}

TEST_P(ReferralStoreTest, OfFiftyConcurrentConflictingWritesExactlyOneWins) {
  const v1::Referral created = Create(Draft("X000006", "interventions/unpaid-work"));
  std::atomic<int> won{0}, aborted{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 50; ++i) {
    threads.emplace_back([&] {
      auto result = store_->Update(MoveTo(created, v1::REFERRAL_STATE_SUBMITTED), "1");
      if (result.ok()) ++won;
      if (result.status().code() == absl::StatusCode::kAborted) ++aborted;
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(won.load(), 1);
  EXPECT_EQ(aborted.load(), 49);
  EXPECT_EQ(store_->History(created.id())->size(), 2u);
}

TEST_P(ReferralStoreTest, TwentyConcurrentCreatesWithOneRequestIdMakeOneReferral) {
  std::vector<std::thread> threads;
  std::vector<std::string> ids(20);
  for (int i = 0; i < 20; ++i) {
    ReferralWrite write = Draft("X000007", "interventions/unpaid-work");
    threads.emplace_back([this, &ids, i, write] {
      auto result = store_->Create(write, "one-request");
      if (result.ok()) ids[i] = result->referral.id();
    });
  }
  for (auto& thread : threads) thread.join();
  for (const std::string& id : ids) EXPECT_EQ(id, ids[0]);
  EXPECT_EQ(store_->ReferralsOfPerson("X000007")->size(), 1u);
}

// Two stores on one database stand for two replicas: the database, not a mutex in one
// process, must keep the rules.
TEST_P(ReferralStoreTest, TwoReplicasRacingOnOneDatabaseKeepTheRules) {
  std::unique_ptr<ReferralStore> other = GetParam().open(location_);
  ASSERT_NE(other, nullptr);
  ReferralStore* stores[] = {store_.get(), other.get()};
  const v1::Referral created = Create(Draft("X000014", "interventions/unpaid-work"));
  std::atomic<int> won{0}, aborted{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 50; ++i) {
    threads.emplace_back([&, i] {
      auto result = stores[i % 2]->Update(MoveTo(created, v1::REFERRAL_STATE_SUBMITTED), "1");
      if (result.ok()) ++won;
      if (result.status().code() == absl::StatusCode::kAborted) ++aborted;
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(won.load(), 1);
  EXPECT_EQ(aborted.load(), 49);

  threads.clear();
  std::vector<std::string> ids(20);
  for (int i = 0; i < 20; ++i) {
    ReferralWrite write = Draft("X000015", "interventions/unpaid-work");
    threads.emplace_back([&, i, write] {
      auto result = stores[i % 2]->Create(write, "raced-request");
      if (result.ok()) ids[i] = result->referral.id();
    });
  }
  for (auto& thread : threads) thread.join();
  for (const std::string& id : ids) EXPECT_EQ(id, ids[0]);
  EXPECT_EQ(store_->ReferralsOfPerson("X000015")->size(), 1u);
  // Events from both replicas form one gap-free sequence.
  auto events = store_->EventsAfter(0, 1000);
  ASSERT_TRUE(events.ok());
  for (size_t i = 0; i < events->size(); ++i) EXPECT_EQ((*events)[i].sequence(), int64_t(i + 1));
}

TEST_P(ReferralStoreTest, ListsNewestFirstWithFiltersAndKeysetPages) {
  for (int i = 0; i < 7; ++i) Create(Draft(absl::StrCat("Y00000", i), "interventions/unpaid-work"));
  for (int i = 0; i < 3; ++i) Create(Draft(absl::StrCat("Z00000", i), "interventions/moving-on"));
  ListQuery query;
  query.intervention = "interventions/unpaid-work";
  query.page_size = 3;
  std::vector<std::string> seen;
  while (true) {
    auto page = store_->List(query);
    ASSERT_TRUE(page.ok());
    EXPECT_EQ(page->total_size, 7);
    for (const auto& referral : page->referrals) seen.push_back(referral.person().crn());
    if (!page->more) break;
    const v1::Referral& last = page->referrals.back();
    query.after = {TimeUtil::TimestampToMicroseconds(last.create_time()), last.id()};
  }
  EXPECT_THAT(seen, ::testing::ElementsAre("Y000006", "Y000005", "Y000004", "Y000003", "Y000002",
                                           "Y000001", "Y000000"));
  ListQuery by_crn;
  by_crn.crn = "Z000001";
  EXPECT_EQ(store_->List(by_crn)->referrals.size(), 1u);
  ListQuery by_state;
  by_state.state = v1::REFERRAL_STATE_SUBMITTED;
  EXPECT_EQ(store_->List(by_state)->total_size, 0);
}

TEST_P(ReferralStoreTest, EventsComeInSequenceWithoutGaps) {
  const v1::Referral a = Create(Draft("X000008", "interventions/unpaid-work"));
  ASSERT_TRUE(store_->Update(MoveTo(a, v1::REFERRAL_STATE_SUBMITTED), "1").ok());
  Create(Draft("X000009", "interventions/unpaid-work"));
  auto events = store_->EventsAfter(0, 100);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 3u);
  for (size_t i = 1; i < events->size(); ++i) {
    EXPECT_EQ((*events)[i].sequence(), (*events)[i - 1].sequence() + 1);
  }
  auto after_first = store_->EventsAfter((*events)[0].sequence(), 100);
  EXPECT_EQ(after_first->size(), 2u);
  EXPECT_EQ((*after_first)[0].type(), v1::ReferralEvent::TYPE_TRANSITIONED);
}

// Subject access finds the events written while a referral was the person's: a draft whose
// person is corrected leaves its earlier events with the former person, and the later ones
// go to the new person. Writes that add no history entry (the correction) leave the history
// as it was.
TEST_P(ReferralStoreTest, EventsOfAPersonFollowTheirReferralsThroughACorrection) {
  const v1::Referral corrected = Create(Draft("X000020", "interventions/unpaid-work"));
  const v1::Referral other = Create(Draft("X000021", "interventions/unpaid-work"));
  ReferralWrite correction;
  correction.referral = corrected;
  correction.referral.mutable_person()->set_crn("X000021");
  correction.referral.set_intervention("interventions/thinking-skills");
  correction.event_type = v1::ReferralEvent::TYPE_UPDATED;
  auto updated = store_->Update(correction, "1");
  ASSERT_TRUE(updated.ok()) << updated.status();
  ASSERT_TRUE(store_->Update(MoveTo(*updated, v1::REFERRAL_STATE_SUBMITTED), "2").ok());
  ASSERT_TRUE(store_->Update(MoveTo(other, v1::REFERRAL_STATE_SUBMITTED), "1").ok());

  const auto types_and_referrals = [&](const std::string& crn) {
    std::vector<std::pair<v1::ReferralEvent::Type, std::string>> seen;
    auto events = store_->EventsOfPerson(crn);
    EXPECT_TRUE(events.ok()) << events.status();
    if (!events.ok()) return seen;
    for (size_t i = 0; i < events->size(); ++i) {
      if (i > 0) {
        EXPECT_GT((*events)[i].sequence(), (*events)[i - 1].sequence());
      }
      seen.emplace_back((*events)[i].type(), (*events)[i].referral().id());
    }
    return seen;
  };
  using Seen = std::vector<std::pair<v1::ReferralEvent::Type, std::string>>;
  EXPECT_EQ(types_and_referrals("X000020"),
            (Seen{{v1::ReferralEvent::TYPE_CREATED, corrected.id()}}));
  EXPECT_EQ(types_and_referrals("X000021"),
            (Seen{{v1::ReferralEvent::TYPE_CREATED, other.id()},
                  {v1::ReferralEvent::TYPE_UPDATED, corrected.id()},
                  {v1::ReferralEvent::TYPE_TRANSITIONED, corrected.id()},
                  {v1::ReferralEvent::TYPE_TRANSITIONED, other.id()}}));
  EXPECT_TRUE(types_and_referrals("X000022").empty());

  auto history = store_->History(corrected.id());
  ASSERT_TRUE(history.ok()) << history.status();
  ASSERT_EQ(history->size(), 2u);
  EXPECT_EQ((*history)[0].action(), "create");
  EXPECT_EQ((*history)[1].to_state(), v1::REFERRAL_STATE_SUBMITTED);
}

TEST_P(ReferralStoreTest, PurgesOldDraftsAndScrubsTheirEvents) {
  const v1::Referral old_draft =
      Create(Draft("X000010", "interventions/unpaid-work", absl::Hours(24 * 91)));
  const v1::Referral fresh_draft = Create(Draft("X000011", "interventions/unpaid-work"));
  const v1::Referral old_submitted =
      Create(Draft("X000012", "interventions/unpaid-work", absl::Hours(24 * 91)));
  ReferralWrite submit = MoveTo(old_submitted, v1::REFERRAL_STATE_SUBMITTED);
  *submit.referral.mutable_update_time() = old_submitted.update_time();
  ASSERT_TRUE(store_->Update(submit, "1").ok());
  ASSERT_EQ(store_->EventsOfPerson("X000010")->size(), 1u);

  auto purged = store_->PurgeDraftsUntouchedSince(absl::Now() - absl::Hours(24 * 90));
  ASSERT_TRUE(purged.ok()) << purged.status();
  EXPECT_EQ(*purged, 1);
  EXPECT_EQ(store_->Get(old_draft.id()).status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(store_->Get(fresh_draft.id()).ok());
  EXPECT_TRUE(store_->Get(old_submitted.id()).ok());
  EXPECT_TRUE(store_->EventsOfPerson("X000010")->empty());
  auto events = store_->EventsAfter(0, 100);
  ASSERT_TRUE(events.ok());
  int purged_events = 0;
  for (const auto& event : *events) {
    if (event.referral().id() != old_draft.id()) continue;
    EXPECT_FALSE(event.referral().has_person()) << "the person's details are gone";
    purged_events += event.type() == v1::ReferralEvent::TYPE_PURGED;
  }
  EXPECT_EQ(purged_events, 1);
}

TEST_P(ReferralStoreTest, EveryAcknowledgedWriteSurvivesAReopen) {
  const v1::Referral created = Create(Draft("X000013", "interventions/unpaid-work"));
  ASSERT_TRUE(store_->Update(MoveTo(created, v1::REFERRAL_STATE_SUBMITTED), "1").ok());
  Reopen();
  auto read = store_->Get(created.id());
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read->state(), v1::REFERRAL_STATE_SUBMITTED);
  EXPECT_EQ(read->etag(), "2");
  EXPECT_EQ(store_->EventsAfter(0, 10)->size(), 2u);
}

// Many writers at once, each walking its own referral: every acknowledged write is there
// after a restart, with its history and its event, and the events have no gaps.
TEST_P(ReferralStoreTest, ConcurrentWritersAllLandDurably) {
  constexpr int kWriters = 16;
  constexpr int kMoves = 12;
  std::vector<v1::Referral> referrals;
  for (int i = 0; i < kWriters; ++i) {
    referrals.push_back(Create(Draft(absl::StrCat("X1", 10000 + i), "interventions/unpaid-work")));
  }
  std::atomic<int> acknowledged{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kWriters; ++i) {
    threads.emplace_back([&, i] {
      v1::Referral current = referrals[i];
      for (int move = 0; move < kMoves; ++move) {
        const auto state =
            move % 2 == 0 ? v1::REFERRAL_STATE_SUBMITTED : v1::REFERRAL_STATE_ON_HOLD;
        auto result = store_->Update(MoveTo(current, state), current.etag());
        ASSERT_TRUE(result.ok()) << result.status();
        current = *result;
        ++acknowledged;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  ASSERT_EQ(acknowledged.load(), kWriters * kMoves);
  Reopen();
  for (const v1::Referral& referral : referrals) {
    auto read = store_->Get(referral.id());
    ASSERT_TRUE(read.ok());
    EXPECT_EQ(read->etag(), absl::StrCat(1 + kMoves));
    EXPECT_EQ(store_->History(referral.id())->size(), 1u + kMoves);
  }
  auto events = store_->EventsAfter(0, 10000);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), static_cast<size_t>(kWriters * (1 + kMoves)));
  for (size_t i = 0; i < events->size(); ++i) EXPECT_EQ((*events)[i].sequence(), int64_t(i + 1));
}

GroupCommit::Counts WriteCounts(ReferralStore& store) {
  return dynamic_cast<SqlReferralStore&>(store).write_counts();
}

// Group commit: writers that arrive while a commit is flushing share the next one, and a
// write that fails inside a group takes nothing else down with it.
TEST_P(ReferralStoreTest, ConcurrentWritesShareCommitsAndAFailureStaysItsOwn) {
  ReferralStore& store = *store_;
  constexpr int kWriters = 32;
  std::vector<v1::Referral> referrals;
  for (int i = 0; i < kWriters; ++i) {
    ReferralWrite write;
    write.referral.set_id(absl::StrCat("group", i));
    write.referral.set_reference(absl::StrCat("GC", 1000 + i, "XY"));
    write.referral.set_intervention("interventions/unpaid-work");
    write.referral.mutable_person()->set_crn(absl::StrCat("G", 100000 + i));
    write.referral.set_state(v1::REFERRAL_STATE_SUBMITTED);
    write.event_type = v1::ReferralEvent::TYPE_CREATED;
    auto created = store.Create(write, absl::StrCat("group-request-", i));
    ASSERT_TRUE(created.ok()) << created.status();
    referrals.push_back(created->referral);
  }
  const GroupCommit::Counts before = WriteCounts(store);
  std::atomic<int> stale{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kWriters; ++i) {
    threads.emplace_back([&, i] {
      v1::Referral current = referrals[i];
      for (int move = 0; move < 20; ++move) {
        ReferralWrite write;
        write.referral = current;
        write.referral.set_state(move % 2 == 0 ? v1::REFERRAL_STATE_ON_HOLD
                                               : v1::REFERRAL_STATE_SUBMITTED);
        write.event_type = v1::ReferralEvent::TYPE_TRANSITIONED;
        // Every fifth write names an old etag and must fail alone.
        const bool go_stale = move % 5 == 4;
        auto result = store.Update(write, go_stale ? "1" : current.etag());
        if (go_stale) {
          EXPECT_EQ(result.status().code(), absl::StatusCode::kAborted);
          ++stale;
          continue;
        }
        ASSERT_TRUE(result.ok()) << result.status();
        current = *result;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  const GroupCommit::Counts after = WriteCounts(store);
  const int64_t writes = after.writes - before.writes;
  const int64_t commits = after.commits - before.commits;
  EXPECT_EQ(writes, kWriters * 20);  // failed writes still rode in a committed group
  EXPECT_EQ(stale.load(), kWriters * 4);
  EXPECT_LT(commits, writes / 2) << "writers waiting together share a commit";
  for (const v1::Referral& referral : referrals) {
    EXPECT_EQ(store.Get(referral.id())->etag(), absl::StrCat(1 + 16));
  }
}

TEST_P(ReferralStoreTest, KeepsEachAmendmentsChangelogInOrderWithItsEvent) {
  const v1::Referral created = Create(Draft("X000090", "interventions/unpaid-work"));
  auto submitted = store_->Update(MoveTo(created, v1::REFERRAL_STATE_SUBMITTED), "1");
  ASSERT_TRUE(submitted.ok()) << submitted.status();
  for (int round = 0; round < 2; ++round) {
    ReferralWrite write;
    write.referral = *submitted;
    write.referral.set_complexity_level(round == 0 ? common::v1::COMPLEXITY_LEVEL_MEDIUM
                                                   : common::v1::COMPLEXITY_LEVEL_HIGH);
    for (const char* field : {"complexity_level", "assignee"}) {
      v1::ChangelogEntry& change = write.changelog.emplace_back();
      change.set_field(field);
      change.set_new_value(absl::StrCat(field, "-", round));
    }
    write.event_type = v1::ReferralEvent::TYPE_AMENDED;
    submitted = store_->Update(write, submitted->etag());
    ASSERT_TRUE(submitted.ok()) << submitted.status();
  }
  auto changelog = store_->Changelog(created.id());
  ASSERT_TRUE(changelog.ok()) << changelog.status();
  std::vector<std::string> values;
  for (const v1::ChangelogEntry& change : *changelog) values.push_back(change.new_value());
  EXPECT_THAT(values, ::testing::ElementsAre("complexity_level-0", "assignee-0",
                                             "complexity_level-1", "assignee-1"));
  // An amendment adds no history entry: the state did not change.
  EXPECT_EQ(store_->History(created.id())->size(), 2u);
  auto events = store_->EventsAfter(0, 10);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 4u);
  EXPECT_EQ((*events)[3].type(), v1::ReferralEvent::TYPE_AMENDED);
  ASSERT_EQ((*events)[3].changes_size(), 2);
  EXPECT_EQ((*events)[3].changes(0).new_value(), "complexity_level-1");
  EXPECT_EQ((*events)[3].referral().complexity_level(), common::v1::COMPLEXITY_LEVEL_HIGH);
  EXPECT_EQ(store_->Changelog("nope").status().code(), absl::StatusCode::kNotFound);
  // The changelog outlives a restart.
  Reopen();
  EXPECT_EQ(store_->Changelog(created.id())->size(), 4u);
}

TEST_P(ReferralStoreTest, StoresCapacityWithEtagsAndCountsTheLoadOfARegion) {
  v1::Capacity capacity;
  capacity.set_intervention("interventions/unpaid-work");
  capacity.set_region("london");
  capacity.set_period(v1::Capacity::PERIOD_COHORT);
  capacity.set_places(12);
  EXPECT_EQ(store_->PutCapacity(capacity, "", false).status().code(), absl::StatusCode::kNotFound);
  auto stored = store_->PutCapacity(capacity, "", true);
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ(stored->etag(), "1");
  capacity.set_places(10);
  EXPECT_EQ(store_->PutCapacity(capacity, "7", false).status().code(), absl::StatusCode::kAborted);
  stored = store_->PutCapacity(capacity, "1", false);
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ(stored->etag(), "2");
  auto read = store_->GetCapacity("interventions/unpaid-work", "london", "");
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read->places(), 10);
  EXPECT_EQ(store_->GetCapacity("interventions/unpaid-work", "wales", "").status().code(),
            absl::StatusCode::kNotFound);
  v1::Capacity crs = capacity;
  crs.set_intervention("interventions/crs-accommodation");
  crs.set_provider("provider-a");
  ASSERT_TRUE(store_->PutCapacity(crs, "", true).ok());
  auto in_london = store_->CapacitiesInRegion("london");
  ASSERT_TRUE(in_london.ok());
  ASSERT_EQ(in_london->size(), 2u);
  EXPECT_EQ((*in_london)[0].intervention(), "interventions/crs-accommodation");
  EXPECT_TRUE(store_->CapacitiesInRegion("wales")->empty());

  // Three open referrals (two submitted, one placed since `since`) and a closed one.
  const absl::Time since = absl::Now() - absl::Hours(1);
  for (const char* crn : {"X000091", "X000092", "X000093", "X000094"}) {
    const v1::Referral created = Create(Draft(crn, "interventions/unpaid-work"));
    auto moved = store_->Update(MoveTo(created, v1::REFERRAL_STATE_SUBMITTED), "1");
    ASSERT_TRUE(moved.ok());
    if (std::string(crn) >= "X000093") {
      ReferralWrite place =
          MoveTo(*moved, v1::REFERRAL_STATE_ON_PROGRAMME, std::string(crn) == "X000093");
      *place.referral.mutable_start_time() = TimeUtil::MicrosecondsToTimestamp(
          absl::ToUnixMicros(crn == std::string("X000093") ? absl::Now() : since - absl::Hours(1)));
      ASSERT_TRUE(store_->Update(place, "2").ok());
    }
  }
  auto load = store_->LoadInRegion("london", since);
  ASSERT_TRUE(load.ok()) << load.status();
  std::map<int, int64_t> by_state;
  for (const OpenCount& count : load->open) {
    EXPECT_EQ(count.intervention, "interventions/unpaid-work");
    by_state[count.state] += count.count;
  }
  EXPECT_EQ(by_state[v1::REFERRAL_STATE_SUBMITTED], 2);
  EXPECT_EQ(by_state[v1::REFERRAL_STATE_ON_PROGRAMME], 1);  // the closed one is not counted
  ASSERT_EQ(load->started.size(), 1u);
  EXPECT_EQ(load->started[0].count, 1);  // the other started before `since`
  EXPECT_TRUE(store_->LoadInRegion("wales", since)->open.empty());
}

INSTANTIATE_TEST_SUITE_P(Engines, ReferralStoreTest, ::testing::Values(Sqlite(), Postgres()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace probation::referrals
