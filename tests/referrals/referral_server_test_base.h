// The referrals service through a real gRPC server on loopback, a real SQLite file and real
// catalogue and eligibility servers, with helpers that call it as the gateway does.
#ifndef PROBATION_TESTS_REFERRALS_REFERRAL_SERVER_TEST_BASE_H_
#define PROBATION_TESTS_REFERRALS_REFERRAL_SERVER_TEST_BASE_H_

#include <atomic>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/auth/grpc_identity.h"
#include "tests/support/referrals_server_fixture.h"

namespace probation::referrals {

using catalogue::v1::InterventionKind;

inline constexpr char kPractitioner[] = "probation_practitioner";

// A call made as the gateway makes it: the caller's identity signed into the metadata.
// Staff work in london; service providers for provider-a, unless a test says otherwise.
struct Call {
  grpc::ClientContext context;
  Call(absl::string_view role, absl::string_view actor = "someone",
       absl::string_view region = "london", absl::string_view provider = "provider-a") {
    // The test channel signs it for the method called, as the gateway's channels do.
    SetCallerIdentity(context, {std::string(actor), RoleFromClaimName(role), std::string(region),
                                std::string(provider), absl::Now() + absl::Minutes(5)});
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(20)));
  }
};

inline std::string RoleName(common::v1::Role role) {
  return absl::AsciiStrToLower(absl::string_view(common::v1::Role_Name(role)).substr(5));
}

class ReferralServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { running_ = testing::StartReferrals().release(); }
  static void TearDownTestSuite() { delete running_; }

  v1::ReferralService::Stub& stub() { return *running_->stub; }

  // A fresh person each time, so the one-open-referral rule never gets in the way.
  static common::v1::PersonProfile NewPerson() {
    static std::atomic<int> next{100000};
    common::v1::PersonProfile person;
    person.set_crn(absl::StrCat("R", next++));
    person.set_date_of_birth("1988-04-02");
    person.set_sex(common::v1::SEX_MALE);
    person.set_region("london");
    person.set_sentence(common::v1::SENTENCE_TYPE_COMMUNITY_ORDER);
    person.set_has_rar(true);
    person.set_risk_of_reoffending(common::v1::RISK_LEVEL_MEDIUM);
    person.add_offences(common::v1::OFFENCE_CATEGORY_OTHER);
    person.add_needs()->set_area(common::v1::NEED_AREA_ATTITUDES_THINKING_BEHAVIOUR);
    person.add_needs()->set_area(common::v1::NEED_AREA_ACCOMMODATION);
    return person;
  }

  static std::string InterventionFor(InterventionKind kind) {
    switch (kind) {
      case catalogue::v1::INTERVENTION_KIND_ACCREDITED_PROGRAMME:
        return "interventions/thinking-skills-programme";
      case catalogue::v1::INTERVENTION_KIND_STRUCTURED_INTERVENTION:
        return "interventions/positive-pathways";
      default:
        return "interventions/crs-accommodation";
    }
  }

  v1::Referral CreateDraft(InterventionKind kind,
                           const common::v1::PersonProfile& person = NewPerson()) {
    Call call(kPractitioner, "pp-1");
    v1::CreateReferralRequest request;
    request.set_request_id(absl::StrCat("create-", person.crn(), "-", kind));
    request.mutable_referral()->set_intervention(InterventionFor(kind));
    *request.mutable_referral()->mutable_person() = person;
    request.mutable_referral()->set_region("london");
    if (kind == catalogue::v1::INTERVENTION_KIND_COMMISSIONED_REHABILITATIVE_SERVICE) {
      request.mutable_referral()->set_provider("provider-a");
    }
    v1::Referral referral;
    const grpc::Status status = stub().CreateReferral(&call.context, request, &referral);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return referral;
  }

  v1::Referral Submit(const v1::Referral& draft) {
    Call call(kPractitioner, "pp-1");
    v1::SubmitReferralRequest request;
    request.set_name(draft.name());
    request.set_etag(draft.etag());
    request.set_override_reason("The programme team asked for this referral");
    v1::Referral submitted;
    const grpc::Status status = stub().SubmitReferral(&call.context, request, &submitted);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return submitted;
  }

  grpc::Status Transition(const v1::Referral& referral, v1::ReferralState to, common::v1::Role role,
                          v1::Referral* result, absl::string_view reason = "",
                          absl::string_view notes = "") {
    Call call(RoleName(role), absl::StrCat(RoleName(role), "-actor"));
    v1::TransitionReferralRequest request;
    request.set_name(referral.name());
    request.set_etag(referral.etag());
    request.set_to_state(to);
    request.set_reason_code(std::string(reason));
    request.set_notes(std::string(notes));
    return stub().TransitionReferral(&call.context, request, result);
  }

  // Makes a move that must succeed.
  v1::Referral Move(const v1::Referral& referral, v1::ReferralState to, common::v1::Role role) {
    v1::Referral moved;
    const grpc::Status status = Transition(referral, to, role, &moved);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return moved;
  }

  static testing::RunningReferrals* running_;
};
inline testing::RunningReferrals* ReferralServerTest::running_ = nullptr;

}  // namespace probation::referrals

#endif  // PROBATION_TESTS_REFERRALS_REFERRAL_SERVER_TEST_BASE_H_
