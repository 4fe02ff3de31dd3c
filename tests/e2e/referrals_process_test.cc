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
#include "services/referrals/store/postgres_connection.h"
#include "tests/support/child_process.h"

namespace probation {
namespace {

using testing::ChildProcess;

int ServingPort(ChildProcess& process, absl::string_view event = "serving") {
  auto line = process.WaitForLine(
      [&](const std::string& l) {
        return absl::StrContains(l, absl::StrCat("\"event\":\"", event, "\""));
      },
      absl::Seconds(20));
  EXPECT_TRUE(line.ok()) << line.status() << process.Output();
  return line.ok() ? nlohmann::json::parse(*line).value("port", 0) : 0;
}

std::unique_ptr<ChildProcess> Start(std::vector<std::string> argv,
                                    std::vector<std::pair<std::string, std::string>> env) {
  auto process = ChildProcess::Start(std::move(argv), std::move(env));
  EXPECT_TRUE(process.ok()) << process.status();
  return *std::move(process);
}

constexpr char kSecret[] = "e2e-identity-secret-0123456789abcdefgh";

class ReferralsClient {
 public:
  explicit ReferralsClient(int port)
      : stub_(referrals::v1::ReferralService::NewStub(
            *CreateSignedChannel(absl::StrCat("127.0.0.1:", port), "", kSecret))) {}

  // The caller's identity, which the channel signs for each call's method, as the gateway's do.
  void Prepare(grpc::ClientContext& context, absl::string_view role = "probation_practitioner") {
    SetCallerIdentity(
        context, {"e2e", RoleFromClaimName(role), "london", "", absl::Now() + absl::Minutes(5)});
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
  }

  referrals::v1::ReferralService::Stub& stub() { return *stub_; }

 private:
  std::unique_ptr<referrals::v1::ReferralService::Stub> stub_;
};

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
    const char* server = std::getenv("PROBATION_TEST_POSTGRES");
    if (server == nullptr) GTEST_SKIP() << "PROBATION_TEST_POSTGRES is not set";
    name_ = absl::StrCat("referrals_e2e_", getpid());
    auto admin = referrals::PostgresConnection::Open(server);
    ASSERT_TRUE(admin.ok()) << admin.status();
    ASSERT_TRUE((*admin)->ExecScript(absl::StrCat("DROP DATABASE IF EXISTS ", name_)).ok());
    ASSERT_TRUE((*admin)->ExecScript(absl::StrCat("CREATE DATABASE ", name_)).ok());
    // The binary takes a URL; libpq reads the socket directory from `host`.
    std::string host, port;
    for (absl::string_view part : absl::StrSplit(server, ' ')) {
      if (absl::StartsWith(part, "host=")) host = std::string(part.substr(5));
      if (absl::StartsWith(part, "port=")) port = std::string(part.substr(5));
    }
    database_ = absl::StrCat("postgresql://postgres@/", name_, "?host=", host, "&port=", port);
  }

  void TearDown() override {
    if (GetParam() == "sqlite") {
      for (const char* suffix : {"", "-wal", "-shm"}) std::remove((database_ + suffix).c_str());
    } else if (!name_.empty()) {
      auto admin = referrals::PostgresConnection::Open(std::getenv("PROBATION_TEST_POSTGRES"));
      if (admin.ok()) {
        (*admin)
            ->ExecScript(absl::StrCat("DROP DATABASE IF EXISTS ", name_, " WITH (FORCE)"))
            .IgnoreError();
      }
    }
  }

  std::string database_;
  std::string name_;
};

