#include "services/referrals/domain/state_machine_set.h"

#include <algorithm>
#include <deque>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/util/field_mask_util.h"
#include "libs/status/error_reason.h"
#include "libs/status/field_error.h"
#include "libs/textproto/text_proto.h"
#include "probation/referrals/data/v1/state_machines.pb.h"
#include "probation/referrals/v1/referral.pb.h"
#include "services/referrals/domain/state_machine_dot.h"

namespace probation::referrals {
namespace {

using catalogue::v1::InterventionKind;

constexpr InterventionKind kReferrableKinds[] = {
    catalogue::v1::INTERVENTION_KIND_ACCREDITED_PROGRAMME,
    catalogue::v1::INTERVENTION_KIND_STRUCTURED_INTERVENTION,
    catalogue::v1::INTERVENTION_KIND_COMMISSIONED_REHABILITATIVE_SERVICE};

std::string Name(v1::ReferralState state) { return v1::ReferralState_Name(state); }

// Fields no amendment may touch: who the referral is about and for, where it is, its
// lifecycle and what the service sets.
constexpr absl::string_view kNeverAmendable[] = {"name",
                                                 "id",
                                                 "reference",
                                                 "intervention",
                                                 "kind",
                                                 "person.crn",
                                                 "region",
                                                 "provider",
                                                 "state",
                                                 "held_from",
                                                 "eligibility",
                                                 "override_reason",
                                                 "etag",
                                                 "create_time",
                                                 "update_time",
                                                 "created_by",
                                                 "submit_time",
                                                 "state_time",
                                                 "intervention_title",
                                                 "allowed_transitions"};

bool IsCode(absl::string_view code) {
  if (code.empty() || code.front() == '-' || code.back() == '-') return false;
  return std::all_of(code.begin(), code.end(), [](char c) {
    return absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '-';
  });
}

// Validates one machine, appending every fault to `errors`.
class MachineValidator {
 public:
  MachineValidator(const v1::StateMachine& machine, std::string prefix,
                   std::vector<std::string>& errors)
      : machine_(machine), prefix_(std::move(prefix)), errors_(errors) {}

  void Run() {
    CheckStates();
    CheckReasonLists();
    CheckTransitions();
    CheckAmendableFields();
    CheckGroupDelivery();
    if (errors_.empty()) CheckReachability();
  }

 private:
  void Error(absl::string_view message) { errors_.push_back(absl::StrCat(prefix_, message)); }

  void CheckStates() {
    for (const v1::StateInfo& state : machine_.states()) {
      if (state.state() == v1::REFERRAL_STATE_UNSPECIFIED) {
        Error("a state is unspecified");
      } else if (!states_.emplace(state.state(), &state).second) {
        Error(absl::StrCat("state ", Name(state.state()), " is listed twice"));
      }
      if (state.title().empty())
        Error(absl::StrCat("state ", Name(state.state()), " has no title"));
      if (state.terminal() && state.holding()) {
        Error(absl::StrCat("state ", Name(state.state()), " cannot be both terminal and holding"));
      }
      if (state.terminal() != (state.outcome() != v1::CLOSING_OUTCOME_UNSPECIFIED)) {
        Error(absl::StrCat("state ", Name(state.state()),
                           state.terminal() ? " is terminal, so it needs an outcome"
                                            : " is not terminal, so it has no outcome"));
      }
      if ((state.terminal() || state.holding() || state.state() == machine_.initial_state()) &&
          state.capacity_use() != v1::CAPACITY_USE_UNSPECIFIED) {
        Error(absl::StrCat("state ", Name(state.state()),
                           " is initial, holding or terminal, so it uses no capacity"));
      }
    }
    auto initial = states_.find(machine_.initial_state());
    if (initial == states_.end()) {
      Error(absl::StrCat("initial state ", Name(machine_.initial_state()), " is not a state"));
    } else if (initial->second->terminal() || initial->second->holding()) {
      Error("the initial state must be neither terminal nor holding");
    }
  }

