// The three referral machines as the workflows describe them, every move of each, who may
// make it, and the loader refusing machines that cannot work.
#include "services/referrals/domain/state_machine_set.h"

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/embedded_machines.h"

namespace probation::referrals {
namespace {

using catalogue::v1::InterventionKind;
using ::testing::HasSubstr;

constexpr InterventionKind kAp = catalogue::v1::INTERVENTION_KIND_ACCREDITED_PROGRAMME;
constexpr InterventionKind kSi = catalogue::v1::INTERVENTION_KIND_STRUCTURED_INTERVENTION;
constexpr InterventionKind kCrs =
    catalogue::v1::INTERVENTION_KIND_COMMISSIONED_REHABILITATIVE_SERVICE;
constexpr v1::ReferralState kNone = v1::REFERRAL_STATE_UNSPECIFIED;

const StateMachineSet& Machines() { return testing::EmbeddedMachines(); }

TEST(StateMachineSet, EveryTransitionOfEveryMachineIsAllowedForItsRolesOnly) {
  int moves = 0;
  for (InterventionKind kind : {kAp, kSi, kCrs}) {
    const v1::StateMachine* machine = Machines().For(kind);
    ASSERT_NE(machine, nullptr);
    for (const v1::Transition& transition : machine->transitions()) {
      for (int from : transition.from()) {
        const auto state = static_cast<v1::ReferralState>(from);
        // A release needs the state held from; use each state the machine can hold from.
        std::vector<v1::ReferralState> targets = {transition.to()};
        v1::ReferralState held_from = kNone;
        if (transition.to_held_from()) {
          targets.clear();
          for (const v1::Transition& into : machine->transitions()) {
            if (into.to() != state) continue;
            for (int source : into.from())
              targets.push_back(static_cast<v1::ReferralState>(source));
          }
          ASSERT_FALSE(targets.empty());
        }
        for (v1::ReferralState to : targets) {
          if (transition.to_held_from()) held_from = to;
          for (int role = common::v1::ROLE_PROBATION_PRACTITIONER; role <= common::v1::ROLE_ADMIN;
               ++role) {
            auto found =
                Machines().Find(kind, state, held_from, to, static_cast<common::v1::Role>(role));
            if (RoleMayMake(transition, static_cast<common::v1::Role>(role))) {
              ASSERT_TRUE(found.ok()) << transition.action() << " " << found.status();
              EXPECT_EQ(found->transition->action(), transition.action());
              EXPECT_EQ(found->to, to);
            } else {
              EXPECT_EQ(found.status().code(), absl::StatusCode::kPermissionDenied)
                  << transition.action() << " by role " << role;
            }
          }
          ++moves;
        }
      }
    }
  }
  EXPECT_GT(moves, 60);
}

TEST(StateMachineSet, TheAccreditedProgrammeWorkflowRunsFromDraftToComplete) {
  const std::vector<std::pair<v1::ReferralState, common::v1::Role>> path = {
      {v1::REFERRAL_STATE_SUBMITTED, common::v1::ROLE_PROBATION_PRACTITIONER},
      {v1::REFERRAL_STATE_AWAITING_ASSESSMENT, common::v1::ROLE_PROGRAMME_TEAM},
      {v1::REFERRAL_STATE_ASSESSMENT_STARTED, common::v1::ROLE_PROGRAMME_TEAM},
      {v1::REFERRAL_STATE_ASSESSED_SUITABLE, common::v1::ROLE_PROGRAMME_TEAM},
      {v1::REFERRAL_STATE_ON_PROGRAMME, common::v1::ROLE_PROGRAMME_TEAM},
      {v1::REFERRAL_STATE_PROGRAMME_COMPLETE, common::v1::ROLE_PROGRAMME_TEAM}};
  v1::ReferralState state = v1::REFERRAL_STATE_DRAFT;
  for (const auto& [to, role] : path) {
    ASSERT_TRUE(Machines().Find(kAp, state, kNone, to, role).ok()) << v1::ReferralState_Name(to);
    state = to;
  }
  EXPECT_TRUE(Machines().State(kAp, state)->terminal());
  EXPECT_TRUE(Machines().Allowed(kAp, state, kNone, common::v1::ROLE_ADMIN).empty());
}

TEST(StateMachineSet, AHeldReferralReturnsOnlyToTheStateItLeft) {
  auto release = Machines().Find(
      kAp, v1::REFERRAL_STATE_ON_HOLD, v1::REFERRAL_STATE_AWAITING_ASSESSMENT,
      v1::REFERRAL_STATE_AWAITING_ASSESSMENT, common::v1::ROLE_PROBATION_PRACTITIONER);
  ASSERT_TRUE(release.ok());
  EXPECT_EQ(release->transition->action(), "release");
  EXPECT_EQ(Machines()
                .Find(kAp, v1::REFERRAL_STATE_ON_HOLD, v1::REFERRAL_STATE_AWAITING_ASSESSMENT,
                      v1::REFERRAL_STATE_SUBMITTED, common::v1::ROLE_PROBATION_PRACTITIONER)
                .status()
                .code(),
            absl::StatusCode::kFailedPrecondition);
  // Holding is only from the three early states.
  EXPECT_EQ(Machines()
                .Find(kAp, v1::REFERRAL_STATE_ON_PROGRAMME, kNone, v1::REFERRAL_STATE_ON_HOLD,
                      common::v1::ROLE_PROBATION_PRACTITIONER)
                .status()
                .code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(StateMachineSet, DeselectionCanKeepTheReferralOpen) {
  for (v1::ReferralState to :
       {v1::REFERRAL_STATE_ASSESSED_SUITABLE, v1::REFERRAL_STATE_SUITABLE_NOT_READY,
        v1::REFERRAL_STATE_DESELECTED}) {
    auto deselect = Machines().Find(kAp, v1::REFERRAL_STATE_ON_PROGRAMME, kNone, to,
                                    common::v1::ROLE_PROGRAMME_TEAM);
    ASSERT_TRUE(deselect.ok()) << v1::ReferralState_Name(to);
    EXPECT_THAT(deselect->transition->action(), HasSubstr("deselect"));
    EXPECT_TRUE(deselect->transition->reason_required());
  }
}

TEST(StateMachineSet, ReferrersAndProgrammeTeamsHaveTheirOwnMoves) {
  EXPECT_EQ(Machines()
                .Find(kAp, v1::REFERRAL_STATE_ASSESSMENT_STARTED, kNone,
                      v1::REFERRAL_STATE_ASSESSED_SUITABLE, common::v1::ROLE_PROBATION_PRACTITIONER)
                .status()
                .code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(Machines()
                .Find(kAp, v1::REFERRAL_STATE_DRAFT, kNone, v1::REFERRAL_STATE_SUBMITTED,
                      common::v1::ROLE_PROGRAMME_TEAM)
                .status()
                .code(),
            absl::StatusCode::kPermissionDenied);
  std::vector<std::string> referrer_moves;
  for (const auto& allowed : Machines().Allowed(kAp, v1::REFERRAL_STATE_SUBMITTED, kNone,
                                                common::v1::ROLE_PROBATION_PRACTITIONER)) {
    referrer_moves.push_back(allowed.transition->action());
  }
  EXPECT_THAT(referrer_moves, ::testing::UnorderedElementsAre("hold", "withdraw"));
}

TEST(StateMachineSet, ACrsWithdrawalBeforeDeliveryEndsIsACancellation) {
  for (v1::ReferralState from : {v1::REFERRAL_STATE_SENT, v1::REFERRAL_STATE_ACTION_PLAN_APPROVED,
                                 v1::REFERRAL_STATE_IN_DELIVERY}) {
    auto withdraw = Machines().Find(kCrs, from, kNone, v1::REFERRAL_STATE_CANCELLED,
                                    common::v1::ROLE_PROBATION_PRACTITIONER);
    ASSERT_TRUE(withdraw.ok()) << v1::ReferralState_Name(from);
    EXPECT_TRUE(withdraw->transition->reason_required());
  }
  EXPECT_EQ(Machines()
                .Find(kCrs, v1::REFERRAL_STATE_END_OF_SERVICE_REPORT_SUBMITTED, kNone,
                      v1::REFERRAL_STATE_CANCELLED, common::v1::ROLE_PROBATION_PRACTITIONER)
                .status()
                .code(),
            absl::StatusCode::kFailedPrecondition);
  // The referrer approves action plans; the provider makes the delivery moves.
  EXPECT_EQ(Machines()
                .Find(kCrs, v1::REFERRAL_STATE_ACTION_PLAN_SUBMITTED, kNone,
                      v1::REFERRAL_STATE_ACTION_PLAN_APPROVED, common::v1::ROLE_SERVICE_PROVIDER)
                .status()
                .code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_TRUE(Machines()
                  .Find(kCrs, v1::REFERRAL_STATE_ACTION_PLAN_APPROVED, kNone,
                        v1::REFERRAL_STATE_IN_DELIVERY, common::v1::ROLE_SERVICE_PROVIDER)
                  .ok());
}

TEST(StateMachineSet, ReasonsAndNotesAreCheckedAgainstTheTransition) {
  auto withdraw =
      Machines().Find(kSi, v1::REFERRAL_STATE_ALLOCATED, kNone, v1::REFERRAL_STATE_WITHDRAWN,
                      common::v1::ROLE_PROBATION_PRACTITIONER);
  ASSERT_TRUE(withdraw.ok());
  EXPECT_THAT(std::string(Machines().CheckReason(kSi, *withdraw, "", "").message()),
              HasSubstr("reason_code: \"withdraw\" requires a reason code"));
  EXPECT_THAT(std::string(Machines().CheckReason(kSi, *withdraw, "bored", "").message()),
              HasSubstr("\"bored\" is not one of: administrative-error"));
  EXPECT_TRUE(Machines().CheckReason(kSi, *withdraw, "moved-out-of-area", "").ok());

  auto not_suitable =
      Machines().Find(kSi, v1::REFERRAL_STATE_ALLOCATED, kNone, v1::REFERRAL_STATE_NOT_SUITABLE,
                      common::v1::ROLE_PROGRAMME_TEAM);
  ASSERT_TRUE(not_suitable.ok());
  EXPECT_THAT(std::string(Machines().CheckReason(kSi, *not_suitable, "", "  ").message()),
              HasSubstr("notes: "));
  EXPECT_THAT(std::string(Machines().CheckReason(kSi, *not_suitable, "other", "x").message()),
              HasSubstr("takes no reason code"));
}

TEST(StateMachineSet, DrawsEachMachineAsDot) {
  const std::string& dot = Machines().For(kAp)->dot();
  EXPECT_THAT(dot, HasSubstr("digraph \"Referral to an accredited programme\" {"));
  EXPECT_THAT(dot,
              HasSubstr("PROGRAMME_COMPLETE [label=\"Programme complete\", shape=doublecircle]"));
  EXPECT_THAT(dot, HasSubstr("ON_HOLD -> AWAITING_ASSESSMENT "
                             "[label=\"release\\n(probation_practitioner)\", style=dashed]"));
  EXPECT_THAT(dot, HasSubstr("DRAFT -> SUBMITTED"));
}

// A minimal valid machine set; each test below breaks one thing.
std::string Valid(
    absl::string_view extra_ap = "",
    absl::string_view ap_terminal = "terminal: true outcome: CLOSING_OUTCOME_WITHDRAWN") {
  std::string text;
  for (absl::string_view kind : {"INTERVENTION_KIND_STRUCTURED_INTERVENTION",
                                 "INTERVENTION_KIND_COMMISSIONED_REHABILITATIVE_SERVICE"}) {
    absl::StrAppend(&text, "machines { kind: ", kind,
                    R"data( title: "m" initial_state: REFERRAL_STATE_DRAFT
  states { state: REFERRAL_STATE_DRAFT title: "d" }
  states { state: REFERRAL_STATE_WITHDRAWN title: "w" terminal: true outcome: CLOSING_OUTCOME_WITHDRAWN }
  transitions { action: "withdraw" from: REFERRAL_STATE_DRAFT to: REFERRAL_STATE_WITHDRAWN roles: ROLE_PROBATION_PRACTITIONER submission: true }
}
)data");
  }
  absl::StrAppend(
      &text,
      R"data(machines { kind: INTERVENTION_KIND_ACCREDITED_PROGRAMME title: "ap" initial_state: REFERRAL_STATE_DRAFT
  states { state: REFERRAL_STATE_DRAFT title: "d" }
  states { state: REFERRAL_STATE_WITHDRAWN title: "w" )data",
      ap_terminal, R"data( }
  transitions { action: "withdraw" from: REFERRAL_STATE_DRAFT to: REFERRAL_STATE_WITHDRAWN roles: ROLE_PROBATION_PRACTITIONER submission: true }
  )data",
      extra_ap, "\n}\n");
  return text;
}

std::string ErrorOf(const std::string& text) {
  auto loaded = StateMachineSet::Load(text, "machines.textproto");
  EXPECT_FALSE(loaded.ok());
  return std::string(loaded.status().message());
}

TEST(StateMachineLoader, AcceptsTheMinimalMachines) {
  EXPECT_TRUE(StateMachineSet::Load(Valid(), "machines.textproto").ok());
}

TEST(StateMachineLoader, RefusesMachinesThatCannotWork) {
  EXPECT_THAT(ErrorOf(Valid("transitions { action: \"go\" from: REFERRAL_STATE_DRAFT to: "
                            "REFERRAL_STATE_SENT roles: ROLE_ADMIN }")),
              HasSubstr("machines.textproto: machine INTERVENTION_KIND_ACCREDITED_PROGRAMME: "
                        "transition \"go\" goes to REFERRAL_STATE_SENT, which is not a state"));
  EXPECT_THAT(ErrorOf(Valid("states { state: REFERRAL_STATE_SENT title: \"s\" terminal: true "
                            "outcome: CLOSING_OUTCOME_COMPLETED }")),
              HasSubstr("state REFERRAL_STATE_SENT cannot be reached from REFERRAL_STATE_DRAFT"));
  EXPECT_THAT(ErrorOf(Valid("transitions { action: \"reopen\" from: REFERRAL_STATE_WITHDRAWN to: "
                            "REFERRAL_STATE_DRAFT roles: ROLE_ADMIN }")),
              HasSubstr("terminal state REFERRAL_STATE_WITHDRAWN has a transition leaving it "
                        "(\"reopen\")"));
  EXPECT_THAT(
      ErrorOf(Valid("", "")),
      HasSubstr("state REFERRAL_STATE_WITHDRAWN is not terminal but no transition leaves it"));
  EXPECT_THAT(ErrorOf(Valid("transitions { action: \"quit\" from: REFERRAL_STATE_DRAFT to: "
                            "REFERRAL_STATE_WITHDRAWN roles: ROLE_ADMIN reason_codes: \"why\" }")),
              HasSubstr("uses unknown reason code list \"why\""));
  EXPECT_THAT(
      ErrorOf(Valid("transitions { action: \"quit\" from: REFERRAL_STATE_DRAFT to: "
                    "REFERRAL_STATE_WITHDRAWN roles: ROLE_ADMIN }")),
      HasSubstr("two transitions go from REFERRAL_STATE_DRAFT to REFERRAL_STATE_WITHDRAWN"));
  EXPECT_THAT(ErrorOf(Valid("transitions { action: \"back\" from: REFERRAL_STATE_DRAFT "
                            "to_held_from: true roles: ROLE_ADMIN }")),
              HasSubstr("REFERRAL_STATE_DRAFT is not a holding state"));
  EXPECT_THAT(ErrorOf(Valid("transitions { action: \"x\" from: REFERRAL_STATE_DRAFT to: "
                            "REFERRAL_STATE_DRAFT }")),
              HasSubstr("transition \"x\" names no role"));
}

TEST(StateMachineLoader, NeedsAnOutcomeForEachClosingStateAndCapacityOnlyWhereItIsUsed) {
  EXPECT_THAT(ErrorOf(Valid("", "terminal: true")),
              HasSubstr("state REFERRAL_STATE_WITHDRAWN is terminal, so it needs an outcome"));
  EXPECT_THAT(
      ErrorOf(Valid("",
                    "terminal: true outcome: CLOSING_OUTCOME_WITHDRAWN "
                    "capacity_use: CAPACITY_USE_PLACE")),
      HasSubstr(
          "REFERRAL_STATE_WITHDRAWN is initial, holding or terminal, so it uses no capacity"));
}

TEST(StateMachineLoader, RefusesAmendableFieldsThatCannotWork) {
  const auto amendable = [](absl::string_view field, absl::string_view state = "DRAFT",
                            absl::string_view rest = "roles: ROLE_ADMIN") {
    return absl::StrCat("amendable_fields { field: \"", field,
                        "\" title: \"t\" states: ", "REFERRAL_STATE_", state, " ", rest, " }");
  };
  EXPECT_THAT(ErrorOf(Valid(amendable("colour"))),
              HasSubstr("amendable field \"colour\": is not a field of a referral"));
  EXPECT_THAT(ErrorOf(Valid(amendable("person"))),
              HasSubstr("amendable field \"person\": covers \"person.crn\", which is never "
                        "amended"));
  EXPECT_THAT(ErrorOf(Valid(amendable("state"))), HasSubstr("covers \"state\""));
  EXPECT_THAT(ErrorOf(Valid(amendable("eligibility.outcome"))),
              HasSubstr("covers \"eligibility\""));
  EXPECT_THAT(ErrorOf(Valid(amendable("assignee"))),
              HasSubstr("names REFERRAL_STATE_DRAFT: only submitted, open referrals are amended"));
  EXPECT_THAT(ErrorOf(Valid(amendable("assignee", "WITHDRAWN"))),
              HasSubstr("names REFERRAL_STATE_WITHDRAWN: only submitted, open referrals"));
  EXPECT_THAT(ErrorOf(Valid(amendable("assignee", "SENT"))),
              HasSubstr("names REFERRAL_STATE_SENT, which is not a state"));
  EXPECT_THAT(ErrorOf(Valid(amendable("person.needs", "SENT", ""))), HasSubstr("names no role"));
}

TEST(StateMachineSet, AmendmentsFollowTheFieldsStatesAndRolesInTheData) {
  auto allowed = Machines().FindAmendable(kAp, v1::REFERRAL_STATE_SUBMITTED, "complexity_level",
                                          common::v1::ROLE_PROGRAMME_TEAM);
  ASSERT_TRUE(allowed.ok()) << allowed.status();
  EXPECT_TRUE((*allowed)->reason_required());
  EXPECT_TRUE(Machines()
                  .FindAmendable(kAp, v1::REFERRAL_STATE_ON_PROGRAMME, "desired_outcomes",
                                 common::v1::ROLE_ADMIN)
                  .ok());
  auto late = Machines().FindAmendable(kAp, v1::REFERRAL_STATE_ON_PROGRAMME, "reason_for_referral",
                                       common::v1::ROLE_PROBATION_PRACTITIONER);
  EXPECT_EQ(late.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(late.status().message()),
              HasSubstr("cannot be amended while the referral is REFERRAL_STATE_ON_PROGRAMME; it "
                        "can be in REFERRAL_STATE_SUBMITTED, REFERRAL_STATE_AWAITING_ASSESSMENT"));
  EXPECT_EQ(Machines()
                .FindAmendable(kCrs, v1::REFERRAL_STATE_SENT, "assignee",
                               common::v1::ROLE_PROBATION_PRACTITIONER)
                .status()
                .code(),
            absl::StatusCode::kPermissionDenied);
  auto unknown =
      Machines().FindAmendable(kSi, v1::REFERRAL_STATE_SUBMITTED, "region", common::v1::ROLE_ADMIN);
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(unknown.status().message()),
              HasSubstr("update_mask: \"region\" cannot be amended; the fields that can are "
                        "complexity_level"));
  EXPECT_EQ(Machines().CapacityUseOf(v1::REFERRAL_STATE_ON_PROGRAMME), v1::CAPACITY_USE_PLACE);
  EXPECT_EQ(Machines().CapacityUseOf(v1::REFERRAL_STATE_SENT), v1::CAPACITY_USE_WAITING);
  EXPECT_EQ(Machines().CapacityUseOf(v1::REFERRAL_STATE_ON_HOLD), v1::CAPACITY_USE_UNSPECIFIED);
}

TEST(StateMachineLoader, NeedsExactlyOneSubmissionFromTheInitialState) {
  EXPECT_THAT(ErrorOf(Valid("transitions { action: \"send\" from: REFERRAL_STATE_DRAFT to: "
                            "REFERRAL_STATE_DRAFT roles: ROLE_ADMIN submission: true }")),
              HasSubstr("needs exactly one submission transition, has 2"));
}

TEST(StateMachineLoader, NeedsOneMachinePerReferrableKind) {
  std::string text = Valid();
  text = text.substr(0, text.find("machines { kind: INTERVENTION_KIND_ACCREDITED_PROGRAMME"));
  EXPECT_THAT(ErrorOf(text), HasSubstr("no machine for INTERVENTION_KIND_ACCREDITED_PROGRAMME"));
  EXPECT_THAT(ErrorOf(Valid() + "machines { kind: INTERVENTION_KIND_UNPAID_WORK }"),
              HasSubstr("referrals are made only to accredited programmes"));
  EXPECT_THAT(ErrorOf("machines { colour: 1 }"), HasSubstr("machines.textproto:1:"));
}

}  // namespace
}  // namespace probation::referrals
