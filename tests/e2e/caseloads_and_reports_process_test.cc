// Caseload views, reports and the CSV export through the gateway, with the four binaries as
// processes, over the hand-computed fixture of tests/support/report_fixture.h written into
// the referrals database before the suite starts.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "services/referrals/store/open_referral_store.h"
#include "tests/e2e/suite_test.h"
#include "tests/support/report_fixture.h"

namespace probation {
namespace {

using google::protobuf::util::TimeUtil;
using ::testing::HasSubstr;
using Request = referrals::v1::ListReferralsRequest;

class CaseloadsAndReportsTest : public testing::SuiteTest {
 protected:
  void BeforeStart(testing::RunningSuite& suite) override {
    auto store = referrals::OpenSqliteReferralStore(suite.database());
    ASSERT_TRUE(store.ok()) << store.status();
    ASSERT_EQ(testing::WriteReportFixture(**store).size(),
              static_cast<size_t>(testing::kFixtureReferrals));
  }

  static referrals::v1::ReferralFilter WholeFixture() {
    referrals::v1::ReferralFilter filter;
    *filter.mutable_start_time() = testing::FixtureTime(testing::kFixtureStart);
    *filter.mutable_end_time() =
        testing::FixtureTime(testing::kFixtureStart + absl::Hours(testing::kFixtureReferrals));
    return filter;
  }

  grpc::Status Report(const std::string& token, const referrals::v1::ReferralFilter& filter,
                      referrals::v1::ReferralReport* report) {
    referrals::v1::GetReferralReportRequest request;
    *request.mutable_filter() = filter;
    auto context = As(token);
    return stub_->GetReferralReport(context.get(), request, report);
  }

  // The export's lines, header first.
  std::vector<std::string> Export(const std::string& token) {
    referrals::v1::ExportReferralsRequest request;
    *request.mutable_filter() = WholeFixture();
    auto context = As(token);
    auto reader = stub_->ExportReferrals(context.get(), request);
    std::string csv;
    referrals::v1::ExportReferralsResponse chunk;
    while (reader->Read(&chunk)) csv += chunk.csv();
    const grpc::Status status = reader->Finish();
    EXPECT_TRUE(status.ok()) << status.error_message();
    return absl::StrSplit(csv, "\r\n", absl::SkipEmpty());
  }

  grpc::Status List(const std::string& token, Request request,
                    referrals::v1::ListReferralsResponse* response) {
    auto context = As(token);
    return stub_->ListReferrals(context.get(), request, response);
  }