  void CheckReasonLists() {
    for (const v1::ReasonCodeList& list : machine_.reason_code_lists()) {
      if (!lists_.insert(list.name()).second) {
        Error(absl::StrCat("reason code list \"", list.name(), "\" is defined twice"));
      }
      if (list.codes().empty())
        Error(absl::StrCat("reason code list \"", list.name(), "\" is empty"));
      std::set<std::string> codes;
      for (const v1::ReasonCode& code : list.codes()) {
        if (!IsCode(code.code())) {
          Error(absl::StrCat("reason code \"", code.code(), "\" in \"", list.name(),
                             "\" must be lower-case words joined by hyphens"));
        } else if (!codes.insert(code.code()).second) {
          Error(absl::StrCat("reason code \"", code.code(), "\" is listed twice in \"", list.name(),
                             "\""));
        }
        if (code.title().empty()) {
          Error(absl::StrCat("reason code \"", code.code(), "\" has no title"));
        }
      }
    }
  }

  void CheckTransitions() {
    const int submissions = static_cast<int>(
        std::count_if(machine_.transitions().begin(), machine_.transitions().end(),
                      [](const v1::Transition& transition) { return transition.submission(); }));
    if (submissions != 1) {
      Error(absl::StrCat("needs exactly one submission transition, has ", submissions));
    }
    std::set<std::pair<int, std::string>> actions;
    std::set<std::pair<int, int>> moves;
    for (const v1::Transition& transition : machine_.transitions()) {
      const std::string what = absl::StrCat("transition \"", transition.action(), "\"");
      if (!IsCode(transition.action())) {
        Error(absl::StrCat(what, ": action must be lower-case words joined by hyphens"));
      }
      if (transition.from().empty()) Error(absl::StrCat(what, " leaves from no state"));
      if (transition.submission() &&
          (transition.from_size() != 1 || transition.from(0) != machine_.initial_state())) {
        Error(
            absl::StrCat(what, " is the submission, so it must leave from the initial state only"));
      }
      if (transition.roles().empty()) Error(absl::StrCat(what, " names no role that may make it"));
      for (int role : transition.roles()) {
        if (role == common::v1::ROLE_UNSPECIFIED)
          Error(absl::StrCat(what, " names an unspecified role"));
      }
      if (transition.to_held_from() == (transition.to() != v1::REFERRAL_STATE_UNSPECIFIED)) {
        Error(absl::StrCat(what, " needs exactly one of `to` and `to_held_from`"));
      }
      if (transition.to() != v1::REFERRAL_STATE_UNSPECIFIED && !states_.contains(transition.to())) {
        Error(absl::StrCat(what, " goes to ", Name(transition.to()), ", which is not a state"));
      }
      if (!transition.reason_codes().empty() && !lists_.contains(transition.reason_codes())) {
        Error(absl::StrCat(what, " uses unknown reason code list \"", transition.reason_codes(),
                           "\""));
      }
      if (transition.reason_required() && transition.reason_codes().empty()) {
        Error(absl::StrCat(what, " requires a reason but names no reason code list"));
      }
      for (int from : transition.from()) {
        const auto from_state = static_cast<v1::ReferralState>(from);
        auto state = states_.find(from_state);
        if (state == states_.end()) {
          Error(absl::StrCat(what, " leaves from ", Name(from_state), ", which is not a state"));
          continue;
        }
        if (state->second->terminal()) {
          Error(absl::StrCat("terminal state ", Name(from_state),
                             " has a transition leaving it (\"", transition.action(), "\")"));
        }
        if (transition.to_held_from() && !state->second->holding()) {
          Error(absl::StrCat(what, " returns to the held-from state but ", Name(from_state),
                             " is not a holding state"));
        }
        if (!actions.emplace(from, transition.action()).second) {
          Error(absl::StrCat(what, " is defined twice from ", Name(from_state)));
        }
        if (!transition.to_held_from() && !moves.emplace(from, transition.to()).second) {
          Error(absl::StrCat("two transitions go from ", Name(from_state), " to ",
                             Name(transition.to())));
        }
      }
    }
  }

