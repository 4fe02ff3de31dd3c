// What the CLI prints: aligned tables for lists, verdicts with their reasons, a referral's key
// fields, one JSON line per message, and errors with their field violations.
#include "tools/probation/output.h"

#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"
#include "libs/status/error_reason.h"
#include "libs/status/grpc_status.h"

namespace probation::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

template <typename M>
M Parse(const std::string& text) {
  M message;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &message)) << text;
  return message;
}

TEST(Output, ListsInterventionsInAlignedColumns) {
  const auto response = Parse<catalogue::v1::ListInterventionsResponse>(R"pb(
    interventions {
      id: "building-better-relationships"
      title: "Building Better Relationships"
      kind: INTERVENTION_KIND_ACCREDITED_PROGRAMME
    }
    interventions { id: "kaizen" title: "Kaizen" kind: INTERVENTION_KIND_ACCREDITED_PROGRAMME }
    next_page_token: "tok"
    total_size: 12
  )pb");
  EXPECT_EQ(HumanText(response),
            "ID                             TITLE                          KIND\n"
            "building-better-relationships  Building Better Relationships  accredited-programme\n"
            "kaizen                         Kaizen                         accredited-programme\n"
            "2 of 12 interventions; next page: --page_token=tok\n");
}

TEST(Output, ListsReferralsWithReferenceStateInterventionAndRegion) {
  const auto response = Parse<referrals::v1::ListReferralsResponse>(R"pb(
    referrals {
      id: "0f1e"
      reference: "AB1234CD"
      state: REFERRAL_STATE_AWAITING_ASSESSMENT
      intervention: "interventions/kaizen"
      region: "london"
      person { crn: "X123456" }
    }
    total_size: 1
  )pb");
  EXPECT_EQ(HumanText(response),
            "ID    REFERENCE  STATE                INTERVENTION  REGION  CRN\n"
            "0f1e  AB1234CD   awaiting-assessment  kaizen        london  X123456\n"
            "1 of 1 referrals\n");
}

TEST(Output, ShowsAVerdictWithEveryReason) {
  const auto verdict = Parse<eligibility::v1::Verdict>(R"pb(
    intervention: "interventions/building-better-relationships"
    intervention_title: "Building Better Relationships"
    outcome: OUTCOME_NOT_ELIGIBLE
    reasons {
      criterion: "sex"
      result: RESULT_NOT_MET
      explanation: "BBR is for men; this person is recorded as female"
      effect: CRITERION_EFFECT_REQUIRED
    }
    reasons {
      criterion: "availability"
      result: RESULT_MET
      explanation: "offered in london"
      effect: CRITERION_EFFECT_REQUIRED
    }
  )pb");
  EXPECT_EQ(HumanText(verdict),
            "Building Better Relationships (interventions/building-better-relationships): "
            "not-eligible\n"
            "    RESULT   CRITERION     EXPLANATION\n"
            "    not-met  sex           BBR is for men; this person is recorded as female\n"
            "    met      availability  offered in london\n");
}

TEST(Output, FindShowsOutcomesThePathwayAndWhyNot) {
  const auto response = Parse<gateway::v1::FindInterventionsResponse>(R"pb(
    matches {
      intervention { id: "kaizen" title: "Kaizen" kind: INTERVENTION_KIND_ACCREDITED_PROGRAMME }
      verdict {
        intervention: "interventions/kaizen"
        outcome: OUTCOME_ELIGIBLE
        kind: INTERVENTION_KIND_ACCREDITED_PROGRAMME
      }
    }
    matches {
      intervention { id: "bbr" title: "Building Better Relationships" }
      verdict {
        intervention: "interventions/bbr"
        outcome: OUTCOME_NEEDS_MORE_INFORMATION
        kind: INTERVENTION_KIND_ACCREDITED_PROGRAMME
        reasons { criterion: "sara" result: RESULT_UNKNOWN explanation: "no SARA recorded" }
        reasons { criterion: "sex" result: RESULT_MET explanation: "a man" }
      }
    }
    pathway {
      intervention: "interventions/kaizen"
      intervention_title: "Kaizen"
      stage: "programme-requirement"
      rationale: "eligible for an accredited programme"
    }
  )pb");
  const std::string text = HumanText(response);
  EXPECT_THAT(text, HasSubstr("OUTCOME                 ID      TITLE"));
  EXPECT_THAT(text, HasSubstr("eligible                kaizen  Kaizen"));
  EXPECT_THAT(text, HasSubstr("needs-more-information  bbr     Building Better Relationships"));
  EXPECT_THAT(text, HasSubstr("pathway:\n  1. Kaizen (interventions/kaizen) "
                              "[programme-requirement]\n     eligible for an accredited "
                              "programme\n"));
  EXPECT_THAT(text, HasSubstr("why not:\n  bbr: needs-more-information\n"
                              "    unknown sara: no SARA recorded\n"));
  EXPECT_THAT(text, Not(HasSubstr("a man")));
}

