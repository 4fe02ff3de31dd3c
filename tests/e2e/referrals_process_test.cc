// The referrals binary as operators run it, beside the catalogue and eligibility binaries:
// killed with SIGKILL in the middle of a stream of writes, it restarts on the same database
// file with every acknowledged write and its event intact.
#include <signal.h>

#include <atomic>
#include <cstdio>
#include <set>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "libs/auth/grpc_identity.h"
#include "nlohmann/json.hpp"
#include "probation/catalogue/v1/catalogue_service.grpc.pb.h"
#include "probation/referrals/v1/referral_service.grpc.pb.h"
#include "tests/support/referrals_processes.h"

namespace probation {
namespace {

using testing::ChildProcess;
using testing::kProcessSecret;
using testing::ReferralDependencies;
using testing::ReferralsClient;

// Where the referrals process keeps its data: a SQLite file, or a database on the test
// PostgreSQL server that scripts/test.sh starts.
class ReferralsProcess : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "sqlite") {
      char path[] = "/tmp/referrals-e2e-XXXXXX";
      close(mkstemp(path));
      std::remove(path);
      database_ = absl::StrCat(path, ".db");
      return;
    }
    postgres_ = std::make_unique<testing::PostgresTestDatabase>("referrals_e2e");
    if (postgres_->url().empty()) GTEST_SKIP() << "PROBATION_TEST_POSTGRES is not set";
    database_ = postgres_->url();
  }

  void TearDown() override {
    if (GetParam() == "sqlite") {
      for (const char* suffix : {"", "-wal", "-shm"}) std::remove((database_ + suffix).c_str());
    }
  }

  std::string database_;
  std::unique_ptr<testing::PostgresTestDatabase> postgres_;
};

