// Caseload listings and report figures on both engines, over the hand-computed fixture of
// tests/support/report_fixture.h: the same answers from SQLite and PostgreSQL.
#include <set>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "services/referrals/domain/referral_report.h"
#include "tests/referrals/store_engines.h"
#include "tests/support/embedded_machines.h"
#include "tests/support/report_fixture.h"

namespace probation::referrals {
namespace {

using google::protobuf::util::TimeUtil;
using testing::kFixtureStart;

const StateMachineSet& Machines() { return testing::EmbeddedMachines(); }

int64_t HoursMicros(double hours) { return static_cast<int64_t>(hours * 3600 * 1000000); }

class CaseloadAndReportStoreTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    if (IsSkipped()) return;
    written_ = testing::WriteReportFixture(*store_);
    ASSERT_EQ(written_.size(), static_cast<size_t>(testing::kFixtureReferrals));
  }

  ReportQuery WholeFixture() {
    ReportQuery whole;
    whole.start_us = absl::ToUnixMicros(kFixtureStart);
    whole.end_us = absl::ToUnixMicros(kFixtureStart + absl::Hours(testing::kFixtureReferrals));
    return whole;
  }

  // Every referral the query lists, page by page.
  std::vector<v1::Referral> ListAll(ListQuery query) {
    std::vector<v1::Referral> all;
    query.page_size = 50;
    while (true) {
      auto page = store_->List(query);
      EXPECT_TRUE(page.ok()) << page.status();
      if (!page.ok()) return all;
      all.insert(all.end(), page->referrals.begin(), page->referrals.end());
      if (!page->more) return all;
      const v1::Referral& last = page->referrals.back();
      const bool by_update = query.order == ListOrder::kRecentlyUpdated ||
                             query.order == ListOrder::kLeastRecentlyUpdated;
      query.after = std::make_pair(
          TimeUtil::TimestampToMicroseconds(by_update ? last.update_time() : last.create_time()),
          last.id());
    }
  }

  std::vector<v1::Referral> written_;
};

std::map<std::string, int64_t> AsMap(
    const google::protobuf::RepeatedPtrField<v1::GroupCount>& groups) {
  std::map<std::string, int64_t> map;
  for (const v1::GroupCount& group : groups) map[group.key()] = group.count();
  return map;
}

TEST_P(CaseloadAndReportStoreTest, ReportFiguresMatchTheHandComputedFixture) {
  auto data = store_->Report(WholeFixture());
  ASSERT_TRUE(data.ok()) << data.status();
  const v1::ReferralReport report = BuildReport(Machines(), *data);
  EXPECT_EQ(report.total(), 240);
  EXPECT_THAT(AsMap(report.by_region()),
              ::testing::ElementsAre(::testing::Pair("london", 180), ::testing::Pair("wales", 60)));
  EXPECT_EQ(report.by_region(0).key(), "london");  // largest first
  EXPECT_THAT(
      AsMap(report.by_provider()),
      ::testing::ElementsAre(::testing::Pair("provider-a", 40), ::testing::Pair("provider-b", 40)));
  EXPECT_EQ(AsMap(report.by_intervention()).size(), 3u);
  for (const v1::GroupCount& group : report.by_intervention()) EXPECT_EQ(group.count(), 80);
  const std::map<std::string, int64_t> by_state = AsMap(report.by_state());
  EXPECT_EQ(by_state, (std::map<std::string, int64_t>{{"REFERRAL_STATE_PROGRAMME_COMPLETE", 20},
                                                      {"REFERRAL_STATE_WITHDRAWN", 20},
                                                      {"REFERRAL_STATE_DESELECTED", 20},
                                                      {"REFERRAL_STATE_ON_PROGRAMME", 20},
                                                      {"REFERRAL_STATE_COMPLETED", 40},
                                                      {"REFERRAL_STATE_IN_PROGRESS", 40},
                                                      {"REFERRAL_STATE_CONCLUDED", 20},
                                                      {"REFERRAL_STATE_SENT", 60}}));
  EXPECT_EQ(report.closing().closed(), 120);
  EXPECT_EQ(report.closing().completed(), 80);
  EXPECT_EQ(report.closing().withdrawn(), 20);
  EXPECT_EQ(report.closing().deselected(), 20);
  EXPECT_DOUBLE_EQ(report.closing().completion_rate(), 80.0 / 120);
  EXPECT_DOUBLE_EQ(report.closing().withdrawal_rate(), 20.0 / 120);
  EXPECT_DOUBLE_EQ(report.closing().deselection_rate(), 20.0 / 120);

  std::map<v1::ReferralState, v1::StateTime> times;
  for (const v1::StateTime& time : report.time_in_state()) times[time.state()] = time;
  const v1::StateTime& draft = times[v1::REFERRAL_STATE_DRAFT];
  EXPECT_EQ(draft.stays(), 240);
  EXPECT_EQ(TimeUtil::DurationToMicroseconds(draft.median()), HoursMicros(0.5));
  const v1::StateTime& submitted = times[v1::REFERRAL_STATE_SUBMITTED];
  EXPECT_EQ(submitted.stays(), 160);
  EXPECT_EQ(TimeUtil::DurationToMicroseconds(submitted.mean()), HoursMicros(40.5));
  EXPECT_EQ(TimeUtil::DurationToMicroseconds(submitted.median()), HoursMicros(40.5));
  EXPECT_EQ(TimeUtil::DurationToMicroseconds(submitted.p90()), HoursMicros(72));
  const v1::StateTime& on_programme = times[v1::REFERRAL_STATE_ON_PROGRAMME];
  EXPECT_EQ(on_programme.stays(), 40);
  EXPECT_EQ(TimeUtil::DurationToMicroseconds(on_programme.mean()), HoursMicros(40));
  EXPECT_EQ(TimeUtil::DurationToMicroseconds(on_programme.median()), HoursMicros(40));
  EXPECT_EQ(TimeUtil::DurationToMicroseconds(on_programme.p90()), HoursMicros(71));
  // Only the concluded CRS referrals left SENT: j = 0, 4, ..., 76, so 1, 5, ..., 77 hours.
  EXPECT_EQ(times[v1::REFERRAL_STATE_SENT].stays(), 20);
  EXPECT_EQ(TimeUtil::DurationToMicroseconds(times[v1::REFERRAL_STATE_SENT].median()),
            HoursMicros(39));
  EXPECT_EQ(times.count(v1::REFERRAL_STATE_CONCLUDED), 0u) << "nothing leaves a closing state";
}

