// The referrals binary as operators run it, for process tests: the catalogue and eligibility
// processes it needs, a database of its own on the test PostgreSQL server, the environment
// that configures a replica, and a client that calls it directly with a signed identity, as
// the gateway does.
#ifndef PROBATION_TESTS_SUPPORT_REFERRALS_PROCESSES_H_
#define PROBATION_TESTS_SUPPORT_REFERRALS_PROCESSES_H_

#include <unistd.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "libs/auth/grpc_identity.h"
#include "probation/referrals/v1/referral_service.grpc.pb.h"
#include "services/referrals/store/postgres_connection.h"
#include "tests/support/suite_processes.h"

namespace probation::testing {

inline constexpr char kProcessSecret[] = "e2e-identity-secret-0123456789abcdefgh";

// A database of its own on the server in PROBATION_TEST_POSTGRES (scripts/test.sh starts
// one), dropped at the end; `url()` is empty when no server is set (the test then skips).
class PostgresTestDatabase {
 public:
  explicit PostgresTestDatabase(absl::string_view prefix) {
    const char* server = std::getenv("PROBATION_TEST_POSTGRES");
    if (server == nullptr) return;
    name_ = absl::StrCat(prefix, "_", getpid());
    auto admin = referrals::PostgresConnection::Open(server);
    EXPECT_TRUE(admin.ok()) << admin.status();
    if (!admin.ok()) return;
    EXPECT_TRUE((*admin)->ExecScript(absl::StrCat("DROP DATABASE IF EXISTS ", name_)).ok());
    EXPECT_TRUE((*admin)->ExecScript(absl::StrCat("CREATE DATABASE ", name_)).ok());
    // The binary takes a URL; libpq reads the socket directory from `host`.
    std::string host, port;
    for (absl::string_view part : absl::StrSplit(server, ' ')) {
      if (absl::StartsWith(part, "host=")) host = std::string(part.substr(5));
      if (absl::StartsWith(part, "port=")) port = std::string(part.substr(5));
    }
    url_ = absl::StrCat("postgresql://postgres@/", name_, "?host=", host, "&port=", port);
  }
  ~PostgresTestDatabase() {
    if (name_.empty()) return;
    auto admin = referrals::PostgresConnection::Open(std::getenv("PROBATION_TEST_POSTGRES"));
    if (admin.ok()) {
      (*admin)
          ->ExecScript(absl::StrCat("DROP DATABASE IF EXISTS ", name_, " WITH (FORCE)"))
          .IgnoreError();
    }
  }
  PostgresTestDatabase(const PostgresTestDatabase&) = delete;
  PostgresTestDatabase& operator=(const PostgresTestDatabase&) = delete;

  const std::string& url() const { return url_; }

 private:
  std::string name_;
  std::string url_;
};

// The catalogue and eligibility processes referrals calls, eligibility ready to judge.
struct ReferralDependencies {
  std::unique_ptr<ChildProcess> catalogue;
  std::unique_ptr<ChildProcess> eligibility;
  int catalogue_port = 0;
  int eligibility_port = 0;

  static ReferralDependencies Start() {
    ReferralDependencies started;
    started.catalogue =
        StartProcess(CATALOGUE_BINARY, {{"CATALOGUE_HOST", "127.0.0.1"},
                                        {"CATALOGUE_PORT", "0"},
                                        {"CATALOGUE_METRICS_PORT", "0"},
                                        {"CATALOGUE_INTERNAL_SECRET", kProcessSecret}});
    started.catalogue_port = ServingPortOf(*started.catalogue);
    started.eligibility = StartProcess(
        ELIGIBILITY_BINARY,
        {{"ELIGIBILITY_HOST", "127.0.0.1"},
         {"ELIGIBILITY_PORT", "0"},
         {"ELIGIBILITY_METRICS_PORT", "0"},
         {"ELIGIBILITY_CATALOGUE_ADDRESS", absl::StrCat("127.0.0.1:", started.catalogue_port)},
         {"ELIGIBILITY_INTERNAL_SECRET", kProcessSecret}});
    started.eligibility_port = ServingPortOf(*started.eligibility);
    EXPECT_TRUE(started.eligibility
                    ->WaitForLine([](const std::string& l) { return IsLogEvent(l, "ready"); },
                                  absl::Seconds(20))
                    .ok());
    return started;
  }

  // The environment of a referrals replica on `database`, with `extra` settings after.
  Environment ReferralsEnvironment(const std::string& database, Environment extra = {}) const {
    Environment environment = {
        {"REFERRALS_HOST", "127.0.0.1"},
        {"REFERRALS_PORT", "0"},
        {"REFERRALS_METRICS_PORT", "0"},
        {"REFERRALS_DATABASE", database},
        {"REFERRALS_INTERNAL_SECRET", kProcessSecret},
        {"REFERRALS_CATALOGUE_ADDRESS", absl::StrCat("127.0.0.1:", catalogue_port)},
        {"REFERRALS_ELIGIBILITY_ADDRESS", absl::StrCat("127.0.0.1:", eligibility_port)}};
    environment.insert(environment.end(), extra.begin(), extra.end());
    return environment;
  }
};

// Calls one referrals process directly, signing each call's identity as the gateway does.
class ReferralsClient {
 public:
  explicit ReferralsClient(int port)
      : stub_(referrals::v1::ReferralService::NewStub(
            *CreateSignedChannel(absl::StrCat("127.0.0.1:", port), "", kProcessSecret))) {}

  // The caller's identity and a deadline.
  void Prepare(grpc::ClientContext& context, absl::string_view role = "probation_practitioner",
               absl::Duration deadline = absl::Seconds(5)) {
    SetCallerIdentity(
        context, {"e2e", RoleFromClaimName(role), "london", "", absl::Now() + absl::Minutes(5)});
    context.set_deadline(absl::ToChronoTime(absl::Now() + deadline));
  }

  // A draft referral of person `crn` to the thinking skills programme in London.
  grpc::Status CreateDraft(const std::string& request_id, const std::string& crn,
                           referrals::v1::Referral* draft) {
    grpc::ClientContext context;
    Prepare(context);
    referrals::v1::CreateReferralRequest create;
    create.set_request_id(request_id);
    create.mutable_referral()->set_intervention("interventions/thinking-skills-programme");
    create.mutable_referral()->mutable_person()->set_crn(crn);
    create.mutable_referral()->set_region("london");
    return stub_->CreateReferral(&context, create, draft);
  }

  // Submits `draft` at its etag, overriding eligibility (the person has no profile).
  grpc::Status Submit(const referrals::v1::Referral& draft, referrals::v1::Referral* submitted) {
    grpc::ClientContext context;
    Prepare(context);
    referrals::v1::SubmitReferralRequest submit;
    submit.set_name(draft.name());
    submit.set_etag(draft.etag());
    submit.set_override_reason("e2e");
    return stub_->SubmitReferral(&context, submit, submitted);
  }

  referrals::v1::ReferralService::Stub& stub() { return *stub_; }

 private:
  std::unique_ptr<referrals::v1::ReferralService::Stub> stub_;
};

}  // namespace probation::testing

#endif  // PROBATION_TESTS_SUPPORT_REFERRALS_PROCESSES_H_