  void CheckAmendableFields() {
    std::set<std::string> fields;
    for (const v1::AmendableField& amendable : machine_.amendable_fields()) {
      const std::string what = absl::StrCat("amendable field \"", amendable.field(), "\"");
      if (absl::Status status = CheckAmendablePath(amendable.field()); !status.ok()) {
        Error(absl::StrCat(what, ": ", status.message()));
      }
      if (!fields.insert(amendable.field()).second) Error(absl::StrCat(what, " is listed twice"));
      if (amendable.title().empty()) Error(absl::StrCat(what, " has no title"));
      if (amendable.states().empty()) Error(absl::StrCat(what, " names no state"));
      if (amendable.roles().empty()) Error(absl::StrCat(what, " names no role"));
      for (int role : amendable.roles()) {
        if (role == common::v1::ROLE_UNSPECIFIED)
          Error(absl::StrCat(what, " names an unspecified role"));
      }
      for (int value : amendable.states()) {
        const auto state = static_cast<v1::ReferralState>(value);
        auto info = states_.find(state);
        if (info == states_.end()) {
          Error(absl::StrCat(what, " names ", Name(state), ", which is not a state"));
        } else if (info->second->terminal() || state == machine_.initial_state()) {
          Error(absl::StrCat(what, " names ", Name(state),
                             ": only submitted, open referrals are amended (drafts are updated)"));
        }
      }
    }
  }

  void CheckGroupDelivery() {
    if (!machine_.has_group_delivery()) return;
    const v1::GroupDelivery& groups = machine_.group_delivery();
    if (groups.allocatable_states().empty()) Error("group_delivery names no allocatable state");
    if (groups.roles().empty()) Error("group_delivery names no role");
    for (int value : groups.allocatable_states()) {
      const auto state = static_cast<v1::ReferralState>(value);
      auto info = states_.find(state);
      if (info == states_.end()) {
        Error(absl::StrCat("group_delivery names ", Name(state), ", which is not a state"));
      } else if (info->second->terminal() ||
                 info->second->capacity_use() == v1::CAPACITY_USE_UNSPECIFIED) {
        Error(absl::StrCat("group_delivery names ", Name(state),
                           ": only a state that waits for or holds a place may join a group"));
      }
    }
    if (groups.completion().catch_ups_allowed() < 0 ||
        groups.completion().absences_before_review() < 0) {
      Error("group_delivery.completion's numbers must not be negative");
    }
  }

  // Breadth-first from the initial state; a release from hold reaches the states held from.
  void CheckReachability() {
    std::set<int> reached = {machine_.initial_state()};
    std::deque<v1::ReferralState> queue = {machine_.initial_state()};
    while (!queue.empty()) {
      const v1::ReferralState state = queue.front();
      queue.pop_front();
      for (const v1::Transition& transition : machine_.transitions()) {
        if (std::find(transition.from().begin(), transition.from().end(), state) ==
                transition.from().end() ||
            transition.to_held_from()) {
          continue;
        }
        if (reached.insert(transition.to()).second) queue.push_back(transition.to());
      }
    }
    for (const auto& entry : states_) {
      // Not a structured binding: clang 14 cannot capture those in lambdas.
      const v1::ReferralState state = entry.first;
      const auto& info = entry.second;
      if (!reached.contains(state)) {
        Error(absl::StrCat("state ", Name(state), " cannot be reached from ",
                           Name(machine_.initial_state())));
      }
      const bool has_exit =
          std::any_of(machine_.transitions().begin(), machine_.transitions().end(),
                      [&](const v1::Transition& transition) {
                        return std::find(transition.from().begin(), transition.from().end(),
                                         state) != transition.from().end();
                      });
      if (!info->terminal() && !has_exit) {
        Error(absl::StrCat("state ", Name(state), " is not terminal but no transition leaves it"));
      }
    }
  }