// What a captured identity header is worth: the one method it was signed for. Replayed on
// any other method of the service, or with its method header rewritten, it is refused.
TEST(InternalIdentityProcess, AnIdentitySignedForOneMethodIsRefusedOnAnother) {
  auto catalogue = Start({CATALOGUE_BINARY}, {{"CATALOGUE_HOST", "127.0.0.1"},
                                              {"CATALOGUE_PORT", "0"},
                                              {"CATALOGUE_METRICS_PORT", "0"},
                                              {"CATALOGUE_INTERNAL_SECRET", kSecret}});
  auto stub = catalogue::v1::CatalogueService::NewStub(grpc::CreateChannel(
      absl::StrCat("127.0.0.1:", ServingPort(*catalogue)), grpc::InsecureChannelCredentials()));
  auto captured = SignIdentity({"e2e", common::v1::ROLE_PROBATION_PRACTITIONER, "london", "",
                                absl::Now() + absl::Minutes(1)},
                               "/probation.catalogue.v1.CatalogueService/ListRegions", kSecret);
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
  const std::string database = database_;

  auto catalogue = Start({CATALOGUE_BINARY}, {{"CATALOGUE_HOST", "127.0.0.1"},
                                              {"CATALOGUE_PORT", "0"},
                                              {"CATALOGUE_METRICS_PORT", "0"},
                                              {"CATALOGUE_INTERNAL_SECRET", kSecret}});
  const int catalogue_port = ServingPort(*catalogue);
  auto eligibility =
      Start({ELIGIBILITY_BINARY},
            {{"ELIGIBILITY_HOST", "127.0.0.1"},
             {"ELIGIBILITY_PORT", "0"},
             {"ELIGIBILITY_METRICS_PORT", "0"},
             {"ELIGIBILITY_CATALOGUE_ADDRESS", absl::StrCat("127.0.0.1:", catalogue_port)},
             {"ELIGIBILITY_INTERNAL_SECRET", kSecret}});
  const int eligibility_port = ServingPort(*eligibility);
  ASSERT_TRUE(
      eligibility
          ->WaitForLine([](const std::string& l) { return absl::StrContains(l, "\"ready\""); },
                        absl::Seconds(20))
          .ok());
  const std::vector<std::pair<std::string, std::string>> referrals_env = {
      {"REFERRALS_HOST", "127.0.0.1"},
      {"REFERRALS_PORT", "0"},
      {"REFERRALS_METRICS_PORT", "0"},
      {"REFERRALS_DATABASE", database},
      {"REFERRALS_INTERNAL_SECRET", kSecret},
      {"REFERRALS_CATALOGUE_ADDRESS", absl::StrCat("127.0.0.1:", catalogue_port)},
      {"REFERRALS_ELIGIBILITY_ADDRESS", absl::StrCat("127.0.0.1:", eligibility_port)}};
  auto referrals = Start({REFERRALS_BINARY}, referrals_env);
  const int port = ServingPort(*referrals);
  ASSERT_GT(port, 0);

  // Create and submit referrals one after another; record every write acknowledged.
  std::atomic<bool> stop{false};
  std::atomic<int> acknowledged{0};
  std::vector<std::pair<std::string, referrals::v1::ReferralState>> acked;  // writer only
  std::thread writer([&] {
    ReferralsClient client(port);
    for (int i = 0; !stop; ++i) {
      grpc::ClientContext create_context;
      client.Prepare(create_context);
      referrals::v1::CreateReferralRequest create;
      create.set_request_id(absl::StrCat("e2e-", i));
      create.mutable_referral()->set_intervention("interventions/thinking-skills-programme");
      create.mutable_referral()->mutable_person()->set_crn(absl::StrCat("K", 100000 + i));
      create.mutable_referral()->set_region("london");
      referrals::v1::Referral draft;
      if (!client.stub().CreateReferral(&create_context, create, &draft).ok()) continue;
      acked.emplace_back(draft.name(), referrals::v1::REFERRAL_STATE_DRAFT);
      ++acknowledged;
      grpc::ClientContext submit_context;
      client.Prepare(submit_context);
      referrals::v1::SubmitReferralRequest submit;
      submit.set_name(draft.name());
      submit.set_etag(draft.etag());
      submit.set_override_reason("e2e");
      referrals::v1::Referral submitted;
      if (!client.stub().SubmitReferral(&submit_context, submit, &submitted).ok()) continue;
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

  auto restarted = Start({REFERRALS_BINARY}, referrals_env);
  const int new_port = ServingPort(*restarted);
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

  for (auto* process : {restarted.get(), eligibility.get(), catalogue.get()}) {
    process->Signal(SIGTERM);
    EXPECT_EQ(*process->Wait(absl::Seconds(15)), 0);
  }
}

INSTANTIATE_TEST_SUITE_P(Databases, ReferralsProcess, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace probation