TEST_P(CaseloadAndReportStoreTest, AReportCoversOnlyItsRangeAndFilters) {
  ReportQuery later = WholeFixture();
  later.start_us = absl::ToUnixMicros(kFixtureStart + absl::Hours(120));
  auto data = store_->Report(later);
  ASSERT_TRUE(data.ok());
  EXPECT_EQ(BuildReport(Machines(), *data).total(), 120);
  ReportQuery wales = WholeFixture();
  wales.region = "wales";
  wales.provider = "provider-b";
  data = store_->Report(wales);
  ASSERT_TRUE(data.ok());
  // i % 4 == 3 and i % 3 == 2 and i odd: i = 11, 23, ..., 239.
  EXPECT_EQ(BuildReport(Machines(), *data).total(), 20);
}

TEST_P(CaseloadAndReportStoreTest, CaseloadViewsListTheRightReferralsInOrder) {
  ListQuery london;
  london.region = "london";
  std::vector<v1::Referral> all = ListAll(london);
  ASSERT_EQ(all.size(), 180u);
  std::set<std::string> ids;
  for (size_t i = 0; i < all.size(); ++i) {
    ids.insert(all[i].id());
    if (i > 0) {
      EXPECT_GE(TimeUtil::TimestampToMicroseconds(all[i - 1].create_time()),
                TimeUtil::TimestampToMicroseconds(all[i].create_time()));
    }
  }
  EXPECT_EQ(ids.size(), 180u) << "no referral twice across pages";
  auto first_page = store_->List(london);
  ASSERT_TRUE(first_page.ok());
  EXPECT_EQ(first_page->total_size, 180);
  EXPECT_FALSE(first_page->total_capped);

  ListQuery oldest = london;
  oldest.order = ListOrder::kOldest;
  EXPECT_EQ(ListAll(oldest).front().id(), "fixture1000");
  ListQuery updated = london;
  updated.order = ListOrder::kRecentlyUpdated;
  all = ListAll(updated);
  ASSERT_EQ(all.size(), 180u);
  for (size_t i = 1; i < all.size(); ++i) {
    EXPECT_GE(TimeUtil::TimestampToMicroseconds(all[i - 1].update_time()),
              TimeUtil::TimestampToMicroseconds(all[i].update_time()));
  }

  ListQuery mine = london;
  mine.created_by = "probation_practitioner@london";
  // i % 5 == 0 (48) but not in wales (i % 20 == 15: 12).
  EXPECT_EQ(ListAll(mine).size(), 36u);
  ListQuery open = london;
  open.state_group = StateGroup::kOpen;
  for (const v1::Referral& referral : ListAll(open)) {
    EXPECT_THAT(referral.state(),
                ::testing::AnyOf(v1::REFERRAL_STATE_ON_PROGRAMME, v1::REFERRAL_STATE_IN_PROGRESS,
                                 v1::REFERRAL_STATE_SENT));
  }
  ListQuery closed;
  closed.state_group = StateGroup::kClosed;
  EXPECT_EQ(ListAll(closed).size(), 120u);
  ListQuery drafts;
  drafts.state_group = StateGroup::kDraft;
  EXPECT_TRUE(ListAll(drafts).empty());
  ListQuery unassigned;
  unassigned.provider = "provider-a";
  unassigned.assignee = "";
  unassigned.state_group = StateGroup::kOpen;
  EXPECT_EQ(ListAll(unassigned).size(), 20u);  // 40 sent to provider-a, 20 concluded
  // The unassigned of a region, against the fixture read directly.
  ListQuery unassigned_in_wales;
  unassigned_in_wales.region = "wales";
  unassigned_in_wales.assignee = "";
  unassigned_in_wales.state_group = StateGroup::kOpen;
  size_t expected = 0;
  for (const v1::Referral& referral : written_) {
    expected += referral.region() == "wales" && referral.assignee().empty() &&
                Machines().OutcomeOf(referral.state()) == v1::CLOSING_OUTCOME_UNSPECIFIED;
  }
  EXPECT_GT(expected, 0u);
  EXPECT_EQ(ListAll(unassigned_in_wales).size(), expected);
  // With a narrow filter beside it too.
  unassigned_in_wales.crn = "F100011";  // i = 11: wales, a CRS still sent
  ASSERT_EQ(ListAll(unassigned_in_wales).size(), 1u);
  ListQuery by_reference;
  by_reference.reference = "FX1017AA";
  by_reference.region = "london";
  all = ListAll(by_reference);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].id(), "fixture1017");
  ListQuery range;
  range.created_from_us = absl::ToUnixMicros(kFixtureStart + absl::Hours(10));
  range.created_before_us = absl::ToUnixMicros(kFixtureStart + absl::Hours(20));
  EXPECT_EQ(ListAll(range).size(), 10u);
}

INSTANTIATE_TEST_SUITE_P(Engines, CaseloadAndReportStoreTest,
                         ::testing::Values(Sqlite(), Postgres()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace probation::referrals