// What a captured identity header is worth: the one method it was signed for. Replayed on
// any other method of the service, or with its method header rewritten, it is refused.
TEST(InternalIdentityProcess, AnIdentitySignedForOneMethodIsRefusedOnAnother) {
  const ReferralDependencies dependencies = ReferralDependencies::Start();
  auto stub = catalogue::v1::CatalogueService::NewStub(grpc::CreateChannel(
      absl::StrCat("127.0.0.1:", dependencies.catalogue_port), grpc::InsecureChannelCredentials()));
  auto captured =
      SignIdentity({"e2e", common::v1::ROLE_PROBATION_PRACTITIONER, "london", "",
                    absl::Now() + absl::Minutes(1)},
                   "/probation.catalogue.v1.CatalogueService/ListRegions", kProcessSecret);
  ASSERT_TRUE(captured.ok()) << captured.status();
  auto with = [&](grpc::ClientContext& context, absl::string_view method_header = "") {
    for (const auto& [key, value] : *captured) {
      context.AddMetadata(key, key == kIdentityMethodHeader && !method_header.empty()
                                   ? std::string(method_header)
                                   : value);
    }
  };
  grpc::ClientContext signed_for;
  with(signed_for);
  catalogue::v1::ListRegionsResponse regions;
  EXPECT_TRUE(stub->ListRegions(&signed_for, {}, &regions).ok());

  grpc::ClientContext replayed;
  with(replayed);
  catalogue::v1::GetInterventionRequest get;
  get.set_name("interventions/thinking-skills-programme");
  catalogue::v1::Intervention intervention;
  const grpc::Status refused = stub->GetIntervention(&replayed, get, &intervention);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(refused.error_message(), ::testing::HasSubstr("not signed for this method"));

  grpc::ClientContext rewritten;
  with(rewritten, "/probation.catalogue.v1.CatalogueService/GetIntervention");
  EXPECT_EQ(stub->GetIntervention(&rewritten, get, &intervention).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  // A client cannot claim the served method either: the server stamps its own.
  grpc::ClientContext claimed;
  with(claimed);
  claimed.AddMetadata(kServedMethodHeader, "/probation.catalogue.v1.CatalogueService/ListRegions");
  EXPECT_EQ(stub->GetIntervention(&claimed, get, &intervention).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

TEST_P(ReferralsProcess, EveryAcknowledgedWriteSurvivesASigkill) {
  const ReferralDependencies dependencies = ReferralDependencies::Start();
  const testing::Environment referrals_env = dependencies.ReferralsEnvironment(database_);
  auto referrals = testing::StartProcess(REFERRALS_BINARY, referrals_env);
  const int port = testing::ServingPortOf(*referrals);
  ASSERT_GT(port, 0);

  // Create and submit referrals one after another; record every write acknowledged.
  std::atomic<bool> stop{false};
  std::atomic<int> acknowledged{0};
  std::vector<std::pair<std::string, referrals::v1::ReferralState>> acked;  // writer only
  std::thread writer([&] {
    ReferralsClient client(port);
    for (int i = 0; !stop; ++i) {
      referrals::v1::Referral draft;
      if (!client.CreateDraft(absl::StrCat("e2e-", i), absl::StrCat("K", 100000 + i), &draft)
               .ok()) {
        continue;
      }
      acked.emplace_back(draft.name(), referrals::v1::REFERRAL_STATE_DRAFT);
      ++acknowledged;
      referrals::v1::Referral submitted;
      if (!client.Submit(draft, &submitted).ok()) continue;
      acked.back().second = submitted.state();
      ++acknowledged;
    }
  });
  while (acknowledged < 40) absl::SleepFor(absl::Milliseconds(5));
  referrals->Signal(SIGKILL);
  EXPECT_EQ(*referrals->Wait(absl::Seconds(10)), 128 + SIGKILL);
  absl::SleepFor(absl::Milliseconds(200));  // the writer sees failures now
  stop = true;
  writer.join();
  ASSERT_GE(acked.size(), 20u);

  auto restarted = testing::StartProcess(REFERRALS_BINARY, referrals_env);
  const int new_port = testing::ServingPortOf(*restarted);
  ASSERT_GT(new_port, 0);
  ReferralsClient client(new_port);
  std::set<std::string> expected_events;
  for (const auto& [name, state] : acked) {
    grpc::ClientContext context;
    client.Prepare(context);
    referrals::v1::GetReferralRequest request;
    request.set_name(name);
    referrals::v1::Referral referral;
    const grpc::Status status = client.stub().GetReferral(&context, request, &referral);
    ASSERT_TRUE(status.ok()) << name << ": " << status.error_message();
    // A submit in flight at the kill may have committed without its answer arriving: the
    // last referral may be further on than acknowledged, never behind.
    if (name == acked.back().first && state == referrals::v1::REFERRAL_STATE_DRAFT) {
      EXPECT_THAT(referral.state(), ::testing::AnyOf(referrals::v1::REFERRAL_STATE_DRAFT,
                                                     referrals::v1::REFERRAL_STATE_SUBMITTED));
    } else {
      EXPECT_EQ(referral.state(), state) << name;
    }
    expected_events.insert(
        absl::StrCat(referral.id(), "/", referrals::v1::ReferralEvent::TYPE_CREATED));
    if (state == referrals::v1::REFERRAL_STATE_SUBMITTED) {
      expected_events.insert(
          absl::StrCat(referral.id(), "/", referrals::v1::ReferralEvent::TYPE_SUBMITTED));
    }
  }
  // Every acknowledged write has its event, in a gap-free sequence.
  grpc::ClientContext watch_context;
  client.Prepare(watch_context);
  auto reader = client.stub().WatchReferralEvents(&watch_context, {});
  referrals::v1::ReferralEvent event;
  int64_t last = 0;
  while (!expected_events.empty() && reader->Read(&event)) {
    EXPECT_EQ(event.sequence(), last + 1);
    last = event.sequence();
    expected_events.erase(absl::StrCat(event.referral().id(), "/", event.type()));
  }
  EXPECT_TRUE(expected_events.empty()) << expected_events.size() << " events missing";
  watch_context.TryCancel();
  reader->Finish();

  for (auto* process :
       {restarted.get(), dependencies.eligibility.get(), dependencies.catalogue.get()}) {
    process->Signal(SIGTERM);
    EXPECT_EQ(*process->Wait(absl::Seconds(15)), 0);
  }
}

INSTANTIATE_TEST_SUITE_P(Databases, ReferralsProcess, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace probation
