// The probation binary as people run it, for what needs no gateway: the usage text, a minted
// token that the gateway's verifier accepts, and usage errors with exit status 2.
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/auth/jwt.h"
#include "tests/support/child_process.h"

namespace probation {
namespace {

using testing::ChildProcess;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr char kSecret[] = "a-local-secret-of-at-least-32-bytes!";

struct Finished {
  int exit_code = -1;
  std::string output;
};

Finished RunProbation(std::vector<std::string> args,
                      std::vector<std::pair<std::string, std::string>> environment = {}) {
  args.insert(args.begin(), PROBATION_BINARY);
  absl::StatusOr<std::unique_ptr<ChildProcess>> process =
      ChildProcess::Start(std::move(args), std::move(environment));
  EXPECT_TRUE(process.ok()) << process.status();
  if (!process.ok()) return {};
  const absl::StatusOr<int> exit_code = (*process)->Wait(absl::Seconds(30));
  EXPECT_TRUE(exit_code.ok()) << exit_code.status();
  // Waits for the reader to drain the pipe: the process may exit before its output is read.
  (void)(*process)->WaitForLine([](const std::string&) { return false; }, absl::Seconds(10));
  return {exit_code.value_or(-1), (*process)->Output()};
}

TEST(ProbationProcess, HelpListsEveryCommandAndTheGlobalFlags) {
  for (const std::vector<std::string>& args : {std::vector<std::string>{"help"}, {"--help"}, {}}) {
    const Finished run = RunProbation(args);
    EXPECT_EQ(run.exit_code, 0) << run.output;
    for (const char* command :
         {"interventions list", "interventions search", "interventions get", "regions list",
          "regions offer", "probation find", "eligibility check", "referrals create",
          "referrals get", "referrals list", "referrals update", "referrals submit",
          "referrals transition", "referrals transitions", "referrals history",
          "referrals state-machine", "referrals watch", "probation token"}) {
      EXPECT_THAT(run.output, HasSubstr(command));
    }
    for (const char* flag :
         {"--address", "PROBATION_ADDRESS", "--token", "PROBATION_TOKEN", "--json", "--timeout",
          "--request_id", "--person_region", "community-order | suspended-sentence-order"}) {
      EXPECT_THAT(run.output, HasSubstr(flag));
    }
  }
}

TEST(ProbationProcess, MintsATokenTheGatewaysVerifierAccepts) {
  const Finished run =
      RunProbation({"token", "--secret", kSecret, "--sub=pp-42",
                    "--roles=probation-practitioner,admin", "--region=london", "--ttl=1h"});
  ASSERT_EQ(run.exit_code, 0) << run.output;
  const std::string token(absl::StripTrailingAsciiWhitespace(run.output));
  EXPECT_EQ(std::vector<std::string>(absl::StrSplit(token, '.')).size(), 3u) << token;

  const absl::StatusOr<JwtVerifier> verifier =
      JwtVerifier::Create({JwtAlgorithm::kHs256, kSecret}, "probation-local");
  ASSERT_TRUE(verifier.ok()) << verifier.status();
  const absl::StatusOr<Identity> principal = verifier->Verify(token, absl::Now());
  ASSERT_TRUE(principal.ok()) << principal.status();
  EXPECT_EQ(principal->actor, "pp-42");
  // Granted both, the bearer acts as admin.
  EXPECT_EQ(principal->role, common::v1::ROLE_ADMIN);
  EXPECT_EQ(principal->region, "london");
  EXPECT_LE(principal->expires, absl::Now() + absl::Hours(1) + absl::Seconds(5));
  EXPECT_GT(principal->expires, absl::Now() + absl::Minutes(59));
}

TEST(ProbationProcess, TakesTheTokenSecretFromTheEnvironment) {
  const Finished run = RunProbation({"token", "--sub=admin-1", "--issuer=https://auth.example"},
                                    {{"PROBATION_JWT_SECRET", kSecret}});
  ASSERT_EQ(run.exit_code, 0) << run.output;
  const absl::StatusOr<JwtVerifier> verifier =
      JwtVerifier::Create({JwtAlgorithm::kHs256, kSecret}, "https://auth.example");
  ASSERT_TRUE(verifier.ok());
  const absl::StatusOr<Identity> principal =
      verifier->Verify(absl::StripTrailingAsciiWhitespace(run.output), absl::Now());
  ASSERT_TRUE(principal.ok()) << principal.status();
  EXPECT_EQ(principal->actor, "admin-1");
  EXPECT_LE(principal->expires, absl::Now() + absl::Hours(8) + absl::Seconds(5));
}

struct UsageCase {
  std::vector<std::string> args;
  std::string message;
};

TEST(ProbationProcess, AUsageErrorExitsWithTwoAndSaysWhatIsWrong) {
  const std::vector<UsageCase> cases = {
      {{"nonsense"}, "error: unknown command 'nonsense'"},
      {{"referrals", "sumbit", "abc"}, "unknown subcommand 'sumbit' for `referrals`"},
      {{"referrals", "get"}, "usage: probation referrals get <referral>"},
      {{"referrals", "get", "abc", "--etag=1"}, "`referrals get` has no flag --etag"},
      {{"find", "--sex=woman"}, "--sex: unknown value 'woman'; accepted: male, female"},
      {{"find", "--needs=accommodation:extreme"}, "--needs: 'accommodation:extreme': complexity"},
      {{"referrals", "state-machine", "programmes"}, "kind: unknown value 'programmes'"},
      {{"referrals", "transition", "abc"}, "--to: required"},
      {{"referrals", "list", "--state=open"}, "--state: unknown value 'open'"},
      {{"referrals", "get", "interventions/x"}, "referral: expected an id or referrals/<id>"},
      {{"regions", "list", "--timeout=soon"}, "--timeout: "},
      {{"token", "--sub=x", "--secret=short"}, "--secret: an HS256 secret needs at least 32"},
      {{"token", "--secret", kSecret}, "--sub: required"},
      {{"token", "--sub=x", "--secret", kSecret, "--roles=judge"},
       "--roles: unknown value 'judge'"},
  };
  for (const UsageCase& usage : cases) {
    const Finished run = RunProbation(usage.args);
    EXPECT_EQ(run.exit_code, 2) << absl::StrJoin(usage.args, " ") << "\n" << run.output;
    EXPECT_THAT(run.output, HasSubstr(usage.message)) << absl::StrJoin(usage.args, " ");
  }
}

TEST(ProbationProcess, AnInvalidEnvironmentSettingIsAUsageError) {
  const Finished run = RunProbation({"regions", "list"}, {{"PROBATION_TIMEOUT", "soon"}});
  EXPECT_EQ(run.exit_code, 2) << run.output;
  EXPECT_THAT(run.output, HasSubstr("PROBATION_TIMEOUT"));
}

TEST(ProbationProcess, ACallThatCannotReachTheGatewayFailsWithOne) {
  // Port 1 on loopback refuses connections, so this needs no gateway and fails fast.
  const Finished run = RunProbation({"regions", "list", "--address=127.0.0.1:1", "--timeout=2s"});
  EXPECT_EQ(run.exit_code, 1) << run.output;
  EXPECT_THAT(run.output, HasSubstr("error: UNAVAILABLE: "));
}

}  // namespace
}  // namespace probation