  const v1::StateMachine& machine_;
  const std::string prefix_;
  std::vector<std::string>& errors_;
  std::map<v1::ReferralState, const v1::StateInfo*> states_;
  std::set<std::string> lists_;
};

}  // namespace

absl::Status CheckAmendablePath(absl::string_view path) {
  std::vector<const google::protobuf::FieldDescriptor*> fields;
  if (!google::protobuf::util::FieldMaskUtil::GetFieldDescriptors(v1::Referral::descriptor(),
                                                                  std::string(path), &fields)) {
    return absl::InvalidArgumentError("is not a field of a referral");
  }
  for (absl::string_view never : kNeverAmendable) {
    // Neither the field itself, nor anything holding it, nor anything inside it.
    if (path == never || absl::StartsWith(never, absl::StrCat(path, ".")) ||
        absl::StartsWith(path, absl::StrCat(never, "."))) {
      return absl::InvalidArgumentError(
          absl::StrCat("covers \"", never, "\", which is never amended"));
    }
  }
  return absl::OkStatus();
}

bool RoleMayMake(const v1::Transition& transition, common::v1::Role role) {
  return role == common::v1::ROLE_ADMIN ||
         std::find(transition.roles().begin(), transition.roles().end(), role) !=
             transition.roles().end();
}

absl::StatusOr<StateMachineSet> StateMachineSet::Load(absl::string_view text,
                                                      absl::string_view source) {
  data::v1::StateMachines data;
  if (absl::Status status = ParseTextProto(text, source, &data); !status.ok()) return status;
  std::vector<std::string> errors;
  StateMachineSet set;
  for (v1::StateMachine& machine : *data.mutable_machines()) {
    const std::string prefix = absl::StrCat(
        source, ": machine ", catalogue::v1::InterventionKind_Name(machine.kind()), ": ");
    if (std::find(std::begin(kReferrableKinds), std::end(kReferrableKinds), machine.kind()) ==
        std::end(kReferrableKinds)) {
      errors.push_back(absl::StrCat(prefix,
                                    "referrals are made only to accredited programmes, "
                                    "structured interventions and CRS"));
      continue;
    }
    if (set.machines_.contains(machine.kind())) {
      errors.push_back(absl::StrCat(prefix, "defined twice"));
      continue;
    }
    MachineValidator(machine, prefix, errors).Run();
    // Load and outcomes are counted by state, whatever the kind, so a state means one thing
    // everywhere.
    for (const v1::StateInfo& state : machine.states()) {
      auto [it, inserted] = set.capacity_use_.emplace(state.state(), state.capacity_use());
      if (!inserted && it->second != state.capacity_use()) {
        errors.push_back(absl::StrCat(prefix, "state ", Name(state.state()),
                                      " uses capacity differently in another machine"));
      }
      auto [outcome, new_outcome] = set.outcome_.emplace(state.state(), state.outcome());
      if (!new_outcome && outcome->second != state.outcome()) {
        errors.push_back(absl::StrCat(prefix, "state ", Name(state.state()),
                                      " has another outcome in another machine"));
      }
    }
    if (machine.has_group_delivery()) {
      for (const v1::StateInfo& state : machine.states()) {
        if (state.capacity_use() == v1::CAPACITY_USE_WAITING) {
          set.group_waiting_states_.insert(state.state());
        }
      }
      for (int role : machine.group_delivery().roles()) set.group_roles_.insert(role);
    }
    machine.set_dot(ToDot(machine));
    set.machines_.emplace(machine.kind(), std::move(machine));
  }
  for (InterventionKind kind : kReferrableKinds) {
    if (!set.machines_.contains(kind)) {
      errors.push_back(
          absl::StrCat(source, ": no machine for ", catalogue::v1::InterventionKind_Name(kind)));
    }
  }
  if (!errors.empty()) return absl::InvalidArgumentError(absl::StrJoin(errors, "\n"));
  return set;
}

absl::StatusOr<StateMachineSet> StateMachineSet::LoadFile(const std::string& path) {
  absl::StatusOr<std::string> text = ReadFileToString(path);
  if (!text.ok()) return text.status();
  return Load(*text, path);
}

const v1::StateMachine* StateMachineSet::For(InterventionKind kind) const {
  auto it = machines_.find(kind);
  return it == machines_.end() ? nullptr : &it->second;
}

const v1::Transition* StateMachineSet::Submission(InterventionKind kind) const {
  const v1::StateMachine* machine = For(kind);
  if (machine == nullptr) return nullptr;
  for (const v1::Transition& transition : machine->transitions()) {
    if (transition.submission()) return &transition;
  }
  return nullptr;
}

const v1::StateInfo* StateMachineSet::State(InterventionKind kind, v1::ReferralState state) const {
  const v1::StateMachine* machine = For(kind);
  if (machine == nullptr) return nullptr;
  for (const v1::StateInfo& info : machine->states()) {
    if (info.state() == state) return &info;
  }
  return nullptr;
}

v1::CapacityUse StateMachineSet::CapacityUseOf(v1::ReferralState state) const {
  auto it = capacity_use_.find(state);
  return it == capacity_use_.end() ? v1::CAPACITY_USE_UNSPECIFIED : it->second;
}

v1::ClosingOutcome StateMachineSet::OutcomeOf(v1::ReferralState state) const {
  auto it = outcome_.find(state);
  return it == outcome_.end() ? v1::CLOSING_OUTCOME_UNSPECIFIED : it->second;
}

absl::StatusOr<const v1::AmendableField*> StateMachineSet::FindAmendable(
    InterventionKind kind, v1::ReferralState state, absl::string_view field,
    common::v1::Role role) const {
  const v1::StateMachine* machine = For(kind);
  std::vector<std::string> amendable;
  for (const v1::AmendableField& rule : machine->amendable_fields()) {
    amendable.push_back(rule.field());
    if (rule.field() != field) continue;
    if (role != common::v1::ROLE_ADMIN &&
        std::find(rule.roles().begin(), rule.roles().end(), role) == rule.roles().end()) {
      return absl::PermissionDeniedError(
          absl::StrCat("the ", common::v1::Role_Name(role), " role may not amend ", rule.title()));
    }
    if (std::find(rule.states().begin(), rule.states().end(), state) == rule.states().end()) {
      std::vector<std::string> states;
      for (int allowed : rule.states())
        states.push_back(Name(static_cast<v1::ReferralState>(allowed)));
      return PreconditionError(
          reason::kAmendmentNotAllowed, "AMENDMENT", field,
          absl::StrCat(rule.title(), " (", field, ") cannot be amended while the referral is ",
                       Name(state), "; it can be in ", absl::StrJoin(states, ", ")));
    }
    return &rule;
  }
  return InvalidFieldError(
      "update_mask", absl::StrCat("\"", field, "\" cannot be amended; the fields that can are ",
                                  absl::StrJoin(amendable, ", ")));
}

std::vector<ResolvedTransition> StateMachineSet::Allowed(InterventionKind kind,
                                                         v1::ReferralState state,
                                                         v1::ReferralState held_from,
                                                         common::v1::Role role) const {
  std::vector<ResolvedTransition> allowed;
  const v1::StateMachine* machine = For(kind);
  if (machine == nullptr) return allowed;
  for (const v1::Transition& transition : machine->transitions()) {
    if (std::find(transition.from().begin(), transition.from().end(), state) ==
            transition.from().end() ||
        !RoleMayMake(transition, role) ||
        (transition.driven_by() != v1::DELIVERY_FACT_UNSPECIFIED &&
         role != common::v1::ROLE_ADMIN)) {
      continue;
    }
    const v1::ReferralState to = transition.to_held_from() ? held_from : transition.to();
    if (to == v1::REFERRAL_STATE_UNSPECIFIED) continue;
    allowed.push_back({&transition, state, to});
  }
  return allowed;
}

std::optional<ResolvedTransition> StateMachineSet::DrivenBy(InterventionKind kind,
                                                            v1::ReferralState state,
                                                            v1::DeliveryFact fact) const {
  const v1::StateMachine* machine = For(kind);
  if (machine == nullptr || fact == v1::DELIVERY_FACT_UNSPECIFIED) return std::nullopt;
  for (const v1::Transition& transition : machine->transitions()) {
    if ((transition.driven_by() == fact || transition.also_driven_by() == fact) &&
        !transition.to_held_from() &&
        std::find(transition.from().begin(), transition.from().end(), state) !=
            transition.from().end()) {
      return ResolvedTransition{&transition, state, transition.to()};
    }
  }
  return std::nullopt;
}

absl::Status CheckNotDrivenByDelivery(const v1::Transition& transition, common::v1::Role role,
                                      absl::string_view referral_name) {
  if (transition.driven_by() == v1::DELIVERY_FACT_UNSPECIFIED || role == common::v1::ROLE_ADMIN) {
    return absl::OkStatus();
  }
  // What records each fact, and the call that records it.
  struct FactRecord {
    v1::DeliveryFact fact;
    absl::string_view record;
    absl::string_view record_name;
    absl::string_view call;
  };
  static constexpr FactRecord kRecords[] = {
      {v1::DELIVERY_FACT_SUPPLIER_ASSESSMENT_BOOKED, "a booked supplier assessment appointment",
       "/appointments", "ScheduleAppointment"},
      {v1::DELIVERY_FACT_SUPPLIER_ASSESSMENT_ATTENDED,
       "the attendance of a supplier assessment appointment", "/appointments", "RecordAttendance"},
      {v1::DELIVERY_FACT_ACTION_PLAN_SUBMITTED, "a submitted action plan", "/actionPlan",
       "SubmitActionPlan"},
      {v1::DELIVERY_FACT_ACTION_PLAN_CHANGES_REQUESTED,
       "the practitioner's request for changes to the action plan", "/actionPlan",
       "RequestActionPlanChanges"},
      {v1::DELIVERY_FACT_ACTION_PLAN_APPROVED, "an approved action plan", "/actionPlan",
       "ApproveActionPlan"},
      {v1::DELIVERY_FACT_SESSION_ATTENDED, "the attendance of a session", "/appointments",
       "RecordAttendance"},
      {v1::DELIVERY_FACT_END_OF_SERVICE_REPORT_SUBMITTED, "a submitted end-of-service report",
       "/endOfServiceReport", "SubmitEndOfServiceReport"},
      {v1::DELIVERY_FACT_GROUP_ALLOCATED, "an allocation to a programme group", "",
       "AllocateToGroup"},
      {v1::DELIVERY_FACT_GROUP_SESSION_ATTENDED, "an attended programme group session", "",
       "RecordGroupAttendance"},
      {v1::DELIVERY_FACT_GROUP_COMPLETED, "the group sessions its programme requires", "",
       "RecordGroupAttendance"},
  };
  for (const FactRecord& entry : kRecords) {
    if (entry.fact != transition.driven_by()) continue;
    return PreconditionError(
        reason::kDeliveryRecordMissing, "DELIVERY_RECORD",
        absl::StrCat(referral_name, entry.record_name),
        absl::StrCat("\"", transition.action(), "\" is made by recording ", entry.record,
                     " (probation.delivery.v1.DeliveryService/", entry.call,
                     "), not by TransitionReferral; the referral has no such record"));
  }
  return absl::OkStatus();
}

absl::StatusOr<ResolvedTransition> StateMachineSet::Find(InterventionKind kind,
                                                         v1::ReferralState state,
                                                         v1::ReferralState held_from,
                                                         v1::ReferralState to,
                                                         common::v1::Role role) const {
  const v1::StateMachine* machine = For(kind);
  if (machine == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat("no state machine for ", catalogue::v1::InterventionKind_Name(kind)));
  }
  for (const v1::Transition& transition : machine->transitions()) {
    if (std::find(transition.from().begin(), transition.from().end(), state) ==
        transition.from().end()) {
      continue;
    }
    const v1::ReferralState target = transition.to_held_from() ? held_from : transition.to();
    if (target != to) continue;
    if (!RoleMayMake(transition, role)) {
      return absl::PermissionDeniedError(absl::StrCat("the ", common::v1::Role_Name(role),
                                                      " role may not \"", transition.action(),
                                                      "\" (", Name(state), " to ", Name(to), ")"));
    }
    return ResolvedTransition{&transition, state, to};
  }
  return PreconditionError(
      reason::kTransitionNotAllowed, "TRANSITION", absl::StrCat(Name(state), " -> ", Name(to)),
      absl::StrCat("a referral in ", Name(state), " cannot move to ", Name(to)));
}