TEST(Output, ShowsAReferralsKeyFields) {
  const auto referral = Parse<referrals::v1::Referral>(R"pb(
    name: "referrals/0f1e"
    reference: "AB1234CD"
    intervention: "interventions/kaizen"
    intervention_title: "Kaizen"
    kind: INTERVENTION_KIND_ACCREDITED_PROGRAMME
    person { crn: "X123456" }
    region: "london"
    state: REFERRAL_STATE_ON_HOLD
    held_from: REFERRAL_STATE_AWAITING_ASSESSMENT
    etag: "7"
    create_time { seconds: 1700000000 }
    created_by: "pp-42"
    allowed_transitions { action: "resume" to_state: REFERRAL_STATE_AWAITING_ASSESSMENT }
  )pb");
  EXPECT_EQ(HumanText(referral),
            "referrals/0f1e AB1234CD\n"
            "  state:        on-hold (held from awaiting-assessment)\n"
            "  intervention: Kaizen (interventions/kaizen), accredited-programme\n"
            "  crn:          X123456\n"
            "  region:       london\n"
            "  etag:         7\n"
            "  created:      2023-11-14T22:13:20Z by pp-42\n"
            "  you may:      resume -> awaiting-assessment\n");
}

TEST(Output, PrintsEachMessageAsOneJsonLine) {
  const auto referral = Parse<referrals::v1::Referral>(R"pb(
    name: "referrals/0f1e"
    state: REFERRAL_STATE_DRAFT
    person { crn: "X123456" }
  )pb");
  EXPECT_EQ(JsonLine(referral),
            R"({"name":"referrals/0f1e","person":{"crn":"X123456"},"state":"REFERRAL_STATE_DRAFT"})"
            "\n");
  EXPECT_EQ(Render(referral, /*json=*/true), JsonLine(referral));
}

TEST(Output, AnErrorShowsItsCodeMessageAndFieldViolations) {
  google::rpc::BadRequest bad_request;
  for (const auto& [field, description] :
       {std::pair{"person.crn", "must be one capital letter and six digits"},
        std::pair{"person.needs[1].area", "is required"}}) {
    auto* violation = bad_request.add_field_violations();
    violation->set_field(field);
    violation->set_description(description);
  }
  google::rpc::Status details;
  details.set_code(grpc::StatusCode::INVALID_ARGUMENT);
  details.set_message("the person profile is invalid");
  details.add_details()->PackFrom(bad_request);
  EXPECT_EQ(ErrorText(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, details.message(),
                                   details.SerializeAsString())),
            "error: INVALID_ARGUMENT: the person profile is invalid\n"
            "  person.crn: must be one capital letter and six digits\n"
            "  person.needs[1].area: is required\n");
  EXPECT_EQ(ErrorText(grpc::Status(grpc::StatusCode::UNAVAILABLE, "connection refused")),
            "error: UNAVAILABLE: connection refused\n");
}

TEST(Output, AnErrorDoesNotRepeatTheViolationItsMessageAlreadyIs) {
  EXPECT_EQ(ErrorText(ToGrpcStatus(InvalidFieldError("person.crn", "must be X123456-like"))),
            "error: INVALID_ARGUMENT: person.crn: must be X123456-like\n"
            "  reason: FIELD_INVALID\n");
}

TEST(Output, AnErrorShowsItsReasonFailedPreconditionsAndWhenToRetry) {
  const absl::Status not_eligible = WithPreconditionViolation(
      WithPreconditionViolation(
          WithReason(absl::FailedPreconditionError("the person is not eligible for BBR"),
                     reason::kNotEligible),
          "ELIGIBILITY", "sex", "BBR is for men"),
      "ELIGIBILITY", "offences", "no domestic abuse offence");
  EXPECT_EQ(ErrorText(ToGrpcStatus(not_eligible)),
            "error: FAILED_PRECONDITION: the person is not eligible for BBR\n"
            "  reason: NOT_ELIGIBLE\n"
            "  sex: BBR is for men\n"
            "  offences: no domestic abuse offence\n");
  // A status with no reason of its own leaves with its code's general one, and a retry hint.
  EXPECT_EQ(ErrorText(ToGrpcStatus(absl::UnavailableError("the database is busy"))),
            "error: UNAVAILABLE: the database is busy\n"
            "  reason: UNAVAILABLE\n"
            "  retry after: 1s\n");
}

