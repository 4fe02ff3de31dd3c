#include "tools/probation/output.h"

#include <algorithm>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "libs/auth/identity.h"
#include "tools/probation/enum_names.h"

namespace probation::cli {
namespace {

using Field = std::pair<std::string, std::string>;

// `key: value` lines with the values aligned, leaving out empty values.
std::string Fields(const std::vector<Field>& fields, size_t indent = 2) {
  size_t width = 0;
  for (const auto& [key, value] : fields) {
    if (!value.empty()) width = std::max(width, key.size());
  }
  std::string text;
  for (const auto& [key, value] : fields) {
    if (value.empty()) continue;
    absl::StrAppend(&text, std::string(indent, ' '), key, ":", std::string(width - key.size(), ' '),
                    " ", value, "\n");
  }
  return text;
}

std::string Time(const google::protobuf::Timestamp& time) {
  if (time.seconds() == 0 && time.nanos() == 0) return "";
  return google::protobuf::util::TimeUtil::ToString(time);
}

std::string Length(const google::protobuf::Duration& duration) {
  if (duration.seconds() == 0 && duration.nanos() == 0) return "";
  return absl::FormatDuration(absl::Seconds(duration.seconds()) +
                              absl::Nanoseconds(duration.nanos()));
}

std::string ShortIntervention(absl::string_view name) {
  absl::ConsumePrefix(&name, "interventions/");
  return std::string(name);
}

template <typename E, typename List>
std::string FriendlyList(const List& values) {
  std::vector<std::string> names;
  for (const int value : values) names.push_back(FriendlyName(static_cast<E>(value)));
  return absl::StrJoin(names, ", ");
}

std::string Footer(int shown, int total, absl::string_view noun,
                   const std::string& next_page_token) {
  std::string text = absl::StrCat(shown, " of ", total, " ", noun);
  if (!next_page_token.empty())
    absl::StrAppend(&text, "; next page: --page_token=", next_page_token);
  return text + "\n";
}

std::string ReasonTable(const eligibility::v1::Verdict& verdict) {
  std::vector<std::vector<std::string>> rows = {{"RESULT", "CRITERION", "EXPLANATION"}};
  for (const eligibility::v1::CriterionResult& reason : verdict.reasons()) {
    std::string criterion = reason.criterion();
    if (reason.effect() == catalogue::v1::CRITERION_EFFECT_PRIORITY) criterion += " (priority)";
    rows.push_back({FriendlyName(reason.result()), criterion, reason.explanation()});
  }
  return rows.size() > 1 ? Table(rows, 4) : "";
}

// One line per criterion that is not met or not known: why a verdict is not ELIGIBLE.
std::string UnmetReasons(const eligibility::v1::Verdict& verdict) {
  std::string text;
  for (const eligibility::v1::CriterionResult& reason : verdict.reasons()) {
    if (reason.result() == eligibility::v1::RESULT_MET) continue;
    absl::StrAppend(&text, "    ", FriendlyName(reason.result()), " ", reason.criterion(), ": ",
                    reason.explanation(), "\n");
  }
  return text;
}

std::string Title(absl::string_view title, absl::string_view name) {
  return title.empty() ? std::string(name) : absl::StrCat(title, " (", name, ")");
}

}  // namespace

std::string JsonLine(const google::protobuf::Message& message) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = false;
  const auto status = google::protobuf::util::MessageToJsonString(message, &json, options);
  if (!status.ok()) {
    return absl::StrCat("{\"error\":\"cannot print ", message.GetTypeName(), " as JSON\"}\n");
  }
  return json + "\n";
}