  int TotalOf(const std::string& token, const Request& request) {
    referrals::v1::ListReferralsResponse response;
    const grpc::Status status = List(token, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.total_size();
  }

  const std::string admin_ = testing::SuiteToken("admin", "");
  const std::string practitioner_ = testing::SuiteToken("probation_practitioner", "london");
  const std::string provider_a_ = testing::SuiteToken("service_provider", "", "provider-a");
};

TEST_F(CaseloadsAndReportsTest, ReportFiguresMatchTheFixtureWithinEachScope) {
  referrals::v1::ReferralReport report;
  ASSERT_TRUE(Report(admin_, WholeFixture(), &report).ok());
  EXPECT_EQ(report.total(), 240);
  EXPECT_EQ(report.closing().closed(), 120);
  EXPECT_EQ(report.closing().completed(), 80);
  EXPECT_DOUBLE_EQ(report.closing().withdrawal_rate(), 20.0 / 120);
  bool saw_submitted = false;
  for (const auto& time : report.time_in_state()) {
    if (time.state() != referrals::v1::REFERRAL_STATE_SUBMITTED) continue;
    saw_submitted = true;
    EXPECT_EQ(time.stays(), 160);
    EXPECT_EQ(TimeUtil::DurationToSeconds(time.median()), 40 * 3600 + 1800);
    EXPECT_EQ(TimeUtil::DurationToSeconds(time.p90()), 72 * 3600);
  }
  EXPECT_TRUE(saw_submitted);

  // A practitioner's report covers their region; a provider's the CRS sent to it.
  ASSERT_TRUE(Report(practitioner_, WholeFixture(), &report).ok());
  EXPECT_EQ(report.total(), 180);
  EXPECT_EQ(report.filter().region(), "london");
  ASSERT_TRUE(Report(provider_a_, WholeFixture(), &report).ok());
  EXPECT_EQ(report.total(), 40);
  ASSERT_EQ(report.by_provider_size(), 1);
  EXPECT_EQ(report.by_provider(0).key(), "provider-a");

  referrals::v1::ReferralFilter elsewhere = WholeFixture();
  elsewhere.set_region("wales");
  EXPECT_EQ(Report(practitioner_, elsewhere, &report).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  referrals::v1::ReferralFilter backwards = WholeFixture();
  std::swap(*backwards.mutable_start_time(), *backwards.mutable_end_time());
  const grpc::Status bad = Report(admin_, backwards, &report);
  EXPECT_EQ(bad.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(bad.error_message(), HasSubstr("filter.end_time"));
}

TEST_F(CaseloadsAndReportsTest, TheCsvExportStreamsEveryReferralInScopeWithoutPersonalData) {
  const std::vector<std::string> lines = Export(admin_);
  ASSERT_EQ(lines.size(), 241u);
  EXPECT_EQ(lines[0],
            "reference,name,intervention,kind,region,provider,state,outcome,created_by,assignee,"
            "create_time,submit_time,start_time,state_time,update_time");
  const std::vector<std::string> first = absl::StrSplit(lines[1], ',');
  ASSERT_EQ(first.size(), 15u);
  EXPECT_EQ(first[0], "FX1000AA");
  EXPECT_EQ(first[6], "REFERRAL_STATE_PROGRAMME_COMPLETE");
  EXPECT_EQ(first[7], "CLOSING_OUTCOME_COMPLETED");
  EXPECT_EQ(first[10], "2026-01-01T00:00:00Z");
  for (const std::string& line : lines) EXPECT_FALSE(absl::StrContains(line, "F100")) << line;
  EXPECT_EQ(Export(practitioner_).size(), 181u);
}

TEST_F(CaseloadsAndReportsTest, CaseloadViewsFindMineTheUnassignedAndOneReferral) {
  Request mine;
  mine.set_caseload(Request::CASELOAD_MINE);
  EXPECT_EQ(TotalOf(practitioner_, mine), 36);
  Request closed;
  closed.set_state_group(Request::STATE_GROUP_CLOSED);
  EXPECT_EQ(TotalOf(admin_, closed), 120);

  Request search;
  search.set_query("fx1017aa");
  referrals::v1::ListReferralsResponse found;
  ASSERT_TRUE(List(practitioner_, search, &found).ok());
  ASSERT_EQ(found.referrals_size(), 1);
  EXPECT_EQ(found.referrals(0).name(), "referrals/fixture1017");
  search.set_query("F100017");
  EXPECT_EQ(TotalOf(practitioner_, search), 1);
  search.set_query("not a reference");
  grpc::Status status = List(practitioner_, search, &found);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("query"));

  Request recent;
  recent.set_order_by("update_time desc");
  recent.set_page_size(100);
  ASSERT_TRUE(List(practitioner_, recent, &found).ok());
  for (int i = 1; i < found.referrals_size(); ++i) {
    EXPECT_GE(TimeUtil::TimestampToMicroseconds(found.referrals(i - 1).update_time()),
              TimeUtil::TimestampToMicroseconds(found.referrals(i).update_time()));
  }
  recent.set_order_by("colour");
  status = List(practitioner_, recent, &found);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("order_by"));

  // The provider's unassigned: its open CRS referrals. Taking one moves it to "mine".
  Request unassigned;
  unassigned.set_caseload(Request::CASELOAD_UNASSIGNED);
  ASSERT_TRUE(List(provider_a_, unassigned, &found).ok());
  EXPECT_EQ(found.total_size(), 20);
  referrals::v1::AmendReferralRequest take;
  *take.mutable_referral() = found.referrals(0);
  take.mutable_referral()->set_assignee("service_provider@provider-a");
  take.mutable_update_mask()->add_paths("assignee");
  referrals::v1::Referral taken;
  auto context = As(provider_a_);
  status = stub_->AmendReferral(context.get(), take, &taken);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(TotalOf(provider_a_, unassigned), 19);
  EXPECT_EQ(TotalOf(provider_a_, mine), 1);
}

}  // namespace
}  // namespace probation
