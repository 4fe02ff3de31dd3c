#include "services/referrals/domain/event_selection.h"

#include <string>

#include "absl/algorithm/container.h"
#include "absl/strings/str_cat.h"
#include "libs/names/resource_name.h"
#include "libs/status/field_error.h"
#include "services/referrals/domain/referral_scope.h"

namespace probation::referrals {
namespace {

template <typename List>
bool ListAdmits(const List& list, const typename List::value_type& value) {
  return list.empty() || absl::c_linear_search(list, value);
}

// Enum lists arrive as ints; each entry must be a named, specified value.
template <typename List, typename IsValid>
absl::Status CheckEnumList(const List& list, absl::string_view field, IsValid is_valid) {
  for (int i = 0; i < list.size(); ++i) {
    if (list.Get(i) == 0 || !is_valid(list.Get(i))) {
      return InvalidFieldError(absl::StrCat(field, "[", i, "]"), "is not a known value");
    }
  }
  return absl::OkStatus();
}

absl::Status CheckIdList(const google::protobuf::RepeatedPtrField<std::string>& list,
                         absl::string_view field) {
  for (int i = 0; i < list.size(); ++i) {
    if (absl::Status status = CheckResourceId(absl::StrCat(field, "[", i, "]"), list.Get(i));
        !status.ok()) {
      return status;
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateEventFilter(const v1::EventFilter& filter, absl::string_view field) {
  const auto path = [&](absl::string_view name) { return absl::StrCat(field, ".", name); };
  for (const auto& [name, size] : {std::pair<absl::string_view, int>{"types", filter.types_size()},
                                   {"kinds", filter.kinds_size()},
                                   {"interventions", filter.interventions_size()},
                                   {"regions", filter.regions_size()},
                                   {"providers", filter.providers_size()},
                                   {"states", filter.states_size()}}) {
    if (size > kMaxFilterEntries) {
      return InvalidFieldError(path(name), absl::StrCat("at most ", kMaxFilterEntries, " entries"));
    }
  }
  if (absl::Status status =
          CheckEnumList(filter.types(), path("types"), v1::ReferralEvent::Type_IsValid);
      !status.ok()) {
    return status;
  }
  if (absl::Status status =
          CheckEnumList(filter.kinds(), path("kinds"), catalogue::v1::InterventionKind_IsValid);
      !status.ok()) {
    return status;
  }
  if (absl::Status status =
          CheckEnumList(filter.states(), path("states"), v1::ReferralState_IsValid);
      !status.ok()) {
    return status;
  }
  for (int i = 0; i < filter.interventions_size(); ++i) {
    absl::StatusOr<std::string> id = ParseResourceName(
        absl::StrCat(path("interventions"), "[", i, "]"), kInterventions, filter.interventions(i));
    if (!id.ok()) return id.status();
  }
  if (absl::Status status = CheckIdList(filter.regions(), path("regions")); !status.ok()) {
    return status;
  }
  return CheckIdList(filter.providers(), path("providers"));
}

bool Admits(const v1::EventFilter& filter, const v1::ReferralEvent& event) {
  const v1::Referral& referral = event.referral();
  return ListAdmits(filter.types(), event.type()) && ListAdmits(filter.kinds(), referral.kind()) &&
         ListAdmits(filter.interventions(), referral.intervention()) &&
         ListAdmits(filter.regions(), referral.region()) &&
         ListAdmits(filter.providers(), referral.provider()) &&
         ListAdmits(filter.states(), referral.state());
}

v1::ReferralEvent BasicView(const v1::ReferralEvent& event) {
  v1::ReferralEvent basic;
  basic.set_sequence(event.sequence());
  basic.set_type(event.type());
  *basic.mutable_occurred_at() = event.occurred_at();
  basic.set_actor_role(event.actor_role());
  basic.set_from_state(event.from_state());
  basic.set_to_state(event.to_state());
  basic.set_action(event.action());
  *basic.mutable_changed_fields() = event.changed_fields();
  const v1::Referral& full = event.referral();
  v1::Referral& referral = *basic.mutable_referral();
  referral.set_name(full.name());
  referral.set_id(full.id());
  referral.set_reference(full.reference());
  referral.set_intervention(full.intervention());
  referral.set_kind(full.kind());
  referral.set_region(full.region());
  referral.set_provider(full.provider());
  referral.set_state(full.state());
  referral.set_held_from(full.held_from());
  if (full.has_create_time()) *referral.mutable_create_time() = full.create_time();
  if (full.has_update_time()) *referral.mutable_update_time() = full.update_time();
  if (full.has_submit_time()) *referral.mutable_submit_time() = full.submit_time();
  if (full.has_state_time()) *referral.mutable_state_time() = full.state_time();
  if (full.has_start_time()) *referral.mutable_start_time() = full.start_time();
  if (full.has_attendance()) *referral.mutable_attendance() = full.attendance();
  // Of a delivery record: what happened and when, not what was said or where.
  basic.set_record(event.record());
  if (event.has_appointment()) {
    const delivery::v1::Appointment& whole = event.appointment();
    delivery::v1::Appointment& appointment = *basic.mutable_appointment();
    appointment.set_name(whole.name());
    appointment.set_type(whole.type());
    appointment.set_session_number(whole.session_number());
    if (whole.has_start_time()) *appointment.mutable_start_time() = whole.start_time();
    if (whole.has_duration()) *appointment.mutable_duration() = whole.duration();
    appointment.set_delivery_method(whole.delivery_method());
    if (whole.has_attendance()) {
      appointment.mutable_attendance()->set_outcome(whole.attendance().outcome());
      // Whether the practitioner should hear of it now is what a consumer acts on.
      appointment.mutable_attendance()->set_notify_practitioner(
          whole.attendance().notify_practitioner());
    }
  }
  if (event.has_action_plan()) {
    const delivery::v1::ActionPlan& whole = event.action_plan();
    delivery::v1::ActionPlan& plan = *basic.mutable_action_plan();
    plan.set_name(whole.name());
    plan.set_state(whole.state());
    plan.set_number_of_sessions(whole.number_of_sessions());
    plan.set_approved_number_of_sessions(whole.approved_number_of_sessions());
  }
  if (event.has_end_of_service_report()) {
    basic.mutable_end_of_service_report()->set_name(event.end_of_service_report().name());
    basic.mutable_end_of_service_report()->set_submitted(event.end_of_service_report().submitted());
  }
  if (event.has_group_attendance()) {
    // The outcome, not the facilitator's notes.
    delivery::v1::GroupAttendance& attendance = *basic.mutable_group_attendance();
    attendance.set_referral(event.group_attendance().referral());
    attendance.set_outcome(event.group_attendance().outcome());
    *attendance.mutable_record_time() = event.group_attendance().record_time();
  }
  return basic;
}

absl::StatusOr<v1::EventView> ResolveView(v1::EventView view, absl::string_view field,
                                          v1::EventView unspecified) {
  if (!v1::EventView_IsValid(view)) return InvalidFieldError(field, "is not a known view");
  return view == v1::EVENT_VIEW_UNSPECIFIED ? unspecified : view;
}

absl::StatusOr<WatchSelection> SelectionOfRequest(const v1::WatchReferralEventsRequest& request,
                                                  const Identity& caller) {
  if (request.after_sequence() < 0) {
    return InvalidFieldError("after_sequence", "must not be negative");
  }
  if (absl::Status status = ValidateEventFilter(request.filter(), "filter"); !status.ok()) {
    return status;
  }
  absl::StatusOr<v1::EventView> view = ResolveView(request.view(), "view", v1::EVENT_VIEW_FULL);
  if (!view.ok()) return view.status();
  WatchSelection selection;
  selection.after_sequence = request.after_sequence();
  selection.filter = request.filter();
  selection.view = *view;
  selection.scope = caller;
  return selection;
}

bool Admitted(const WatchSelection& selection, const v1::ReferralEvent& event) {
  return InScope(selection.scope, event.referral()) && Admits(selection.filter, event);
}

std::optional<v1::ReferralEvent> Select(const WatchSelection& selection,
                                        const v1::ReferralEvent& event) {
  if (!Admitted(selection, event)) return std::nullopt;
  if (selection.view == v1::EVENT_VIEW_BASIC) return BasicView(event);
  return event;
}

}  // namespace probation::referrals
