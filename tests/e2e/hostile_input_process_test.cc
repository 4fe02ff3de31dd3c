// Hostile input through the gateway, with the four binaries running as operators run them:
// tokens that are expired, tampered, unsigned or foreign; oversized messages; page sizes and
// page tokens out of bounds; injection-like filter values; bytes that are not the message
// they claim to be; a provider reaching for another's referral; probes of another scope's
// referral and limited-access cases. Each gets the status AIP-193
// asks for, no process dies, nothing stored changes, and no log line holds the person's CRN
// or date of birth or stops being one JSON object.
#include <climits>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "libs/auth/jwt.h"
#include "nlohmann/json.hpp"
#include "probation/gateway/v1/gateway_service.grpc.pb.h"
#include "tests/e2e/suite_test.h"
#include "tests/support/suite_processes.h"

namespace probation {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kCrn[] = "H314159";
constexpr char kDateOfBirth[] = "1979-03-14";
constexpr char kGateway[] = "/probation.gateway.v1.InterventionsGateway/";

class HostileInputTest : public testing::SuiteTest {
 protected:
  // Whatever was thrown at it: every process still runs (and then stops cleanly), every log
  // line is one JSON object, and none holds the person's CRN or date of birth.
  void TearDown() override {
    for (const auto* process :
         {&suite_->catalogue, &suite_->eligibility, &suite_->referrals, &suite_->gateway}) {
      EXPECT_FALSE((*process)->Wait(absl::Milliseconds(1)).ok()) << "a service stopped";
    }
    suite_->Stop();
    for (const std::string& log : suite_->Logs()) {
      EXPECT_THAT(log, Not(HasSubstr(kCrn)));
      EXPECT_THAT(log, Not(HasSubstr(kDateOfBirth)));
      for (absl::string_view line : absl::StrSplit(log, '\n', absl::SkipEmpty())) {
        EXPECT_TRUE(nlohmann::json::accept(line)) << line;
      }
    }
  }

  static common::v1::PersonProfile Person() {
    return testing::LondonPerson(kCrn, kDateOfBirth, common::v1::NEED_AREA_ACCOMMODATION);
  }

  // An intervention of `kind` the person is eligible for, as FindInterventions says.
  std::string EligibleIntervention(catalogue::v1::InterventionKind kind) {
    gateway::v1::FindInterventionsRequest find;
    *find.mutable_person() = Person();
    gateway::v1::FindInterventionsResponse found;
    auto context = As(practitioner_);
    const grpc::Status status = stub_->FindInterventions(context.get(), find, &found);
    EXPECT_TRUE(status.ok()) << status.error_message();
    for (const auto& match : found.matches()) {
      if (match.intervention().kind() == kind &&
          match.verdict().outcome() == eligibility::v1::OUTCOME_ELIGIBLE) {
        return match.intervention().name();
      }
    }
    ADD_FAILURE() << "nothing eligible of kind " << kind;
    return "";
  }

  // A submitted CRS referral to provider-a in London.
  referrals::v1::Referral ReferToProviderA() {
    referrals::v1::CreateReferralRequest create;
    create.set_request_id("hostile-crs-1");
    create.mutable_referral()->set_intervention(
        EligibleIntervention(catalogue::v1::INTERVENTION_KIND_COMMISSIONED_REHABILITATIVE_SERVICE));
    *create.mutable_referral()->mutable_person() = Person();
    create.mutable_referral()->set_region("london");
    create.mutable_referral()->set_provider("provider-a");
    return CreateAndSubmit(practitioner_, create);
  }

  // Sends `bytes` as the request body of `method`, whatever they are.
  grpc::Status CallWithRawBytes(absl::string_view method, const std::string& bytes) {
    grpc::GenericStub generic(channel_);
    auto context = As(practitioner_);
    grpc::CompletionQueue queue;
    grpc::Slice slice(bytes);
    grpc::ByteBuffer request(&slice, 1);
    auto call =
        generic.PrepareUnaryCall(context.get(), absl::StrCat(kGateway, method), request, &queue);
    call->StartCall();
    grpc::ByteBuffer response;
    grpc::Status status;
    call->Finish(&response, &status, this);
    void* tag = nullptr;
    bool ok = false;
    EXPECT_TRUE(queue.Next(&tag, &ok));
    queue.Shutdown();
    while (queue.Next(&tag, &ok)) {
    }
    return status;
  }

