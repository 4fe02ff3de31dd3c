// W3C trace context through the suite: a traceparent sent to the gateway is continued by every
// service the call reaches, each call a span whose parent is its caller's, and on every one of
// their `rpc` log lines; a call without one (or with one that does not parse) starts a trace
// that every service it reaches shares.
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/e2e/suite_test.h"

namespace probation {
namespace {

using ::testing::SizeIs;

constexpr char kTraceId[] = "4bf92f3577b34da6a3ce929d0e0e4736";
constexpr char kSubmitTraceId[] = "0af7651916cd43dd8448eb211c80319c";

class TraceContextProcessTest : public testing::SuiteTest {
 protected:
  // The `rpc` lines of `method` in one service's log, once the suite has stopped (all written).
  static std::vector<nlohmann::json> RpcLines(const std::string& log, const std::string& method) {
    std::vector<nlohmann::json> lines;
    for (absl::string_view text : absl::StrSplit(log, '\n')) {
      nlohmann::json line = nlohmann::json::parse(text, nullptr, false);
      if (line.is_object() && line.value("event", "") == "rpc" &&
          line.value("method", "") == method) {
        lines.push_back(std::move(line));
      }
    }
    return lines;
  }

  // The one `rpc` line of `method` with `trace_id`, or null.
  static nlohmann::json LineOfTrace(const std::string& log, const std::string& method,
                                    const std::string& trace_id) {
    for (nlohmann::json& line : RpcLines(log, method)) {
      if (line.value("trace_id", "") == trace_id) return line;
    }
    return nullptr;
  }

  referrals::v1::Referral Create(const std::string& token, const std::string& traceparent,
                                 const std::string& request_id) {
    referrals::v1::CreateReferralRequest create;
    create.set_request_id(request_id);
    create.mutable_referral()->set_intervention(intervention_);
    create.mutable_referral()->set_region("london");
    *create.mutable_referral()->mutable_person() = testing::LondonPerson(
        "T271828", "1990-01-02", common::v1::NEED_AREA_ATTITUDES_THINKING_BEHAVIOUR);
    auto context = As(token);
    if (!traceparent.empty()) context->AddMetadata("traceparent", traceparent);
    referrals::v1::Referral draft;
    const grpc::Status status = stub_->CreateReferral(context.get(), create, &draft);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return draft;
  }

  std::string intervention_ = "interventions/building-better-relationships";
};

TEST_F(TraceContextProcessTest, OneTraceparentIsOnTheLinesOfEveryServiceTheCallReaches) {
  const std::string token = testing::SuiteToken("probation_practitioner", "london");
  // Create: gateway -> referrals -> catalogue.
  const std::string parent = absl::StrCat("00-", kTraceId, "-00f067aa0ba902b7-01");
  const referrals::v1::Referral draft =
      Create(token, parent, "2c1b4a6e-3d5f-4e7a-9b8c-1d2e3f4a5b6c");
  // Submit: gateway -> referrals -> eligibility.
  referrals::v1::SubmitReferralRequest submit;
  submit.set_name(draft.name());
  submit.set_etag(draft.etag());
  submit.set_override_reason("the trace test needs only the call");
  auto submit_context = As(token);
  submit_context->AddMetadata("traceparent",
                              absl::StrCat("00-", kSubmitTraceId, "-b7ad6b7169203331-01"));
  referrals::v1::Referral submitted;
  ASSERT_TRUE(stub_->SubmitReferral(submit_context.get(), submit, &submitted).ok());
  // No traceparent, then one that does not parse (upper-case hex): a new trace each.
  Create(token, "", "5e4d3c2b-1a09-4f8e-8d7c-6b5a49382716");
  Create(token, absl::StrCat("00-", absl::AsciiStrToUpper(kTraceId), "-00f067aa0ba902b7-01"),
         "6f5e4d3c-2b1a-4098-8e7d-6c5b4a392817");

  suite_->Stop();
  const std::vector<std::string> logs =
      suite_->Logs();  // catalogue, eligibility, referrals, gateway
  const std::string& catalogue = logs[0];
  const std::string& eligibility = logs[1];
  const std::string& referrals = logs[2];
  const std::string& gateway = logs[3];

  const nlohmann::json at_gateway =
      LineOfTrace(gateway, "/probation.gateway.v1.InterventionsGateway/CreateReferral", kTraceId);
  const nlohmann::json at_referrals =
      LineOfTrace(referrals, "/probation.referrals.v1.ReferralService/CreateReferral", kTraceId);
  const nlohmann::json at_catalogue =
      LineOfTrace(catalogue, "/probation.catalogue.v1.CatalogueService/GetIntervention", kTraceId);
  ASSERT_FALSE(at_gateway.is_null()) << gateway;
  ASSERT_FALSE(at_referrals.is_null()) << referrals;
  ASSERT_FALSE(at_catalogue.is_null()) << catalogue;
  // Each a span of its own, the child of its caller's.
  EXPECT_EQ(at_gateway.value("parent_span_id", ""), "00f067aa0ba902b7");
  EXPECT_EQ(at_referrals.value("parent_span_id", ""), at_gateway.value("span_id", ""));
  EXPECT_EQ(at_catalogue.value("parent_span_id", ""), at_referrals.value("span_id", ""));
  for (const nlohmann::json* line : {&at_gateway, &at_referrals, &at_catalogue}) {
    EXPECT_THAT(line->value("span_id", ""), SizeIs(16));
  }
  EXPECT_NE(at_gateway.value("span_id", ""), at_referrals.value("span_id", ""));

  EXPECT_FALSE(LineOfTrace(eligibility,
                           "/probation.eligibility.v1.EligibilityService/CheckEligibility",
                           kSubmitTraceId)
                   .is_null())
      << eligibility;

  // The two calls without a usable traceparent: the gateway started a trace for each, with no
  // parent, and the referrals service continued it.
  int started = 0;
  for (const nlohmann::json& line :
       RpcLines(gateway, "/probation.gateway.v1.InterventionsGateway/CreateReferral")) {
    const std::string trace_id = line.value("trace_id", "");
    if (trace_id == kTraceId) continue;
    ++started;
    EXPECT_EQ(line.value("parent_span_id", "x"), "");
    EXPECT_THAT(trace_id, SizeIs(32));
    EXPECT_NE(trace_id, absl::AsciiStrToUpper(kTraceId));
    EXPECT_FALSE(
        LineOfTrace(referrals, "/probation.referrals.v1.ReferralService/CreateReferral", trace_id)
            .is_null());
  }
  EXPECT_EQ(started, 2);
}

}  // namespace
}  // namespace probation