TEST(Output, ListsTheMovesAllowedWithTheirReasonCodes) {
  const auto response = Parse<referrals::v1::ListAllowedTransitionsResponse>(R"pb(
    transitions {
      action: "hold"
      title: "Put the referral on hold"
      to_state: REFERRAL_STATE_ON_HOLD
      reason_required: true
      reason_codes { code: "awaiting-information" }
      reason_codes { code: "other" }
    }
    transitions {
      action: "withdraw"
      title: "Withdraw the referral"
      to_state: REFERRAL_STATE_WITHDRAWN
      notes_required: true
    }
  )pb");
  EXPECT_EQ(HumanText(response),
            "ACTION    TO         TITLE                     NOTES     REASON CODES\n"
            "hold      on-hold    Put the referral on hold            required: "
            "awaiting-information, other\n"
            "withdraw  withdrawn  Withdraw the referral     required\n");
}

TEST(Output, ATableHasNoTrailingBlanks) {
  EXPECT_EQ(Table({{"A", "B", "C"}, {"long value", "", ""}}, 2),
            "  A           B  C\n"
            "  long value\n");
}

TEST(Output, AvailabilitySaysUnknownWhereNoPlacesAreSet) {
  const auto response = Parse<referrals::v1::BatchGetAvailabilityResponse>(R"pb(
    availabilities {
      intervention: "interventions/kaizen"
      capacity_set: true
      period: PERIOD_COHORT
      places: 12
      places_taken: 12
      waiting: 3
      next_start_date: "2027-01-11"
    }
    availabilities { intervention: "interventions/becoming-new-me" waiting: 1 }
  )pb");
  EXPECT_EQ(HumanText(response),
            "INTERVENTION     PROVIDER  PERIOD  PLACES   TAKEN  AVAILABLE  WAITING  NEXT\n"
            "kaizen                     cohort  12       12     0          3        2027-01-11\n"
            "becoming-new-me                    unknown  0                 1\n");
}

TEST(Output, AReportShowsCountsTimesInStateAndClosingRates) {
  const auto report = Parse<referrals::v1::ReferralReport>(R"pb(
    filter {
      start_time { seconds: 1793491200 }
      end_time { seconds: 1796083200 }
      region: "london"
    }
    total: 4
    by_state { key: "submitted" count: 3 }
    by_state { key: "completed" count: 1 }
    by_intervention { key: "interventions/kaizen" count: 4 }
    time_in_state {
      state: REFERRAL_STATE_SUBMITTED
      stays: 4
      mean { seconds: 145800 }
      median { seconds: 145800 }
      p90 { seconds: 259200 }
    }
    closing { closed: 1 completed: 1 completion_rate: 1 }
  )pb");
  const std::string text = HumanText(report);
  EXPECT_THAT(text, HasSubstr("4 referrals created from 2026-11-01T00:00:00Z to "
                              "2026-12-01T00:00:00Z\n"));
  EXPECT_THAT(text, HasSubstr("  region: london\n"));
  EXPECT_THAT(text, HasSubstr("  STATE      REFERRALS\n  submitted  3\n  completed  1\n"));
  EXPECT_THAT(text, HasSubstr("  kaizen        4\n"));
  EXPECT_THAT(text, HasSubstr("  submitted  4      40h30m  40h30m  72h\n"));
  EXPECT_THAT(text, HasSubstr("closed: 1 (completed 1, withdrawn 0, deselected 0, not accepted "
                              "0)\n"));
  EXPECT_THAT(text, HasSubstr("completion rate:  100.0%"));
}

TEST(Output, AChangelogShowsEachFieldBeforeAndAfter) {
  const auto response = Parse<referrals::v1::GetReferralChangelogResponse>(R"pb(
    entries {
      field: "complexity_level"
      old_value: "\"COMPLEXITY_LEVEL_MEDIUM\""
      new_value: "\"COMPLEXITY_LEVEL_HIGH\""
      reason: "New assessment"
      actor: "pp-1"
      role: ROLE_PROBATION_PRACTITIONER
      occurred_at { seconds: 1793491200 }
    }
  )pb");
  EXPECT_EQ(HumanText(response),
            "TIME                  FIELD             BEFORE                     AFTER            "
            "        ACTOR  ROLE                    REASON\n"
            "2026-11-01T00:00:00Z  complexity_level  \"COMPLEXITY_LEVEL_MEDIUM\"  "
            "\"COMPLEXITY_LEVEL_HIGH\"  pp-1   probation-practitioner  New assessment\n");
  EXPECT_EQ(HumanText(referrals::v1::GetReferralChangelogResponse()), "no amendments\n");
}

}  // namespace
}  // namespace probation::cli
