// The access audit and the limited-access cases as each engine stores them: records appended
// in batches and with the writes they record, listed newest first by person, caller and time
// in keyset pages, purged by age; case access set, read and deleted under etags.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "tests/referrals/store_engines.h"

namespace probation::referrals {
namespace {

using google::protobuf::util::TimeUtil;
using ::testing::ElementsAre;

class AccessAuditStoreTest : public StoreTest {
 protected:
  static v1::AccessRecord Record(absl::string_view id, int64_t at_us, absl::string_view actor,
                                 absl::string_view crn) {
    v1::AccessRecord record;
    record.set_id(std::string(id));
    *record.mutable_time() = TimeUtil::MicrosecondsToTimestamp(at_us);
    record.set_actor(std::string(actor));
    record.set_role(common::v1::ROLE_PROBATION_PRACTITIONER);
    record.set_method("GetReferral");
    record.set_crn(std::string(crn));
    record.set_referral("referrals/r1");
    record.set_request_id("req-1");
    record.set_outcome(v1::AccessRecord::OUTCOME_ALLOWED);
    return record;
  }

  std::vector<std::string> Ids(const AccessRecordQuery& query) {
    auto records = store_->ListAccessRecords(query);
    EXPECT_TRUE(records.ok()) << records.status();
    std::vector<std::string> ids;
    if (records.ok()) {
      for (const v1::AccessRecord& record : *records) ids.push_back(record.id());
    }
    return ids;
  }
};

TEST_P(AccessAuditStoreTest, ListsRecordsNewestFirstByPersonCallerAndTimeInPages) {
  ASSERT_TRUE(store_
                  ->AppendAccessRecords(
                      {Record("a", 100, "pp-1", "X000001"), Record("b", 200, "pp-2", "X000001"),
                       Record("c", 300, "pp-1", "X000002"), Record("d", 300, "pp-1", "X000001")})
                  .ok());
  auto all = store_->ListAccessRecords({});
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ(all->size(), 4u);
  EXPECT_EQ((*all)[0].id(), "d");
  EXPECT_EQ((*all)[0].actor(), "pp-1");
  EXPECT_EQ((*all)[0].role(), common::v1::ROLE_PROBATION_PRACTITIONER);
  EXPECT_EQ((*all)[0].method(), "GetReferral");
  EXPECT_EQ((*all)[0].referral(), "referrals/r1");
  EXPECT_EQ((*all)[0].request_id(), "req-1");
  EXPECT_EQ((*all)[0].outcome(), v1::AccessRecord::OUTCOME_ALLOWED);
  EXPECT_EQ(TimeUtil::TimestampToMicroseconds((*all)[0].time()), 300);

  AccessRecordQuery query;
  query.crn = "X000001";
  EXPECT_THAT(Ids(query), ElementsAre("d", "b", "a"));
  query.actor = "pp-1";
  EXPECT_THAT(Ids(query), ElementsAre("d", "a"));
  query = {};
  query.from_us = 200;
  query.before_us = 300;
  EXPECT_THAT(Ids(query), ElementsAre("b"));
  // Pages: one more than asked says there is another; the keyset goes on after the last.
  query = {};
  query.page_size = 1;
  EXPECT_THAT(Ids(query), ElementsAre("d", "c"));
  query.after.emplace(300, "d");
  EXPECT_THAT(Ids(query), ElementsAre("c", "b"));
  query.after.emplace(300, "c");
  EXPECT_THAT(Ids(query), ElementsAre("b", "a"));
}

TEST_P(AccessAuditStoreTest, AWriteCommitsItsRecordWithItAndAFailedOneLeavesNone) {
  ReferralWrite write;
  write.referral.set_id("w1");
  write.referral.set_name("referrals/w1");
  write.referral.set_reference("AB0001CD");
  write.referral.set_intervention("interventions/unpaid-work");
  write.referral.mutable_person()->set_crn("X000005");
  write.referral.set_region("london");
  write.referral.set_state(v1::REFERRAL_STATE_SUBMITTED);
  write.event_type = v1::ReferralEvent::TYPE_CREATED;
  write.access = Record("w", 10, "pp-1", "X000005");
  write.access->set_method("CreateReferral");
  ASSERT_TRUE(store_->Create(write, "request-w1").ok());
  // The same person's second submitted referral breaks the rule: its record goes with it.
  write.referral.set_id("w2");
  write.referral.set_reference("AB0002CD");
  write.access->set_id("w-refused");
  EXPECT_EQ(store_->Create(write, "request-w2").status().code(), absl::StatusCode::kAlreadyExists);
  AccessRecordQuery query;
  query.crn = "X000005";
  EXPECT_THAT(Ids(query), ElementsAre("w"));
}

TEST_P(AccessAuditStoreTest, PurgesRecordsOlderThanTheCutoffOnly) {
  std::vector<v1::AccessRecord> records;
  for (int i = 0; i < kPurgeBatch + 5; ++i) {
    records.push_back(Record(absl::StrCat("old", i), 1000 + i, "pp-1", "X000001"));
  }
  records.push_back(Record("new", 5'000'000, "pp-1", "X000001"));
  ASSERT_TRUE(store_->AppendAccessRecords(records).ok());
  auto purged = store_->PurgeAccessRecordsBefore(absl::FromUnixMicros(1'000'000));
  ASSERT_TRUE(purged.ok()) << purged.status();
  EXPECT_EQ(*purged, kPurgeBatch + 5);
  EXPECT_THAT(Ids({}), ElementsAre("new"));
}

TEST_P(AccessAuditStoreTest, SetsReadsAndDeletesACasesAccessUnderEtags) {
  EXPECT_EQ(store_->GetCaseAccess("X000001").status().code(), absl::StatusCode::kNotFound);
  v1::CaseAccess access;
  access.set_name("cases/X000001/access");
  access.add_excluded_actors("pp-2");
  access.set_reason("a relative of pp-2");
  auto stored = store_->PutCaseAccess(access, "");
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ(stored->etag(), "1");
  access.add_restricted_to_actors("pp-1");
  EXPECT_EQ(store_->PutCaseAccess(access, "7").status().code(), absl::StatusCode::kAborted);
  auto changed = store_->PutCaseAccess(access, "1");
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_EQ(changed->etag(), "2");
  auto read = store_->GetCaseAccess("X000001");
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->restricted_to_actors_size(), 1);
  auto all = store_->AllCaseAccess();
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_EQ(all->size(), 1u);
  EXPECT_EQ(store_->DeleteCaseAccess("X000001", "1").code(), absl::StatusCode::kAborted);
  EXPECT_TRUE(store_->DeleteCaseAccess("X000001", "2").ok());
  EXPECT_EQ(store_->DeleteCaseAccess("X000001", "").code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(store_->AllCaseAccess()->empty());
}

INSTANTIATE_TEST_SUITE_P(Engines, AccessAuditStoreTest, ::testing::Values(Sqlite(), Postgres()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace probation::referrals