  grpc::StatusCode ListRegionsAs(const std::string& token) {
    auto context = As(token);
    catalogue::v1::ListRegionsResponse regions;
    return stub_->ListRegions(context.get(), {}, &regions).error_code();
  }

  const std::string practitioner_ = testing::SuiteToken("probation_practitioner", "london");
  const std::string admin_ = testing::SuiteToken("admin", "");
};

std::string Base64Url(absl::string_view text) { return absl::WebSafeBase64Escape(text); }

// The token's header, payload and signature, each still base64url.
std::vector<std::string> PartsOf(const std::string& token) { return absl::StrSplit(token, '.'); }

std::string PayloadOf(const std::string& token) {
  std::string payload;
  EXPECT_TRUE(absl::WebSafeBase64Unescape(PartsOf(token)[1], &payload));
  return payload;
}

TEST_F(HostileInputTest, TokensThatAreExpiredTamperedUnsignedOrForeignAreUnauthenticated) {
  ASSERT_EQ(ListRegionsAs(practitioner_), grpc::StatusCode::OK);
  TokenClaims principal;
  principal.subject = "someone";
  principal.roles = {"probation_practitioner"};
  principal.region = "london";
  const JwtKey suite_key{JwtAlgorithm::kHs256, testing::kSuiteTokenSecret};
  // Two hours old with a one-hour life: well past the 30 s leeway.
  const std::string expired = *MintJwt(suite_key, testing::kSuiteIssuer, principal,
                                       absl::Now() - absl::Hours(2), absl::Hours(1));
  // Not valid for another hour.
  const std::string not_yet = *MintJwt(suite_key, testing::kSuiteIssuer, principal,
                                       absl::Now() + absl::Hours(1), absl::Hours(1));
  const std::string foreign_issuer =
      *MintJwt(suite_key, "someone-else", principal, absl::Now(), absl::Hours(1));
  const std::string foreign_key =
      *MintJwt({JwtAlgorithm::kHs256, "another-secret-0123456789abcdefghijkl"},
               testing::kSuiteIssuer, principal, absl::Now(), absl::Hours(1));

  // The practitioner's own token, promoted to admin without re-signing.
  const std::vector<std::string> parts = PartsOf(practitioner_);
  const std::string promoted =
      absl::StrReplaceAll(PayloadOf(practitioner_), {{"probation_practitioner", "admin"}});
  ASSERT_NE(promoted, PayloadOf(practitioner_));
  const std::string tampered = absl::StrCat(parts[0], ".", Base64Url(promoted), ".", parts[2]);
  // The same claims declared unsigned: with the signature dropped, and with it kept.
  const std::string none_header = Base64Url(R"({"alg":"none","typ":"JWT"})");
  const std::string unsigned_token = absl::StrCat(none_header, ".", parts[1], ".");
  const std::string unsigned_with_signature =
      absl::StrCat(none_header, ".", parts[1], ".", parts[2]);
  // RS256 claimed for an HS256 signature: algorithm confusion.
  const std::string confused =
      absl::StrCat(Base64Url(R"({"alg":"RS256","typ":"JWT"})"), ".", parts[1], ".", parts[2]);

  const std::vector<std::pair<std::string, std::string>> tokens = {
      {"none", ""},
      {"not a JWT", "not-a-jwt"},
      {"empty parts", ".."},
      {"garbage parts", "a.b.c"},
      {"huge", std::string(3000, 'A') + "." + std::string(3000, 'B') + ".c"},
      {"expired", expired},
      {"not yet valid", not_yet},
      {"foreign issuer", foreign_issuer},
      {"foreign key", foreign_key},
      {"tampered", tampered},
      {"alg none", unsigned_token},
      {"alg none with signature", unsigned_with_signature},
      {"algorithm confusion", confused},
  };
  for (const auto& [what, token] : tokens) {
    EXPECT_EQ(ListRegionsAs(token), grpc::StatusCode::UNAUTHENTICATED) << what;
  }
  // Not a bearer token at all.
  grpc::ClientContext basic;
  basic.AddMetadata("authorization", "Basic dXNlcjpwYXNz");
  catalogue::v1::ListRegionsResponse regions;
  EXPECT_EQ(stub_->ListRegions(&basic, {}, &regions).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  // Streams check too: an unsigned admin watching every event.
  const std::string unsigned_admin = absl::StrCat(none_header, ".", PartsOf(admin_)[1], ".");
  auto watch_context = As(unsigned_admin);
  auto watch = stub_->WatchReferralEvents(watch_context.get(), {});
  referrals::v1::ReferralEvent event;
  EXPECT_FALSE(watch->Read(&event));
  EXPECT_EQ(watch->Finish().error_code(), grpc::StatusCode::UNAUTHENTICATED);
  // And the real one still works.
  EXPECT_EQ(ListRegionsAs(practitioner_), grpc::StatusCode::OK);
}

TEST_F(HostileInputTest, OversizedMessagesAreRefusedAndTheGatewayCarriesOn) {
  // Over the gateway's 4 MiB default: refused before any handler or backend sees it.
  referrals::v1::CreateReferralRequest create;
  create.set_request_id("hostile-oversized");
  create.mutable_referral()->set_intervention("interventions/x");
  *create.mutable_referral()->mutable_person() = Person();
  create.mutable_referral()->set_reason_for_referral(std::string(5 << 20, 'x'));
  referrals::v1::Referral referral;
  auto context = As(practitioner_);
  EXPECT_EQ(stub_->CreateReferral(context.get(), create, &referral).error_code(),
            grpc::StatusCode::RESOURCE_EXHAUSTED);
  // Just under the limit gets as far as validation.
  create.mutable_referral()->set_reason_for_referral(std::string(3 << 20, 'x'));
  auto under = As(practitioner_);
  EXPECT_NE(stub_->CreateReferral(under.get(), create, &referral).error_code(),
            grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(ListRegionsAs(practitioner_), grpc::StatusCode::OK);
}

TEST_F(HostileInputTest, PageSizesAreCoercedToTheMaximumOrRefusedWhenNegative) {
  catalogue::v1::ListInterventionsRequest interventions;
  interventions.set_page_size(INT_MAX);
  catalogue::v1::ListInterventionsResponse listed;
  auto context = As(practitioner_);
  ASSERT_TRUE(stub_->ListInterventions(context.get(), interventions, &listed).ok());
  EXPECT_GT(listed.interventions_size(), 50);
  EXPECT_LE(listed.interventions_size(), 100);

  for (int size : {-1, INT_MIN}) {
    interventions.set_page_size(size);
    auto negative = As(practitioner_);
    const grpc::Status status = stub_->ListInterventions(negative.get(), interventions, &listed);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << size;
    EXPECT_THAT(status.error_message(), HasSubstr("page_size"));

    referrals::v1::ListReferralsRequest referrals;
    referrals.set_page_size(size);
    referrals::v1::ListReferralsResponse page;
    auto referrals_context = As(admin_);
    const grpc::Status refused = stub_->ListReferrals(referrals_context.get(), referrals, &page);
    EXPECT_EQ(refused.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << size;
    EXPECT_THAT(refused.error_message(), HasSubstr("page_size"));
  }
  referrals::v1::ListReferralsRequest referrals;
  referrals.set_page_size(INT_MAX);
  referrals::v1::ListReferralsResponse page;
  auto referrals_context = As(admin_);
  EXPECT_TRUE(stub_->ListReferrals(referrals_context.get(), referrals, &page).ok());
}

TEST_F(HostileInputTest, MalformedOrForeignPageTokensAreInvalidArguments) {
  // A real token, for the kind filter it was issued with.
  catalogue::v1::ListInterventionsRequest first;
  first.set_page_size(5);
  catalogue::v1::ListInterventionsResponse listed;
  auto context = As(practitioner_);
  ASSERT_TRUE(stub_->ListInterventions(context.get(), first, &listed).ok());
  ASSERT_FALSE(listed.next_page_token().empty());
  std::string flipped = listed.next_page_token();
  flipped[flipped.size() / 2] = flipped[flipped.size() / 2] == 'A' ? 'B' : 'A';

  const std::vector<std::string> page_tokens = {
      "garbage",
      "====",
      "%00%ff",
      std::string(4096, 'A'),
      std::string("\x01\x02", 2),
      Base64Url("\xde\xad\xbe\xef\x00\x01\x02\x03\x04\x05\x06\x07"),
      flipped};
  for (const std::string& token : page_tokens) {
    catalogue::v1::ListInterventionsRequest request = first;
    request.set_page_token(token);
    auto call = As(practitioner_);
    const grpc::Status status = stub_->ListInterventions(call.get(), request, &listed);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << token;
    EXPECT_THAT(status.error_message(), HasSubstr("page_token"));

    referrals::v1::ListReferralsRequest referrals;
    referrals.set_page_token(token);
    referrals::v1::ListReferralsResponse page;
    auto referrals_call = As(admin_);
    const grpc::Status refused = stub_->ListReferrals(referrals_call.get(), referrals, &page);
    EXPECT_EQ(refused.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << token;
    EXPECT_THAT(refused.error_message(), HasSubstr("page_token"));
  }
  // The real token with other filters would skip or repeat results: refused too.
  auto again = As(practitioner_);
  ASSERT_TRUE(stub_->ListInterventions(again.get(), first, &listed).ok());
  catalogue::v1::ListInterventionsRequest other_filters = first;
  other_filters.set_page_token(listed.next_page_token());
  other_filters.set_region("wales");
  auto call = As(practitioner_);
  const grpc::Status foreign = stub_->ListInterventions(call.get(), other_filters, &listed);
  EXPECT_EQ(foreign.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(foreign.error_message(), HasSubstr("page_token"));
}

TEST_F(HostileInputTest, InjectionLikeFilterValuesMatchNothingAndChangeNothing) {
  const referrals::v1::Referral referral = ReferToProviderA();
  const std::vector<std::string> hostile = {"' OR '1'='1",
                                            "x'; DROP TABLE referrals; --",
                                            "london' --",
                                            "%",
                                            "_",
                                            "\") OR 1=1 --",
                                            "$1",
                                            "referrals/../../etc",
                                            "*",
                                            "1; SELECT pg_sleep(5)",
                                            std::string("nul\0byte", 8)};
  for (const std::string& value : hostile) {
    for (int field = 0; field < 4; ++field) {
      referrals::v1::ListReferralsRequest request;
      switch (field) {
        case 0:
          request.set_crn(value);
          break;
        case 1:
          request.set_intervention(value);
          break;
        case 2:
          request.set_region(value);
          break;
        case 3:
          request.set_provider(value);
          break;
      }
      referrals::v1::ListReferralsResponse page;
      auto context = As(admin_);
      const grpc::Status status = stub_->ListReferrals(context.get(), request, &page);
      // Either refused as malformed or a filter that matches nothing; never everything.
      if (status.ok()) {
        EXPECT_EQ(page.referrals_size(), 0) << field << ": " << value;
      } else {
        EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << value;
      }
    }
    referrals::v1::GetReferralRequest get;
    get.set_name(absl::StrCat("referrals/", value));
    referrals::v1::Referral read;
    auto context = As(admin_);
    const grpc::StatusCode code = stub_->GetReferral(context.get(), get, &read).error_code();
    EXPECT_TRUE(code == grpc::StatusCode::NOT_FOUND || code == grpc::StatusCode::INVALID_ARGUMENT)
        << value << ": " << code;

    catalogue::v1::ListInterventionsRequest search;
    search.set_query(value);
    catalogue::v1::ListInterventionsResponse found;
    auto search_context = As(practitioner_);
    const grpc::Status searched = stub_->ListInterventions(search_context.get(), search, &found);
    EXPECT_TRUE(searched.ok()) << value << ": " << searched.error_message();
  }
  // Everything is still there, unchanged.
  referrals::v1::ListReferralsResponse page;
  auto context = As(admin_);
  ASSERT_TRUE(stub_->ListReferrals(context.get(), {}, &page).ok());
  ASSERT_EQ(page.referrals_size(), 1);
  EXPECT_EQ(page.referrals(0).name(), referral.name());
  EXPECT_EQ(page.referrals(0).etag(), referral.etag());
}

TEST_F(HostileInputTest, BytesThatAreNotTheRequestMessageAreInvalidArguments) {
  referrals::v1::CreateReferralRequest create;
  create.set_request_id("hostile-utf8");
  create.mutable_referral()->set_intervention("interventions/x");
  *create.mutable_referral()->mutable_person() = Person();
  create.mutable_referral()->set_region("london");
  // The same message with the region's bytes made invalid UTF-8, which proto3 strings forbid.
  std::string bytes = create.SerializeAsString();
  const size_t region = bytes.find("london");
  ASSERT_NE(region, std::string::npos);
  bytes.replace(region, 2, "\xff\xfe");
  for (const auto& [method, body] : std::vector<std::pair<std::string, std::string>>{
           {"CreateReferral", bytes},
           {"CreateReferral", "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"},
           {"FindInterventions", std::string("\x0a\x05\x0a\x03\xc3\x28\x41", 7)},
           {"GetIntervention", std::string("\x0a\xff\xff\xff\xff\x0f", 6)},
       }) {
    const grpc::Status status = CallWithRawBytes(method, body);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << method << ": " << status.error_message();
  }
  // Valid UTF-8 that is not a known region is still judged by the service.
  create.mutable_referral()->set_region("llundain-ŵ");
  referrals::v1::Referral referral;
  auto context = As(practitioner_);
  EXPECT_NE(stub_->CreateReferral(context.get(), create, &referral).error_code(),
            grpc::StatusCode::OK);
  EXPECT_EQ(ListRegionsAs(practitioner_), grpc::StatusCode::OK);
}

TEST_F(HostileInputTest, AProviderCannotReachAnotherProvidersReferral) {
  const referrals::v1::Referral referral = ReferToProviderA();
  const std::string provider_a = testing::SuiteToken("service_provider", "", "provider-a");
  const std::string provider_b = testing::SuiteToken("service_provider", "", "provider-b");

  referrals::v1::GetReferralRequest get;
  get.set_name(referral.name());
  referrals::v1::Referral read;
  auto own = As(provider_a);
  ASSERT_TRUE(stub_->GetReferral(own.get(), get, &read).ok());

  // Every way in answers as if there were no such referral.
  auto get_context = As(provider_b);
  EXPECT_EQ(stub_->GetReferral(get_context.get(), get, &read).error_code(),
            grpc::StatusCode::NOT_FOUND);
  referrals::v1::GetReferralHistoryRequest history;
  history.set_name(referral.name());
  referrals::v1::GetReferralHistoryResponse entries;
  auto history_context = As(provider_b);
  EXPECT_EQ(stub_->GetReferralHistory(history_context.get(), history, &entries).error_code(),
            grpc::StatusCode::NOT_FOUND);
  referrals::v1::ListAllowedTransitionsRequest allowed;
  allowed.set_name(referral.name());
  referrals::v1::ListAllowedTransitionsResponse moves;
  auto allowed_context = As(provider_b);
  EXPECT_EQ(stub_->ListAllowedTransitions(allowed_context.get(), allowed, &moves).error_code(),
            grpc::StatusCode::NOT_FOUND);
  referrals::v1::TransitionReferralRequest move;
  move.set_name(referral.name());
  move.set_etag(referral.etag());
  move.set_to_state(referrals::v1::REFERRAL_STATE_ASSIGNED);
  auto move_context = As(provider_b);
  EXPECT_EQ(stub_->TransitionReferral(move_context.get(), move, &read).error_code(),
            grpc::StatusCode::NOT_FOUND);
  // Asking for provider-a's referrals by name shows none of them.
  referrals::v1::ListReferralsRequest list;
  list.set_provider("provider-a");
  referrals::v1::ListReferralsResponse page;
  auto list_context = As(provider_b);
  const grpc::Status listed = stub_->ListReferrals(list_context.get(), list, &page);
  if (listed.ok()) {
    EXPECT_EQ(page.referrals_size(), 0);
  } else {
    EXPECT_EQ(listed.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  }
  // The referral is as it was, and provider-a can still take it on.
  auto take = As(provider_a);
  ASSERT_TRUE(stub_->TransitionReferral(take.get(), move, &read).ok());
  EXPECT_EQ(read.state(), referrals::v1::REFERRAL_STATE_ASSIGNED);
}

TEST_F(HostileInputTest, ARequestIdThatIsNotAnIdIsReplacedNotLogged) {
  for (const std::string& forged : {std::string("abc\",\"level\":\"critical\",\"crn\":\"X1"),
                                    std::string("a b"), std::string(200, 'x')}) {
    auto context = As(practitioner_);
    context->AddMetadata("x-request-id", forged);
    catalogue::v1::ListRegionsResponse regions;
    ASSERT_TRUE(stub_->ListRegions(context.get(), {}, &regions).ok());
    // The caller is told the id its call was given instead, and the log says that one.
    const auto echoed = context->GetServerInitialMetadata().find("x-request-id");
    ASSERT_NE(echoed, context->GetServerInitialMetadata().end());
    const std::string given(echoed->second.data(), echoed->second.size());
    EXPECT_NE(given, forged);
    EXPECT_EQ(given.size(), 32u) << given;
    auto logged = suite_->gateway->WaitForLine(
        [&](const std::string& line) {
          return nlohmann::json::accept(line) &&
                 nlohmann::json::parse(line).value("request_id", "") == given;
        },
        absl::Seconds(10));
    ASSERT_TRUE(logged.ok()) << logged.status();
    EXPECT_EQ(nlohmann::json::parse(*logged).value("level", ""), "info");
  }
  for (const std::string& log : suite_->Logs()) {
    EXPECT_THAT(log, Not(HasSubstr("\"crn\":\"X1")));
  }
}

TEST_F(HostileInputTest, APersonNamedJoseWorksAndTheServicesSeeTheirName) {
  TokenClaims jose;
  jose.subject = "jos\xc3\xa9";
  jose.roles = {"probation_practitioner"};
  jose.region = "london";
  auto token = MintJwt({JwtAlgorithm::kHs256, testing::kSuiteTokenSecret}, testing::kSuiteIssuer,
                       jose, absl::Now(), absl::Hours(1));
  ASSERT_TRUE(token.ok()) << token.status();
  referrals::v1::CreateReferralRequest create;
  create.set_request_id("jose-1");
  create.mutable_referral()->set_intervention(
      EligibleIntervention(catalogue::v1::INTERVENTION_KIND_STRUCTURED_INTERVENTION));
  *create.mutable_referral()->mutable_person() = Person();
  create.mutable_referral()->set_region("london");
  referrals::v1::Referral draft;
  auto context = As(*token);
  const grpc::Status status = stub_->CreateReferral(context.get(), create, &draft);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(draft.created_by(), "jos\xc3\xa9");
}

TEST_F(HostileInputTest, ClaimsThatCannotTravelAreRefusedNamingTheClaim) {
  const struct {
    std::string subject;
    std::string region;
    std::string claim;
  } cases[] = {
      {"line\nbreak", "london", "sub"},
      {std::string(300, 's'), "london", "sub"},
      {"someone",
       "Lon\xc3\xa9"
       "don",
       "region"},
      {"someone", "london\r\nx-role: admin", "region"},
  };
  for (const auto& c : cases) {
    TokenClaims claims;
    claims.subject = c.subject;
    claims.roles = {"probation_practitioner"};
    claims.region = c.region;
    auto token = MintJwt({JwtAlgorithm::kHs256, testing::kSuiteTokenSecret}, testing::kSuiteIssuer,
                         claims, absl::Now(), absl::Hours(1));
    ASSERT_TRUE(token.ok());
    const grpc::StatusCode code = ListRegionsAs(*token);
    EXPECT_EQ(code, grpc::StatusCode::UNAUTHENTICATED) << c.claim;
  }
}

TEST_F(HostileInputTest, MadeUpMethodNamesShareOneUnknownSeriesInTheMetrics) {
  for (int i = 0; i < 50; ++i) {
    const grpc::Status status = CallWithRawBytes(absl::StrCat("NoSuchMethod", i), std::string());
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNIMPLEMENTED);
  }
  auto curl = testing::ChildProcess::Start(
      {"/usr/bin/curl", "--silent", "--show-error", "--max-time", "5",
       absl::StrCat("http://127.0.0.1:", suite_->metrics_ports.at("gateway"), "/metrics")});
  ASSERT_TRUE(curl.ok()) << curl.status();
  ASSERT_EQ(*(*curl)->Wait(absl::Seconds(10)), 0) << (*curl)->Output();
  const std::string metrics = (*curl)->Output();
  EXPECT_THAT(metrics, Not(HasSubstr("NoSuchMethod")));
  EXPECT_THAT(metrics, HasSubstr("grpc_service=\"unknown\""));
  for (const std::string& log : suite_->Logs()) {
    EXPECT_THAT(log, Not(HasSubstr("NoSuchMethod")));
  }
}

// A bearer token for staff member `subject` in `role`, working in `region`.
std::string StaffToken(absl::string_view subject, absl::string_view role,
                       absl::string_view region) {
  TokenClaims claims;
  claims.subject = std::string(subject);
  claims.roles = {std::string(role)};
  claims.region = std::string(region);
  auto token = MintJwt({JwtAlgorithm::kHs256, testing::kSuiteTokenSecret}, testing::kSuiteIssuer,
                       claims, absl::Now(), absl::Hours(1));
  EXPECT_TRUE(token.ok()) << token.status();
  return token.ok() ? *token : std::string();
}

// Scope at its edges (issue 23, items 5 to 7): a Welsh practitioner's draft does not block
// London's referral of the same person; submitting it is refused in words that name nothing
// of London's, and the probe is in the access audit an admin lists; a case restricted to one
// member of staff is NOT_FOUND to the others, in reads, listings and the watch stream.
TEST_F(HostileInputTest, ScopeHoldsFromSubmissionNamesNothingAndHidesLimitedCases) {
  const std::string welsh = StaffToken("pp-wales-probe", "probation_practitioner", "wales");
  const std::string trusted = StaffToken("pp-trusted", "probation_practitioner", "london");
  const std::string intervention =
      EligibleIntervention(catalogue::v1::INTERVENTION_KIND_STRUCTURED_INTERVENTION);

  referrals::v1::CreateReferralRequest create;
  create.set_request_id("scope-wales-1");
  create.mutable_referral()->set_intervention(intervention);
  *create.mutable_referral()->mutable_person() = Person();
  create.mutable_referral()->set_region("wales");
  referrals::v1::Referral welsh_draft;
  auto welsh_context = As(welsh);
  ASSERT_TRUE(stub_->CreateReferral(welsh_context.get(), create, &welsh_draft).ok());
  create.set_request_id("scope-london-1");
  create.mutable_referral()->set_region("london");
  const referrals::v1::Referral london = CreateAndSubmit(practitioner_, create);
  ASSERT_EQ(london.state(), referrals::v1::REFERRAL_STATE_SUBMITTED)
      << "the Welsh draft did not block London's referral";

  referrals::v1::SubmitReferralRequest submit;
  submit.set_name(welsh_draft.name());
  submit.set_etag(welsh_draft.etag());
  submit.set_override_reason("Moving to Wales next month");
  referrals::v1::Referral refused;
  auto submit_context = As(welsh);
  const grpc::Status probe = stub_->SubmitReferral(submit_context.get(), submit, &refused);
  EXPECT_EQ(probe.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(probe.error_message(), "the person already has an open referral to this intervention");
  EXPECT_THAT(probe.error_message(), Not(HasSubstr(london.id())));

  // The probe is in the audit, written within a moment.
  bool audited = false;
  for (int attempt = 0; attempt < 50 && !audited; ++attempt) {
    referrals::v1::ListAccessRecordsRequest list;
    list.set_actor("pp-wales-probe");
    referrals::v1::ListAccessRecordsResponse records;
    auto admin_context = As(admin_);
    const grpc::Status listed = stub_->ListAccessRecords(admin_context.get(), list, &records);
    ASSERT_TRUE(listed.ok()) << listed.error_message();
    for (const auto& record : records.records()) {
      audited |= record.outcome() == referrals::v1::AccessRecord::OUTCOME_REFUSED_OUT_OF_SCOPE &&
                 record.method() == "SubmitReferral" && record.crn() == kCrn &&
                 record.referral() == london.name();
    }
    if (!audited) absl::SleepFor(absl::Milliseconds(100));
  }
  EXPECT_TRUE(audited) << "the probe is in the access audit";

  // The case restricted to pp-trusted: every other London practitioner is kept out.
  referrals::v1::SetCaseAccessRequest limit;
  limit.mutable_case_access()->set_name(absl::StrCat("cases/", kCrn, "/access"));
  limit.mutable_case_access()->add_restricted_to_actors("pp-trusted");
  limit.mutable_case_access()->set_reason("The person is a member of staff");
  referrals::v1::CaseAccess access;
  auto limit_context = As(admin_);
  ASSERT_TRUE(stub_->SetCaseAccess(limit_context.get(), limit, &access).ok());

  referrals::v1::GetReferralRequest get;
  get.set_name(london.name());
  referrals::v1::Referral read;
  auto get_context = As(practitioner_);
  EXPECT_EQ(stub_->GetReferral(get_context.get(), get, &read).error_code(),
            grpc::StatusCode::NOT_FOUND);
  auto trusted_context = As(trusted);
  EXPECT_TRUE(stub_->GetReferral(trusted_context.get(), get, &read).ok());
  referrals::v1::ListReferralsRequest list;
  list.set_crn(kCrn);
  referrals::v1::ListReferralsResponse page;
  auto list_context = As(practitioner_);
  ASSERT_TRUE(stub_->ListReferrals(list_context.get(), list, &page).ok());
  EXPECT_EQ(page.referrals_size(), 0);
  EXPECT_EQ(page.total_size(), 0);

  // A referral of someone else, made after, marks where the watch has read up to.
  common::v1::PersonProfile other = Person();
  other.set_crn("H271828");
  create.set_request_id("scope-marker-1");
  *create.mutable_referral()->mutable_person() = other;
  referrals::v1::Referral marker;
  auto marker_context = As(practitioner_);
  ASSERT_TRUE(stub_->CreateReferral(marker_context.get(), create, &marker).ok());
  auto watch_context = As(practitioner_);
  referrals::v1::WatchReferralEventsRequest from_start;
  auto watch = stub_->WatchReferralEvents(watch_context.get(), from_start);
  referrals::v1::ReferralEvent event;
  bool reached_marker = false;
  while (!reached_marker && watch->Read(&event)) {
    EXPECT_NE(event.referral().person().crn(), kCrn) << "the watch showed the restricted case";
    reached_marker = event.referral().id() == marker.id();
  }
  EXPECT_TRUE(reached_marker);
  watch_context->TryCancel();
  watch->Finish();
}

}  // namespace
}  // namespace probation