std::string Table(const std::vector<std::vector<std::string>>& rows, size_t indent) {
  std::vector<size_t> widths;
  for (const auto& row : rows) {
    if (widths.size() < row.size()) widths.resize(row.size(), 0);
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  std::string text;
  for (const auto& row : rows) {
    std::string line(indent, ' ');
    for (size_t i = 0; i < row.size(); ++i) {
      if (i > 0) line += "  ";
      line += row[i];
      if (i + 1 < row.size()) line += std::string(widths[i] - row[i].size(), ' ');
    }
    absl::StrAppend(&text, absl::StripTrailingAsciiWhitespace(line), "\n");
  }
  return text;
}

std::string ErrorText(const grpc::Status& status) {
  const auto code = static_cast<absl::StatusCode>(status.error_code());
  std::string text =
      absl::StrCat("error: ", absl::StatusCodeToString(code), ": ", status.error_message(), "\n");
  google::rpc::Status details;
  if (status.error_details().empty() || !details.ParseFromString(status.error_details())) {
    return text;
  }
  // The reason first: what a script branches on (docs/errors.md lists them).
  for (const google::protobuf::Any& any : details.details()) {
    google::rpc::ErrorInfo info;
    if (any.UnpackTo(&info)) absl::StrAppend(&text, "  reason: ", info.reason(), "\n");
  }
  for (const google::protobuf::Any& any : details.details()) {
    google::rpc::BadRequest bad_request;
    google::rpc::PreconditionFailure failure;
    google::rpc::RetryInfo retry;
    if (any.UnpackTo(&bad_request)) {
      for (const auto& violation : bad_request.field_violations()) {
        const std::string line = absl::StrCat(violation.field(), ": ", violation.description());
        // The usual message is the one violation already (libs/status InvalidFieldError).
        if (line == status.error_message()) continue;
        absl::StrAppend(&text, "  ", line, "\n");
      }
    } else if (any.UnpackTo(&failure)) {
      for (const auto& violation : failure.violations()) {
        if (violation.description() == status.error_message()) continue;
        absl::StrAppend(&text, "  ", violation.subject(), ": ", violation.description(), "\n");
      }
    } else if (any.UnpackTo(&retry)) {
      const absl::Duration delay = absl::Seconds(retry.retry_delay().seconds()) +
                                   absl::Nanoseconds(retry.retry_delay().nanos());
      absl::StrAppend(&text, "  retry after: ", absl::FormatDuration(delay), "\n");
    }
  }
  return text;
}

std::string HumanText(const catalogue::v1::ListInterventionsResponse& response) {
  if (response.interventions().empty()) return "no interventions match\n";
  std::vector<std::vector<std::string>> rows = {{"ID", "TITLE", "KIND"}};
  for (const catalogue::v1::Intervention& intervention : response.interventions()) {
    rows.push_back({intervention.id(), intervention.title(), FriendlyName(intervention.kind())});
  }
  return Table(rows) + Footer(response.interventions_size(), response.total_size(), "interventions",
                              response.next_page_token());
}

std::string HumanText(const catalogue::v1::Intervention& intervention) {
  std::string title = intervention.title();
  if (!intervention.short_title().empty())
    absl::StrAppend(&title, " (", intervention.short_title(), ")");
  std::vector<std::string> regions;
  for (const catalogue::v1::RegionalAvailability& region : intervention.regions()) {
    std::string entry = absl::StrCat(region.region(), ": ", FriendlyName(region.status()));
    if (!region.pcc_areas().empty()) {
      absl::StrAppend(&entry, " (", absl::StrJoin(region.pcc_areas(), ", "), ")");
    }
    regions.push_back(entry);
  }
  std::string text = absl::StrCat(intervention.name(), "\n");
  absl::StrAppend(
      &text, Fields({{"title", title},
                     {"kind", FriendlyName(intervention.kind())},
                     {"status", FriendlyName(intervention.status())},
                     {"availability", FriendlyName(intervention.availability_scope())},
                     {"need areas", FriendlyList<common::v1::NeedArea>(intervention.need_areas())},
                     {"summary", intervention.summary()},
                     {"regions", absl::StrJoin(regions, "; ")}}));
  if (!intervention.criteria().empty()) {
    std::vector<std::vector<std::string>> rows = {{"CRITERION", "EFFECT", "RULE"}};
    for (const catalogue::v1::Criterion& criterion : intervention.criteria()) {
      rows.push_back({criterion.name(), FriendlyName(criterion.effect()), criterion.rule()});
    }
    absl::StrAppend(&text, "  criteria:\n", Table(rows, 4));
  }
  return text;
}

std::string HumanText(const catalogue::v1::ListRegionsResponse& response) {
  std::vector<std::vector<std::string>> rows = {{"ID", "TITLE", "PCC AREAS"}};
  for (const catalogue::v1::Region& region : response.regions()) {
    std::vector<std::string> areas;
    for (const catalogue::v1::PccArea& area : region.pcc_areas()) areas.push_back(area.id());
    rows.push_back({region.id(), region.title(), absl::StrJoin(areas, ", ")});
  }
  return Table(rows);
}

std::string HumanText(const catalogue::v1::RegionalOffer& offer) {
  std::string text = absl::StrCat(Title(offer.region().title(), offer.region().id()), "\n");
  for (const catalogue::v1::OfferGroup& group : offer.groups()) {
    const std::string kind = FriendlyName(group.kind());
    absl::StrAppend(&text, "\n", group.title().empty() ? kind : group.title(), ":\n");
    std::vector<std::vector<std::string>> rows = {{"ID", "TITLE"}};
    for (const catalogue::v1::Intervention& intervention : group.interventions()) {
      rows.push_back({intervention.id(), intervention.title()});
    }
    absl::StrAppend(&text, Table(rows, 2));
  }
  if (!offer.not_listed().empty()) {
    absl::StrAppend(&text, "\nnot listed in this region:\n");
    for (const std::string& need : offer.not_listed()) absl::StrAppend(&text, "  ", need, "\n");
  }
  for (const catalogue::v1::Contact& contact : offer.contacts()) {
    if (contact.email().empty()) continue;
    absl::StrAppend(&text, "\n", contact.title(), " <", contact.email(), ">: ", contact.purpose(),
                    "\n");
  }
  return text;
}

std::string HumanText(const eligibility::v1::Verdict& verdict) {
  std::string text = absl::StrCat(Title(verdict.intervention_title(), verdict.intervention()), ": ",
                                  FriendlyName(verdict.outcome()), "\n");
  if (verdict.prioritised()) absl::StrAppend(&text, "  prioritised\n");
  if (verdict.suitability() != eligibility::v1::SUITABILITY_UNSPECIFIED &&
      verdict.suitability() != eligibility::v1::SUITABILITY_NOT_ASSESSED) {
    absl::StrAppend(&text, "  suitability: ", FriendlyName(verdict.suitability()), "\n");
  }
  for (const std::string& rule : verdict.exceptional()) {
    absl::StrAppend(&text, "  only in exceptional circumstances: ", rule, "\n");
  }
  if (!verdict.approvals_needed().empty()) {
    absl::StrAppend(&text, "  approvals needed: ", absl::StrJoin(verdict.approvals_needed(), ", "),
                    "\n");
  }
  return text + ReasonTable(verdict);
}

std::string HumanText(const gateway::v1::FindInterventionsResponse& response) {
  if (response.matches().empty()) return "no interventions match\n";
  std::vector<std::vector<std::string>> rows = {{"OUTCOME", "ID", "TITLE", "KIND"}};
  std::string reasons;
  for (const gateway::v1::InterventionMatch& match : response.matches()) {
    const eligibility::v1::Verdict& verdict = match.verdict();
    const std::string id = match.intervention().id().empty()
                               ? ShortIntervention(verdict.intervention())
                               : match.intervention().id();
    std::string outcome = FriendlyName(verdict.outcome());
    if (verdict.prioritised()) outcome += " (prioritised)";
    if (!verdict.exceptional().empty()) outcome += " (exceptional)";
    const std::string& title = match.intervention().title().empty() ? verdict.intervention_title()
                                                                    : match.intervention().title();
    rows.push_back({outcome, id, title, FriendlyName(verdict.kind())});
    const std::string unmet = UnmetReasons(verdict);
    if (verdict.outcome() != eligibility::v1::OUTCOME_ELIGIBLE && !unmet.empty()) {
      absl::StrAppend(&reasons, "  ", id, ": ", FriendlyName(verdict.outcome()), "\n", unmet);
    }
  }
  std::string text = Table(rows);
  if (!response.pathway().empty()) {
    absl::StrAppend(&text, "\npathway:\n");
    int step = 0;
    for (const eligibility::v1::PathwayStep& pathway_step : response.pathway()) {
      absl::StrAppend(&text, "  ", ++step, ". ",
                      Title(pathway_step.intervention_title(), pathway_step.intervention()));
      if (!pathway_step.stage().empty()) absl::StrAppend(&text, " [", pathway_step.stage(), "]");
      absl::StrAppend(&text, "\n");
      if (!pathway_step.rationale().empty()) {
        absl::StrAppend(&text, "     ", pathway_step.rationale(), "\n");
      }
    }
  }
  if (!reasons.empty()) absl::StrAppend(&text, "\nwhy not:\n", reasons);
  return text;
}

std::string HumanText(const referrals::v1::Referral& referral) {
  std::string state = FriendlyName(referral.state());
  if (referral.held_from() != referrals::v1::REFERRAL_STATE_UNSPECIFIED) {
    absl::StrAppend(&state, " (held from ", FriendlyName(referral.held_from()), ")");
  }
  std::string intervention = Title(referral.intervention_title(), referral.intervention());
  if (referral.kind() != catalogue::v1::INTERVENTION_KIND_UNSPECIFIED) {
    absl::StrAppend(&intervention, ", ", FriendlyName(referral.kind()));
  }
  std::string created = Time(referral.create_time());
  if (!referral.created_by().empty()) absl::StrAppend(&created, " by ", referral.created_by());
  std::string eligibility;
  if (referral.has_eligibility()) eligibility = FriendlyName(referral.eligibility().outcome());
  std::vector<std::string> transitions;
  for (const referrals::v1::AllowedTransition& transition : referral.allowed_transitions()) {
    transitions.push_back(
        absl::StrCat(transition.action(), " -> ", FriendlyName(transition.to_state())));
  }
  std::string text = absl::StrCat(referral.name(), referral.reference().empty() ? "" : " ",
                                  referral.reference(), "\n");
  return text + Fields({{"state", state},
                        {"intervention", intervention},
                        {"crn", referral.person().crn()},
                        {"region", referral.region()},
                        {"provider", referral.provider()},
                        {"reason", referral.reason_for_referral()},
                        {"complexity", referral.complexity_level() == 0
                                           ? ""
                                           : FriendlyName(referral.complexity_level())},
                        {"desired outcomes", absl::StrJoin(referral.desired_outcomes(), "; ")},
                        {"eligibility", eligibility},
                        {"override reason", referral.override_reason()},
                        {"etag", referral.etag()},
                        {"created", created},
                        {"updated", Time(referral.update_time())},
                        {"submitted", Time(referral.submit_time())},
                        {"in state since", Time(referral.state_time())},
                        {"you may", absl::StrJoin(transitions, ", ")}});
}

std::string HumanText(const referrals::v1::ListReferralsResponse& response) {
  if (response.referrals().empty()) return "no referrals match\n";
  std::vector<std::vector<std::string>> rows = {
      {"ID", "REFERENCE", "STATE", "INTERVENTION", "REGION", "CRN"}};
  for (const referrals::v1::Referral& referral : response.referrals()) {
    rows.push_back({referral.id(), referral.reference(), FriendlyName(referral.state()),
                    ShortIntervention(referral.intervention()), referral.region(),
                    referral.person().crn()});
  }
  return Table(rows) + Footer(response.referrals_size(), response.total_size(), "referrals",
                              response.next_page_token());
}

std::string HumanText(const referrals::v1::ListAllowedTransitionsResponse& response) {
  if (response.transitions().empty()) return "no moves you may make now\n";
  std::vector<std::vector<std::string>> rows = {{"ACTION", "TO", "TITLE", "NOTES", "REASON CODES"}};
  for (const referrals::v1::AllowedTransition& transition : response.transitions()) {
    std::vector<std::string> codes;
    for (const referrals::v1::ReasonCode& code : transition.reason_codes()) {
      codes.push_back(code.code());
    }
    std::string reasons = absl::StrJoin(codes, ", ");
    if (transition.reason_required()) reasons = absl::StrCat("required: ", reasons);
    rows.push_back({transition.action(), FriendlyName(transition.to_state()), transition.title(),
                    transition.notes_required() ? "required" : "", reasons});
  }
  return Table(rows);
}

std::string HumanText(const referrals::v1::GetReferralHistoryResponse& response) {
  if (response.entries().empty()) return "no history\n";
  std::vector<std::vector<std::string>> rows = {
      {"TIME", "ACTION", "FROM", "TO", "AFTER", "ACTOR", "ROLE", "REASON", "NOTES"}};
  for (const referrals::v1::HistoryEntry& entry : response.entries()) {
    rows.push_back({Time(entry.occurred_at()), entry.action(),
                    entry.from_state() == 0 ? "" : FriendlyName(entry.from_state()),
                    FriendlyName(entry.to_state()), Length(entry.time_in_previous_state()),
                    entry.actor(), entry.role() == 0 ? "" : FriendlyName(entry.role()),
                    entry.reason_code(), entry.notes()});
  }
  return Table(rows);
}

std::string HumanText(const referrals::v1::StateMachine& machine) {
  std::string text = absl::StrCat(Title(machine.title(), FriendlyName(machine.kind())),
                                  "; starts in ", FriendlyName(machine.initial_state()), "\n");
  std::vector<std::vector<std::string>> states = {{"STATE", "TITLE", ""}};
  for (const referrals::v1::StateInfo& state : machine.states()) {
    std::vector<std::string> marks;
    if (state.terminal()) marks.push_back("terminal");
    if (state.holding()) marks.push_back("holding");
    states.push_back({FriendlyName(state.state()), state.title(), absl::StrJoin(marks, ", ")});
  }
  absl::StrAppend(&text, "\nstates:\n", Table(states, 2));
  std::vector<std::vector<std::string>> transitions = {
      {"ACTION", "TO", "ROLES", "REASON", "NOTES", "FROM"}};
  for (const referrals::v1::Transition& transition : machine.transitions()) {
    std::string reason = transition.reason_codes();
    if (transition.reason_required()) absl::StrAppend(&reason, " (required)");
    // FROM goes last: a transition such as withdraw leaves from most states.
    transitions.push_back(
        {transition.action(),
         transition.to_held_from() ? "(held from)" : FriendlyName(transition.to()),
         FriendlyList<common::v1::Role>(transition.roles()),
         std::string(absl::StripAsciiWhitespace(reason)),
         transition.notes_required() ? "required" : "",
         FriendlyList<referrals::v1::ReferralState>(transition.from())});
  }
  absl::StrAppend(&text, "\ntransitions:\n", Table(transitions, 2));
  return text;
}

std::string HumanText(const referrals::v1::ReferralEvent& event) {
  const referrals::v1::Referral& referral = event.referral();
  std::vector<std::string> parts = {absl::StrCat(event.sequence()),
                                    Time(event.occurred_at()),
                                    FriendlyName(event.type()),
                                    referral.name(),
                                    referral.reference(),
                                    FriendlyName(referral.state()),
                                    ShortIntervention(referral.intervention())};
  parts.erase(std::remove(parts.begin(), parts.end(), std::string()), parts.end());
  return absl::StrJoin(parts, "  ") + "\n";
}

std::string HumanText(const referrals::v1::GetReferralChangelogResponse& response) {
  if (response.entries().empty()) return "no amendments\n";
  std::vector<std::vector<std::string>> rows = {
      {"TIME", "FIELD", "BEFORE", "AFTER", "ACTOR", "ROLE", "REASON"}};
  for (const referrals::v1::ChangelogEntry& entry : response.entries()) {
    rows.push_back({Time(entry.occurred_at()), entry.field(), entry.old_value(), entry.new_value(),
                    entry.actor(), entry.role() == 0 ? "" : FriendlyName(entry.role()),
                    entry.reason()});
  }
  return Table(rows);
}

std::string HumanText(const referrals::v1::Capacity& capacity) {
  std::string updated = Time(capacity.update_time());
  if (!capacity.updated_by().empty()) absl::StrAppend(&updated, " by ", capacity.updated_by());
  return absl::StrCat(capacity.name(), "\n",
                      Fields({{"places", absl::StrCat(capacity.places())},
                              {"period", FriendlyName(capacity.period())},
                              {"next start", capacity.next_start_date()},
                              {"etag", capacity.etag()},
                              {"updated", updated}}));
}

std::string HumanText(const referrals::v1::BatchGetAvailabilityResponse& response) {
  if (response.availabilities().empty()) return "no capacity set and nobody waiting\n";
  std::vector<std::vector<std::string>> rows = {
      {"INTERVENTION", "PROVIDER", "PERIOD", "PLACES", "TAKEN", "AVAILABLE", "WAITING", "NEXT"}};
  for (const referrals::v1::Availability& availability : response.availabilities()) {
    const bool set = availability.capacity_set();
    rows.push_back({ShortIntervention(availability.intervention()), availability.provider(),
                    set ? FriendlyName(availability.period()) : "",
                    set ? absl::StrCat(availability.places()) : "unknown",
                    absl::StrCat(availability.places_taken()),
                    set ? absl::StrCat(availability.places_available()) : "",
                    absl::StrCat(availability.waiting()), availability.next_start_date()});
  }
  return Table(rows);
}

namespace {

std::string Counts(absl::string_view heading,
                   const google::protobuf::RepeatedPtrField<referrals::v1::GroupCount>& counts) {
  if (counts.empty()) return "";
  std::vector<std::vector<std::string>> rows = {{std::string(heading), "REFERRALS"}};
  for (const referrals::v1::GroupCount& count : counts) {
    rows.push_back({ShortIntervention(count.key()), absl::StrCat(count.count())});
  }
  return absl::StrCat("\n", Table(rows, 2));
}

std::string Percent(double share) { return absl::StrFormat("%.1f%%", share * 100); }

}  // namespace

std::string HumanText(const referrals::v1::ReferralReport& report) {
  const referrals::v1::ReferralFilter& filter = report.filter();
  std::string text = absl::StrCat(report.total(), " referrals created from ",
                                  Time(filter.start_time()), " to ", Time(filter.end_time()), "\n");
  absl::StrAppend(&text, Fields({{"region", filter.region()},
                                 {"intervention", filter.intervention()},
                                 {"provider", filter.provider()}}));
  absl::StrAppend(&text, Counts("STATE", report.by_state()),
                  Counts("INTERVENTION", report.by_intervention()),
                  Counts("REGION", report.by_region()), Counts("PROVIDER", report.by_provider()));
  if (!report.time_in_state().empty()) {
    std::vector<std::vector<std::string>> rows = {{"TIME IN", "STAYS", "MEAN", "MEDIAN", "P90"}};
    for (const referrals::v1::StateTime& time : report.time_in_state()) {
      rows.push_back({FriendlyName(time.state()), absl::StrCat(time.stays()), Length(time.mean()),
                      Length(time.median()), Length(time.p90())});
    }
    absl::StrAppend(&text, "\n", Table(rows, 2));
  }
  const referrals::v1::ClosingRates& closing = report.closing();
  absl::StrAppend(&text, "\nclosed: ", closing.closed(), " (completed ", closing.completed(),
                  ", withdrawn ", closing.withdrawn(), ", deselected ", closing.deselected(),
                  ", not accepted ", closing.not_accepted(), ")\n",
                  Fields({{"completion rate", Percent(closing.completion_rate())},
                          {"withdrawal rate", Percent(closing.withdrawal_rate())},
                          {"deselection rate", Percent(closing.deselection_rate())}}));
  if (!report.delivery().empty()) {
    std::vector<std::vector<std::string>> rows = {{"DELIVERY OF", "HELD", "ATTENDED", "MISSED",
                                                   "ATTENDANCE", "SESSIONS/COMPLETED", "OUTCOMES",
                                                   "ACHIEVED"}};
    for (const referrals::v1::DeliveryFigures& figures : report.delivery()) {
      rows.push_back({figures.intervention(), absl::StrCat(figures.sessions_held()),
                      absl::StrCat(figures.sessions_attended()),
                      absl::StrCat(figures.sessions_missed()), Percent(figures.attendance_rate()),
                      absl::StrFormat("%.1f", figures.sessions_per_completed_referral()),
                      absl::StrCat(figures.outcomes_reported()),
                      Percent(figures.outcome_achievement_rate())});
    }
    absl::StrAppend(&text, "\n", Table(rows, 2));
  }
  return text;
}

std::string HumanText(const referrals::v1::ExportReferralsResponse& chunk) { return chunk.csv(); }

std::string HumanText(const referrals::v1::ExportPersonDataResponse& response) {
  std::string text =
      absl::StrCat("everything stored about ", response.crn(), ": ", response.referrals_size(),
                   " referrals, ", response.events_size(), " events\n");
  for (const referrals::v1::PersonReferral& held : response.referrals()) {
    absl::StrAppend(&text, "\n", HumanText(held.referral()));
    absl::StrAppend(&text, "  history: ", held.history_size(),
                    " entries; amendments: ", held.changelog_size(), "\n");
  }
  if (!response.events().empty()) {
    absl::StrAppend(&text, "\nevents:\n");
    for (const referrals::v1::ReferralEvent& event : response.events()) {
      absl::StrAppend(&text, "  ", HumanText(event));
    }
  }
  if (!response.access_records().empty()) {
    absl::StrAppend(&text, "\nwho read or changed it:\n");
    for (const referrals::v1::AccessRecord& record : response.access_records()) {
      absl::StrAppend(&text, "  ", HumanText(record));
    }
  }
  absl::StrAppend(&text, "\nthe full record: probation --json person export ", response.crn(),
                  "\n");
  return text;
}

std::string HumanText(const referrals::v1::AccessRecord& record) {
  const bool refused =
      record.outcome() == referrals::v1::AccessRecord::OUTCOME_REFUSED_OUT_OF_SCOPE;
  return absl::StrCat(
      Time(record.time()), " ", record.actor(), " (", RoleClaimName(record.role()), ") ",
      record.method(), " ", record.crn(), record.referral().empty() ? "" : " ", record.referral(),
      refused ? " REFUSED (out of scope)" : "", " request ", record.request_id(), "\n");
}

std::string HumanText(const referrals::v1::ListAccessRecordsResponse& response) {
  std::string text;
  for (const referrals::v1::AccessRecord& record : response.records()) {
    absl::StrAppend(&text, HumanText(record));
  }
  if (response.records().empty()) absl::StrAppend(&text, "no access records\n");
  if (!response.next_page_token().empty()) {
    absl::StrAppend(&text, "more: --page_token=", response.next_page_token(), "\n");
  }
  return text;
}

std::string HumanText(const referrals::v1::CaseAccess& access) {
  return absl::StrCat(access.name(), " (etag ", access.etag(), ")\n",
                      Fields({{"excluded", absl::StrJoin(access.excluded_actors(), ", ")},
                              {"restricted to", absl::StrJoin(access.restricted_to_actors(), ", ")},
                              {"reason", access.reason()},
                              {"set by", access.updated_by()},
                              {"set at", Time(access.update_time())}}));
}

std::string HumanText(const referrals::v1::DeleteCaseAccessResponse&) {
  return "the case's limits are lifted\n";
}

std::string HumanText(const referrals::v1::Subscription& subscription) {
  const referrals::v1::EventFilter& filter = subscription.filter();
  const auto names = [](const auto& values, auto type) {
    std::vector<std::string> named;
    for (int value : values) named.push_back(FriendlyName(*type, value));
    return absl::StrJoin(named, ", ");
  };
  return absl::StrCat(
      subscription.name(), " (etag ", subscription.etag(), ")\n",
      Fields({{"name", subscription.display_name()},
              {"view", FriendlyName(subscription.view())},
              {"acknowledged", absl::StrCat(subscription.acknowledged_sequence())},
              {"dead letters", absl::StrCat(subscription.dead_letter_count())},
              {"owner", absl::StrCat(subscription.owner().actor(), " (",
                                     RoleClaimName(subscription.owner().role()), ")")},
              {"types", names(filter.types(), referrals::v1::ReferralEvent::Type_descriptor())},
              {"kinds", names(filter.kinds(), catalogue::v1::InterventionKind_descriptor())},
              {"interventions", absl::StrJoin(filter.interventions(), ", ")},
              {"regions", absl::StrJoin(filter.regions(), ", ")},
              {"providers", absl::StrJoin(filter.providers(), ", ")},
              {"states", names(filter.states(), referrals::v1::ReferralState_descriptor())},
              {"created", Time(subscription.create_time())}}));
}

std::string HumanText(const referrals::v1::ListSubscriptionsResponse& response) {
  std::string text;
  for (const referrals::v1::Subscription& subscription : response.subscriptions()) {
    absl::StrAppend(&text, subscription.name(), "  ", FriendlyName(subscription.view()),
                    "  acknowledged ", subscription.acknowledged_sequence(), "  ",
                    subscription.display_name(), "\n");
  }
  if (response.subscriptions().empty()) absl::StrAppend(&text, "no subscriptions\n");
  if (!response.next_page_token().empty()) {
    absl::StrAppend(&text, "more: --page_token=", response.next_page_token(), "\n");
  }
  return text;
}

std::string HumanText(const referrals::v1::DeleteSubscriptionResponse&) {
  return "the subscription is deleted\n";
}

std::string HumanText(const referrals::v1::DeadLetter& dead_letter) {
  return absl::StrCat(
      dead_letter.name(), "  attempts ", dead_letter.attempts(), "  ", dead_letter.last_error(),
      dead_letter.replay_requested() ? "  (replay requested)" : "", "\n",
      dead_letter.has_event() ? absl::StrCat("  ", HumanText(dead_letter.event())) : "");
}

std::string HumanText(const referrals::v1::ListDeadLettersResponse& response) {
  std::string text;
  for (const referrals::v1::DeadLetter& dead_letter : response.dead_letters()) {
    absl::StrAppend(&text, HumanText(dead_letter));
  }
  if (response.dead_letters().empty()) absl::StrAppend(&text, "no dead letters\n");
  if (!response.next_page_token().empty()) {
    absl::StrAppend(&text, "more: --page_token=", response.next_page_token(), "\n");
  }
  return text;
}

std::string HumanText(const referrals::v1::DeleteDeadLetterResponse&) {
  return "the dead letter is deleted\n";
}

namespace {

// "attended, recorded by cw-17 (service_provider) at 2026-12-10T10:05:00Z".
std::string Attendance(const delivery::v1::Appointment& appointment) {
  if (!appointment.has_attendance()) return "";
  const delivery::v1::Attendance& attendance = appointment.attendance();
  std::string text = FriendlyName(attendance.outcome());
  std::vector<std::string> recorded;
  if (!attendance.recorded_by().empty()) {
    std::string by = absl::StrCat("by ", attendance.recorded_by());
    if (attendance.recorded_by_role() != common::v1::ROLE_UNSPECIFIED) {
      absl::StrAppend(&by, " (", RoleClaimName(attendance.recorded_by_role()), ")");
    }
    recorded.push_back(by);
  }
  if (const std::string time = Time(attendance.record_time()); !time.empty()) {
    recorded.push_back(absl::StrCat("at ", time));
  }
  if (!recorded.empty()) absl::StrAppend(&text, ", recorded ", absl::StrJoin(recorded, " "));
  return text;
}

std::string SessionNumber(int32_t number) { return number == 0 ? "" : absl::StrCat(number); }

std::string Signed(const google::protobuf::Timestamp& time, const std::string& by) {
  std::string text = Time(time);
  if (!text.empty() && !by.empty()) absl::StrAppend(&text, " by ", by);
  return text;
}

}  // namespace

std::string HumanText(const delivery::v1::Appointment& appointment) {
  std::string text = absl::StrCat(appointment.name(), " (etag ", appointment.etag(), ")\n");
  const bool recorded = appointment.has_attendance();
  absl::StrAppend(
      &text,
      Fields({{"type", FriendlyName(appointment.type())},
              {"session", SessionNumber(appointment.session_number())},
              {"start", Time(appointment.start_time())},
              {"duration", Length(appointment.duration())},
              {"method", appointment.delivery_method() == delivery::v1::DELIVERY_METHOD_UNSPECIFIED
                             ? ""
                             : FriendlyName(appointment.delivery_method())},
              {"location", appointment.location()},
              {"attendance", recorded ? Attendance(appointment) : "not recorded"},
              {"notes", appointment.attendance().notes()},
              {"notify practitioner", appointment.attendance().notify_practitioner() ? "yes" : ""},
              {"created", Signed(appointment.create_time(), appointment.created_by())},
              {"updated", Time(appointment.update_time())}}));
  if (!appointment.history().empty()) {
    std::vector<std::vector<std::string>> rows = {
        {"FROM", "TO", "REQUESTED BY", "REASON", "BY", "AT"}};
    for (const delivery::v1::Reschedule& reschedule : appointment.history()) {
      rows.push_back({Time(reschedule.previous_start_time()), Time(reschedule.new_start_time()),
                      reschedule.requested_by() == 0 ? "" : FriendlyName(reschedule.requested_by()),
                      reschedule.reason(), reschedule.actor(), Time(reschedule.reschedule_time())});
    }
    absl::StrAppend(&text, "  rescheduled:\n", Table(rows, 4));
  }
  return text;
}

std::string HumanText(const delivery::v1::ListAppointmentsResponse& response) {
  std::string text;
  if (response.appointments().empty()) {
    text = "no appointments\n";
  } else {
    std::vector<std::vector<std::string>> rows = {
        {"APPOINTMENT", "TYPE", "SESSION", "START", "DURATION", "METHOD", "ATTENDANCE"}};
    for (const delivery::v1::Appointment& appointment : response.appointments()) {
      rows.push_back(
          {appointment.name(), FriendlyName(appointment.type()),
           SessionNumber(appointment.session_number()), Time(appointment.start_time()),
           Length(appointment.duration()),
           appointment.delivery_method() == delivery::v1::DELIVERY_METHOD_UNSPECIFIED
               ? ""
               : FriendlyName(appointment.delivery_method()),
           appointment.has_attendance() ? FriendlyName(appointment.attendance().outcome()) : ""});
    }
    text = Table(rows);
  }
  if (!response.next_page_token().empty()) {
    absl::StrAppend(&text, "more: --page_token=", response.next_page_token(), "\n");
  }
  return text;
}

std::string HumanText(const delivery::v1::ActionPlan& plan) {
  std::string text = absl::StrCat(plan.name(), " (etag ", plan.etag(), ")\n");
  absl::StrAppend(&text,
                  Fields({{"state", FriendlyName(plan.state())},
                          {"sessions", SessionNumber(plan.number_of_sessions())},
                          {"approved sessions", SessionNumber(plan.approved_number_of_sessions())},
                          {"changes requested", plan.changes_requested_reason()},
                          {"submitted", Time(plan.submit_time())},
                          {"approved", Signed(plan.approve_time(), plan.approved_by())},
                          {"updated", Time(plan.update_time())}}));
  if (plan.activities().empty()) {
    absl::StrAppend(&text, "  no activities\n");
  } else {
    std::vector<std::vector<std::string>> rows = {{"DESIRED OUTCOME", "ACTIVITY"}};
    for (const delivery::v1::Activity& activity : plan.activities()) {
      rows.push_back({activity.desired_outcome(), activity.description()});
    }
    absl::StrAppend(&text, "  activities:\n", Table(rows, 4));
  }
  return text;
}

std::string HumanText(const delivery::v1::EndOfServiceReport& report) {
  std::string text = absl::StrCat(report.name(), " (etag ", report.etag(), ")\n");
  absl::StrAppend(&text, Fields({{"state", report.submitted() ? "submitted" : "draft"},
                                 {"further information", report.further_information()},
                                 {"submitted", Signed(report.submit_time(), report.submitted_by())},
                                 {"updated", Time(report.update_time())}}));
  if (report.outcomes().empty()) {
    absl::StrAppend(&text, "  no outcomes\n");
  } else {
    std::vector<std::vector<std::string>> rows = {{"DESIRED OUTCOME", "ACHIEVEMENT", "NOTES"}};
    for (const delivery::v1::OutcomeAchievement& outcome : report.outcomes()) {
      rows.push_back({outcome.desired_outcome(),
                      outcome.achievement() == 0 ? "" : FriendlyName(outcome.achievement()),
                      outcome.notes()});
    }
    absl::StrAppend(&text, "  outcomes:\n", Table(rows, 4));
  }
  return text;
}

namespace {

// A group's cohort: one sex, or mixed.
std::string Mixed(common::v1::Sex sex) {
  return sex == common::v1::SEX_UNSPECIFIED ? "mixed" : FriendlyName(sex);
}

// Attended (on time or late) and missed at a session; both empty while none is recorded.
std::pair<std::string, std::string> AttendanceCounts(const delivery::v1::GroupSession& session) {
  if (session.attendances().empty()) return {"", ""};
  int attended = 0;
  int missed = 0;
  for (const delivery::v1::GroupAttendance& attendance : session.attendances()) {
    if (attendance.outcome() == delivery::v1::ATTENDANCE_OUTCOME_ATTENDED ||
        attendance.outcome() == delivery::v1::ATTENDANCE_OUTCOME_LATE) {
      ++attended;
    } else if (attendance.outcome() == delivery::v1::ATTENDANCE_OUTCOME_DID_NOT_ATTEND) {
      ++missed;
    }
  }
  return {absl::StrCat(attended), absl::StrCat(missed)};
}

std::string Places(const delivery::v1::Group& group) {
  return absl::StrCat(group.members_size(), " of ", group.capacity(), " taken");
}

}  // namespace

std::string HumanText(const delivery::v1::Group& group) {
  std::string text = absl::StrCat(group.name(), " (etag ", group.etag(), ")\n");
  absl::StrAppend(&text,
                  Fields({{"intervention", group.intervention()},
                          {"region", group.region()},
                          {"start", group.start_date()},
                          {"weekdays", FriendlyList<delivery::v1::Weekday>(group.weekdays())},
                          {"cohort", Mixed(group.sex())},
                          {"places", Places(group)},
                          {"facilitators", absl::StrJoin(group.facilitators(), ", ")},
                          {"created", Signed(group.create_time(), group.created_by())},
                          {"updated", Time(group.update_time())}}));
  if (group.sessions().empty()) {
    absl::StrAppend(&text, "  no sessions\n");
  } else {
    bool rescheduled = false;
    for (const delivery::v1::GroupSession& session : group.sessions()) {
      rescheduled = rescheduled || !session.rescheduled_from().empty();
    }
    std::vector<std::vector<std::string>> rows = {
        {"SESSION", "DATE", "MODULE", "ATTENDED", "MISSED"}};
    if (rescheduled) {
      rows[0].push_back("RESCHEDULED FROM");
      rows[0].push_back("REASON");
    }
    for (const delivery::v1::GroupSession& session : group.sessions()) {
      auto [attended, missed] = AttendanceCounts(session);
      rows.push_back({SessionNumber(session.session_number()), session.date(), session.module(),
                      std::move(attended), std::move(missed)});
      if (rescheduled) {
        rows.back().push_back(session.rescheduled_from());
        rows.back().push_back(session.reschedule_reason());
      }
    }
    absl::StrAppend(&text, "  sessions (", group.sessions_size(), "):\n", Table(rows, 4));
  }
  if (group.members().empty()) {
    absl::StrAppend(&text, "  no members\n");
  } else {
    std::vector<std::vector<std::string>> rows = {
        {"MEMBER", "ALLOCATED", "ATTENDED", "MISSED", "REVIEW"}};
    for (const delivery::v1::GroupMember& member : group.members()) {
      rows.push_back({member.referral(), Signed(member.allocate_time(), member.allocated_by()),
                      absl::StrCat(member.sessions_attended()),
                      absl::StrCat(member.sessions_missed()),
                      member.deselection_proposed() ? "deselection proposed" : ""});
    }
    absl::StrAppend(&text, "  members:\n", Table(rows, 4));
  }
  if (!group.removed_members().empty()) {
    std::vector<std::vector<std::string>> rows = {{"REFERRAL", "REMOVED", "REASON"}};
    for (const delivery::v1::RemovedGroupMember& removed : group.removed_members()) {
      rows.push_back({removed.referral(), Signed(removed.remove_time(), removed.removed_by()),
                      removed.reason()});
    }
    absl::StrAppend(&text, "  removed:\n", Table(rows, 4));
  }
  return text;
}

std::string HumanText(const delivery::v1::ListGroupsResponse& response) {
  std::string text;
  if (response.groups().empty()) {
    text = "no groups\n";
  } else {
    std::vector<std::vector<std::string>> rows = {
        {"GROUP", "INTERVENTION", "REGION", "START", "WEEKDAYS", "COHORT", "PLACES", "SESSIONS"}};
    for (const delivery::v1::Group& group : response.groups()) {
      rows.push_back({group.name(), ShortIntervention(group.intervention()), group.region(),
                      group.start_date(), FriendlyList<delivery::v1::Weekday>(group.weekdays()),
                      Mixed(group.sex()), Places(group), absl::StrCat(group.sessions_size())});
    }
    text = Table(rows);
  }
  if (!response.next_page_token().empty()) {
    absl::StrAppend(&text, "more: --page_token=", response.next_page_token(), "\n");
  }
  return text;
}

std::string HumanText(const delivery::v1::GroupSession& session) {
  std::string text = absl::StrCat(session.name(), "\n");
  absl::StrAppend(&text, Fields({{"session", SessionNumber(session.session_number())},
                                 {"date", session.date()},
                                 {"module", session.module()},
                                 {"rescheduled from", session.rescheduled_from()},
                                 {"reason", session.reschedule_reason()}}));
  if (session.attendances().empty()) {
    absl::StrAppend(&text, "  no attendance recorded\n");
  } else {
    std::vector<std::vector<std::string>> rows = {{"REFERRAL", "OUTCOME", "NOTES", "RECORDED"}};
    for (const delivery::v1::GroupAttendance& attendance : session.attendances()) {
      rows.push_back({attendance.referral(), FriendlyName(attendance.outcome()), attendance.notes(),
                      Signed(attendance.record_time(), attendance.recorded_by())});
    }
    absl::StrAppend(&text, "  attendance:\n", Table(rows, 4));
  }
  return text;
}

std::string HumanText(const delivery::v1::ListWaitingListResponse& response) {
  if (response.entries().empty()) {
    std::string text = "no one is waiting\n";
    if (!response.next_page_token().empty()) {
      absl::StrAppend(&text, "more: --page_token=", response.next_page_token(), "\n");
    }
    return text;
  }
  std::vector<std::vector<std::string>> rows = {
      {"POSITION", "REFERRAL", "WAITING SINCE", "DAYS WAITING", "INTERVENTION", "SEX"}};
  for (const delivery::v1::WaitingListEntry& entry : response.entries()) {
    rows.push_back({absl::StrCat(entry.position()), entry.referral(), Time(entry.waiting_since()),
                    absl::StrCat(entry.days_waiting()), ShortIntervention(entry.intervention()),
                    entry.sex() == common::v1::SEX_UNSPECIFIED ? "" : FriendlyName(entry.sex())});
  }
  return Table(rows) + Footer(response.entries_size(), response.total_size(), "waiting",
                              response.next_page_token());
}

}  // namespace probation::cli