absl::Status StateMachineSet::CheckReason(InterventionKind kind,
                                          const ResolvedTransition& transition,
                                          absl::string_view reason_code,
                                          absl::string_view notes) const {
  const v1::Transition& rule = *transition.transition;
  if (rule.notes_required() && absl::StripAsciiWhitespace(notes).empty()) {
    return InvalidFieldError("notes", absl::StrCat("\"", rule.action(), "\" requires notes"));
  }
  if (reason_code.empty()) {
    if (rule.reason_required()) {
      return InvalidFieldError(
          "reason_code", absl::StrCat("\"", rule.action(), "\" requires a reason code from \"",
                                      rule.reason_codes(), "\""));
    }
    return absl::OkStatus();
  }
  if (rule.reason_codes().empty()) {
    return InvalidFieldError("reason_code",
                             absl::StrCat("\"", rule.action(), "\" takes no reason code"));
  }
  for (const v1::ReasonCodeList& list : For(kind)->reason_code_lists()) {
    if (list.name() != rule.reason_codes()) continue;
    std::vector<std::string> codes;
    for (const v1::ReasonCode& code : list.codes()) {
      if (code.code() == reason_code) return absl::OkStatus();
      codes.push_back(code.code());
    }
    return InvalidFieldError(
        "reason_code",
        absl::StrCat("\"", reason_code, "\" is not one of: ", absl::StrJoin(codes, ", ")));
  }
  return absl::InternalError("reason code list vanished after validation");
}

}  // namespace probation::referrals
