#include "services/referrals/domain/state_machine_dot.h"

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"

namespace probation::referrals {
namespace {

constexpr absl::string_view kStatePrefix = "REFERRAL_STATE_";
constexpr absl::string_view kRolePrefix = "ROLE_";

std::string Node(v1::ReferralState state) {
  return std::string(absl::string_view(v1::ReferralState_Name(state)).substr(kStatePrefix.size()));
}

std::string Quoted(absl::string_view text) {
  return absl::StrCat(
      "\"", absl::StrReplaceAll(text, {{"\\", "\\\\"}, {"\"", "\\\""}, {"\n", "\\n"}}), "\"");
}

std::string Roles(const v1::Transition& transition) {
  std::vector<std::string> roles;
  for (int role : transition.roles()) {
    roles.push_back(absl::AsciiStrToLower(
        absl::string_view(common::v1::Role_Name(static_cast<common::v1::Role>(role)))
            .substr(kRolePrefix.size())));
  }
  return absl::StrJoin(roles, ", ");
}

}  // namespace

std::string ToDot(const v1::StateMachine& machine) {
  std::string dot = absl::StrCat("digraph ", Quoted(machine.title()), " {\n",
                                 "  rankdir=LR;\n  node [shape=box, style=rounded];\n");
  absl::StrAppend(&dot, "  start [shape=point];\n  start -> ", Node(machine.initial_state()),
                  ";\n");
  for (const v1::StateInfo& state : machine.states()) {
    absl::StrAppend(&dot, "  ", Node(state.state()), " [label=", Quoted(state.title()),
                    state.terminal() ? ", shape=doublecircle" : "",
                    state.holding() ? ", style=\"rounded,dashed\"" : "", "];\n");
  }
  for (const v1::Transition& transition : machine.transitions()) {
    const std::string label =
        Quoted(absl::StrCat(transition.action(), "\n(", Roles(transition),
                            transition.reason_required() ? "; reason" : "", ")"));
    for (int from : transition.from()) {
      const auto from_state = static_cast<v1::ReferralState>(from);
      if (!transition.to_held_from()) {
        absl::StrAppend(&dot, "  ", Node(from_state), " -> ", Node(transition.to()),
                        " [label=", label, "];\n");
        continue;
      }
      // A release returns to whichever state the referral was held from.
      for (const v1::Transition& into : machine.transitions()) {
        if (into.to() != from_state) continue;
        for (int held_from : into.from()) {
          absl::StrAppend(&dot, "  ", Node(from_state), " -> ",
                          Node(static_cast<v1::ReferralState>(held_from)), " [label=", label,
                          ", style=dashed];\n");
        }
      }
    }
  }
  absl::StrAppend(&dot, "}\n");
  return dot;
}

}  // namespace probation::referrals
