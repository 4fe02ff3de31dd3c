#include "services/referrals/domain/referral_workflow.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/algorithm/container.h"
#include "absl/random/random.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "google/protobuf/util/time_util.h"
#include "libs/names/resource_name.h"
#include "libs/pagination/page_token.h"
#include "libs/status/error_reason.h"
#include "libs/status/field_error.h"
#include "services/referrals/domain/access_policy.h"
#include "services/referrals/domain/caseload_query.h"
#include "services/referrals/domain/delivery_checks.h"
#include "services/referrals/domain/group_workflow.h"
#include "services/referrals/domain/record_id.h"
#include "services/referrals/domain/referral_amendment.h"
#include "services/referrals/domain/referral_move.h"
#include "services/referrals/domain/referral_scope.h"

namespace probation::referrals {
namespace {

using google::protobuf::util::TimeUtil;

constexpr int kReferenceAttempts = 5;
// Fields of a draft that UpdateReferral may change (AIP-134 update_mask paths).
constexpr absl::string_view kUpdatableFields[] = {
    "person",           "region",           "provider", "reason_for_referral",
    "complexity_level", "desired_outcomes", "contact"};
constexpr int kMaxContactFieldLength = 200;

absl::Status RequireReferrer(const Identity& caller, absl::string_view what) {
  if (absl::Status status = RequirePerson(caller); !status.ok()) return status;
  if (!AccessPolicy::Embedded().For(caller.role).refers()) {
    return absl::PermissionDeniedError(
        absl::StrCat("only a probation practitioner may ", what, " a referral"));
  }
  return absl::OkStatus();
}

// Two letters, four digits, two letters: easy to read out on the phone.
std::string NewReference() {
  absl::BitGen random;
  std::string reference;
  for (int i = 0; i < 8; ++i) {
    const bool digit = i >= 2 && i < 6;
    reference += digit ? static_cast<char>('0' + absl::Uniform(random, 0, 10))
                       : static_cast<char>('A' + absl::Uniform(random, 0, 26));
  }
  return reference;
}

// A write names the version it read (AIP-154); anything else is a lost update.
absl::Status CheckEtag(const v1::Referral& current, absl::string_view etag) {
  return current.etag() == etag ? absl::OkStatus() : StaleEtagError(etag, current.etag());
}

// What a draft must hold, whoever wrote it.
absl::Status ValidateDraft(const v1::Referral& referral) {
  if (referral.person().crn().empty()) {
    return InvalidFieldError("referral.person.crn", "is required");
  }
  if (!IsCrn(referral.person().crn())) {
    return InvalidFieldError("referral.person.crn",
                             "must be one capital letter and six digits, e.g. X123456");
  }
  if (!IsResourceId(referral.region())) {
    return InvalidFieldError("referral.region", "is required: a region id, e.g. \"london\"");
  }
  const bool crs =
      referral.kind() == catalogue::v1::INTERVENTION_KIND_COMMISSIONED_REHABILITATIVE_SERVICE;
  if (crs && !IsResourceId(referral.provider())) {
    return InvalidFieldError("referral.provider",
                             "is required for a CRS referral: a provider id, e.g. \"nacro\"");
  }
  // Only CRS are delivered by providers, who see the referrals sent to them.
  if (!crs && !referral.provider().empty()) {
    return InvalidFieldError("referral.provider", "only a CRS referral is sent to a provider");
  }
  if (referral.reason_for_referral().size() > kMaxTextLength) {
    return InvalidFieldError("referral.reason_for_referral",
                             absl::StrCat("at most ", kMaxTextLength, " characters"));
  }
  if (!common::v1::ComplexityLevel_IsValid(referral.complexity_level())) {
    return InvalidFieldError("referral.complexity_level", "unknown value");
  }
  for (int i = 0; i < referral.desired_outcomes_size(); ++i) {
    if (absl::StripAsciiWhitespace(referral.desired_outcomes(i)).empty()) {
      return InvalidFieldError(absl::StrCat("referral.desired_outcomes[", i, "]"), "is empty");
    }
  }
  const v1::PractitionerContact& contact = referral.contact();
  for (const auto& [field, value] :
       {std::pair<absl::string_view, const std::string&>{"name", contact.name()},
        {"email", contact.email()},
        {"phone", contact.phone()},
        {"team", contact.team()},
        {"assignee", referral.assignee()}}) {
    const std::string path =
        absl::StrCat("referral.", field == "assignee" ? "" : "contact.", field);
    if (value.size() > kMaxContactFieldLength) {
      return InvalidFieldError(path,
                               absl::StrCat("at most ", kMaxContactFieldLength, " characters"));
    }
    if (std::any_of(value.begin(), value.end(), [](char c) { return absl::ascii_iscntrl(c); })) {
      return InvalidFieldError(path, "must be one line of text");
    }
  }
  if (!contact.email().empty() &&
      (!absl::StrContains(contact.email(), '@') || absl::StrContains(contact.email(), ' '))) {
    return InvalidFieldError("referral.contact.email", "must be an email address");
  }
  return absl::OkStatus();
}

// Why a NOT_ELIGIBLE verdict refuses the submission, criterion by criterion.
std::string UnmetCriteria(const eligibility::v1::Verdict& verdict) {
  std::vector<std::string> unmet;
  for (const auto& reason : verdict.reasons()) {
    if (reason.result() == eligibility::v1::RESULT_NOT_MET &&
        reason.effect() != catalogue::v1::CRITERION_EFFECT_PRIORITY) {
      unmet.push_back(absl::StrCat(reason.criterion(), ": ", reason.explanation()));
    }
  }
  return absl::StrJoin(unmet, "; ");
}

// FAILED_PRECONDITION, NOT_ELIGIBLE, with a PreconditionFailure violation per unmet criterion.
absl::Status NotEligibleError(const eligibility::v1::Verdict& verdict) {
  absl::Status status = WithReason(
      absl::FailedPreconditionError(absl::StrCat(
          "the person is not eligible for ", verdict.intervention_title(), ": ",
          UnmetCriteria(verdict), ". Give an override_reason to submit the referral anyway.")),
      reason::kNotEligible, {{"intervention", verdict.intervention()}});
  for (const auto& criterion : verdict.reasons()) {
    if (criterion.result() == eligibility::v1::RESULT_NOT_MET &&
        criterion.effect() != catalogue::v1::CRITERION_EFFECT_PRIORITY) {
      status = WithPreconditionViolation(std::move(status), "ELIGIBILITY", criterion.criterion(),
                                         criterion.explanation());
    }
  }
  return status;
}

}  // namespace

ReferralWorkflow::ReferralWorkflow(const StateMachineSet& machines, ReferralStore& store,
                                   InterventionDirectory& interventions,
                                   EligibilityGate& eligibility, std::function<absl::Time()> now,
                                   CallerGuards guards)
    : machines_(machines),
      store_(store),
      interventions_(interventions),
      eligibility_(eligibility),
      now_(now ? std::move(now) : [] { return absl::Now(); }),
      guards_(guards) {}

absl::StatusOr<v1::Referral> LoadInScope(ReferralStore& store, AccessAudit* audit, absl::Time now,
                                         absl::string_view method, absl::string_view field,
                                         absl::string_view name, const Identity& caller) {
  if (absl::Status status = RequirePerson(caller); !status.ok()) return status;
  absl::StatusOr<std::string> id = ParseResourceName(field, kReferrals, name);
  if (!id.ok()) return id.status();
  absl::StatusOr<v1::Referral> referral = store.Get(*id);
  if (!referral.ok()) return referral.status();
  if (absl::Status status = CheckInScope(caller, *referral); !status.ok()) {
    if (audit != nullptr) {
      audit->Record(AccessRecordOf(caller, method, referral->person().crn(), referral->name(),
                                   v1::AccessRecord::OUTCOME_REFUSED_OUT_OF_SCOPE, now));
    }
    return status;
  }
  return referral;
}

absl::StatusOr<v1::Referral> ReferralWorkflow::Load(absl::string_view method,
                                                    absl::string_view field, absl::string_view name,
                                                    const Identity& caller) {
  return LoadInScope(store_, guards_.audit, now_(), method, field, name, caller);
}

void ReferralWorkflow::Audit(const Identity& caller, absl::string_view method,
                             const v1::Referral& referral, v1::AccessRecord::Outcome outcome) {
  if (guards_.audit == nullptr) return;
  guards_.audit->Record(
      AccessRecordOf(caller, method, referral.person().crn(), referral.name(), outcome, now_()));
}

v1::AccessRecord ReferralWorkflow::WriteRecord(const Identity& caller, absl::string_view method,
                                               const v1::Referral& referral) {
  return AccessRecordOf(caller, method, referral.person().crn(), referral.name(),
                        v1::AccessRecord::OUTCOME_ALLOWED, now_());
}

absl::StatusOr<v1::Referral> ReferralWorkflow::CreateReferral(
    const v1::CreateReferralRequest& request, const Identity& caller) {
  if (absl::Status status = RequireReferrer(caller, "create"); !status.ok()) return status;
  if (request.request_id().empty()) {
    return InvalidFieldError("request_id", "is required, so that a retry is recognised");
  }
  if (request.request_id().size() > kMaxRequestIdLength) {
    return InvalidFieldError("request_id",
                             absl::StrCat("at most ", kMaxRequestIdLength, " characters"));
  }
  const v1::Referral& proposed = request.referral();
  if (proposed.intervention().empty()) {
    return InvalidFieldError("referral.intervention", "is required: \"interventions/{id}\"");
  }
  absl::StatusOr<catalogue::v1::Intervention> intervention =
      interventions_.GetIntervention(proposed.intervention());
  if (!intervention.ok()) return intervention.status();
  const v1::StateMachine* machine = machines_.For(intervention->kind());
  if (machine == nullptr) {
    return PreconditionError(reason::kNotReferrable, "INTERVENTION_KIND", proposed.intervention(),
                             absl::StrCat(intervention->title(),
                                          " is not referred to: referrals are made to "
                                          "accredited programmes, structured interventions "
                                          "and CRS"));
  }

  const absl::Time now = now_();
  ReferralWrite write;
  v1::Referral& referral = write.referral;
  referral.set_intervention(intervention->name());
  referral.set_kind(intervention->kind());
  *referral.mutable_person() = proposed.person();
  referral.set_region(proposed.region());
  referral.set_provider(proposed.provider());
  referral.set_reason_for_referral(proposed.reason_for_referral());
  referral.set_complexity_level(proposed.complexity_level());
  *referral.mutable_desired_outcomes() = proposed.desired_outcomes();
  *referral.mutable_contact() = proposed.contact();
  if (absl::Status status = ValidateDraft(referral); !status.ok()) return status;
  if (absl::Status status = CheckMayCreate(caller, referral); !status.ok()) return status;
  referral.set_id(NewRecordId());
  referral.set_name(ResourceName(kReferrals, referral.id()));
  referral.set_state(machine->initial_state());
  referral.set_created_by(caller.actor);
  *referral.mutable_create_time() = ToTimestamp(now);
  *referral.mutable_update_time() = ToTimestamp(now);
  *referral.mutable_state_time() = ToTimestamp(now);
  v1::HistoryEntry& entry = write.history.emplace();
  entry.set_to_state(machine->initial_state());
  entry.set_actor(caller.actor);
  entry.set_role(caller.role);
  entry.set_action("create");
  *entry.mutable_occurred_at() = ToTimestamp(now);
  write.event_type = v1::ReferralEvent::TYPE_CREATED;
  write.access = WriteRecord(caller, "CreateReferral", referral);

  for (int attempt = 0;; ++attempt) {
    referral.set_reference(NewReference());
    absl::StatusOr<CreateResult> created = store_.Create(write, request.request_id());
    if (created.ok()) {
      // A retry gets what its first call created; a request id another caller used does not
      // show them a referral they may not see.
      if (!created->created && !InScope(caller, created->referral)) {
        return WithReason(
            absl::AlreadyExistsError(
                "request_id: already used to create another referral; send a new one"),
            reason::kRequestIdReused);
      }
      return created->referral;
    }
    // ABORTED here means the random reference was taken: draw another.
    if (created.status().code() != absl::StatusCode::kAborted ||
        attempt + 1 == kReferenceAttempts) {
      return WithoutNameOutOfScope(created.status(), caller, "CreateReferral",
                                   referral.person().crn());
    }
  }
}

absl::Status ReferralWorkflow::WithoutNameOutOfScope(const absl::Status& status,
                                                     const Identity& caller,
                                                     absl::string_view method,
                                                     absl::string_view crn) {
  constexpr absl::string_view kNamePrefix = ": referrals/";
  const size_t named = status.message().rfind(kNamePrefix);
  if (status.code() != absl::StatusCode::kAlreadyExists || named == absl::string_view::npos) {
    return status;
  }
  const absl::string_view id = status.message().substr(named + kNamePrefix.size());
  const absl::StatusOr<v1::Referral> existing = store_.Get(id);
  if (existing.ok() && InScope(caller, *existing)) {
    return WithReason(status, reason::kReferralAlreadyOpen,
                      {{"referral", absl::StrCat("referrals/", id)}});
  }
  // The admins reading the audit may see which referral it was; the caller learns nothing
  // of it but that it exists, in words that are the same whoever holds it.
  if (guards_.audit != nullptr) {
    guards_.audit->Record(AccessRecordOf(caller, method, crn, existing.ok() ? existing->name() : "",
                                         v1::AccessRecord::OUTCOME_REFUSED_OUT_OF_SCOPE, now_()));
  }
  if (guards_.refusals != nullptr && !guards_.refusals->Allow(caller.actor)) {
    return WithRetryDelay(WithReason(absl::ResourceExhaustedError(
                                         "too many refusals for referrals you cannot see; try "
                                         "again later"),
                                     reason::kRateLimited),
                          absl::Minutes(1));
  }
  return WithReason(
      absl::AlreadyExistsError("the person already has an open referral to this intervention"),
      reason::kReferralAlreadyOpen);
}

absl::StatusOr<v1::Referral> ReferralWorkflow::GetReferral(const v1::GetReferralRequest& request,
                                                           const Identity& caller) {
  absl::StatusOr<v1::Referral> referral = Load("GetReferral", "name", request.name(), caller);
  if (referral.ok()) Audit(caller, "GetReferral", *referral);
  return referral;
}

absl::StatusOr<v1::ListReferralsResponse> ReferralWorkflow::ListReferrals(
    const v1::ListReferralsRequest& request, const Identity& caller) {
  absl::StatusOr<CaseloadQuery> query = ResolveCaseloadQuery(request, caller);
  if (!query.ok()) return query.status();
  absl::StatusOr<ListPage> page = store_.List(query->query);
  if (!page.ok()) return page.status();
  v1::ListReferralsResponse response;
  response.set_total_size(page->total_size);
  response.set_total_size_capped(page->total_capped);
  for (v1::Referral& referral : page->referrals) {
    Audit(caller, "ListReferrals", referral);
    *response.add_referrals() = std::move(referral);
  }
  if (page->more && !response.referrals().empty()) {
    response.set_next_page_token(NextPageToken(*query, *response.referrals().rbegin()));
  }
  return response;
}

absl::StatusOr<v1::Referral> ReferralWorkflow::UpdateReferral(
    const v1::UpdateReferralRequest& request, const Identity& caller) {
  if (absl::Status status = RequireReferrer(caller, "update"); !status.ok()) return status;
  const v1::Referral& changes = request.referral();
  if (changes.etag().empty()) return InvalidFieldError("referral.etag", "is required");
  if (request.update_mask().paths().empty()) {
    return InvalidFieldError("update_mask", "name the fields to change");
  }
  for (const std::string& path : request.update_mask().paths()) {
    if (std::find(std::begin(kUpdatableFields), std::end(kUpdatableFields), path) ==
        std::end(kUpdatableFields)) {
      return InvalidFieldError(
          "update_mask", absl::StrCat("\"", path, "\" cannot be changed; the fields that can are ",
                                      absl::StrJoin(kUpdatableFields, ", ")));
    }
  }
  absl::StatusOr<v1::Referral> current =
      Load("UpdateReferral", "referral.name", changes.name(), caller);
  if (!current.ok()) return current.status();
  if (absl::Status status = CheckEtag(*current, changes.etag()); !status.ok()) return status;
  const v1::StateMachine* machine = machines_.For(current->kind());
  if (current->state() != machine->initial_state()) {
    return PreconditionError(reason::kWrongState, "STATE", current->name(),
                             absl::StrCat("only a draft can be updated; this referral is ",
                                          v1::ReferralState_Name(current->state())));
  }

  ReferralWrite write;
  write.referral = *current;
  v1::Referral& referral = write.referral;
  for (const std::string& path : request.update_mask().paths()) {
    if (path == "person") *referral.mutable_person() = changes.person();
    if (path == "region") referral.set_region(changes.region());
    if (path == "provider") referral.set_provider(changes.provider());
    if (path == "reason_for_referral")
      referral.set_reason_for_referral(changes.reason_for_referral());
    if (path == "complexity_level") referral.set_complexity_level(changes.complexity_level());
    if (path == "desired_outcomes")
      *referral.mutable_desired_outcomes() = changes.desired_outcomes();
    if (path == "contact") *referral.mutable_contact() = changes.contact();
  }
  if (absl::Status status = ValidateDraft(referral); !status.ok()) return status;
  if (absl::Status status = CheckMayCreate(caller, referral); !status.ok()) return status;
  *referral.mutable_update_time() = ToTimestamp(now_());
  write.event_type = v1::ReferralEvent::TYPE_UPDATED;
  for (const std::string& path : request.update_mask().paths()) {
    if (!absl::c_linear_search(write.changed_fields, path)) write.changed_fields.push_back(path);
  }
  write.access = WriteRecord(caller, "UpdateReferral", referral);
  absl::StatusOr<v1::Referral> updated = store_.Update(write, changes.etag());
  if (!updated.ok()) {
    return WithoutNameOutOfScope(updated.status(), caller, "UpdateReferral",
                                 referral.person().crn());
  }
  return updated;
}

absl::StatusOr<v1::Referral> ReferralWorkflow::SubmitReferral(
    const v1::SubmitReferralRequest& request, const Identity& caller) {
  if (absl::Status status = RequirePerson(caller); !status.ok()) return status;
  if (request.etag().empty()) return InvalidFieldError("etag", "is required");
  if (request.override_reason().size() > kMaxTextLength) {
    return InvalidFieldError("override_reason",
                             absl::StrCat("at most ", kMaxTextLength, " characters"));
  }
  absl::StatusOr<v1::Referral> referral = Load("SubmitReferral", "name", request.name(), caller);
  if (!referral.ok()) return referral.status();
  const v1::Transition* submission = machines_.Submission(referral->kind());
  if (!RoleMayMake(*submission, caller.role)) {
    return absl::PermissionDeniedError(absl::StrCat("the ", common::v1::Role_Name(caller.role),
                                                    " role may not submit a referral"));
  }
  if (referral->state() != submission->from(0)) {
    return PreconditionError(reason::kWrongState, "STATE", referral->name(),
                             absl::StrCat("only a draft can be submitted; this referral is ",
                                          v1::ReferralState_Name(referral->state())));
  }
  if (absl::Status status = CheckEtag(*referral, request.etag()); !status.ok()) return status;

  // The referral's region is where it is made; it stands for the person's if that is unset.
  common::v1::PersonProfile person = referral->person();
  if (person.region().empty()) person.set_region(referral->region());
  absl::StatusOr<eligibility::v1::Verdict> verdict =
      eligibility_.CheckEligibility(person, referral->intervention());
  if (!verdict.ok()) return verdict.status();
  const bool overridden = !absl::StripAsciiWhitespace(request.override_reason()).empty();
  if (verdict->outcome() == eligibility::v1::OUTCOME_NOT_ELIGIBLE && !overridden) {
    return NotEligibleError(*verdict);
  }
  *referral->mutable_eligibility() = *std::move(verdict);
  referral->set_override_reason(request.override_reason());
  *referral->mutable_submit_time() = ToTimestamp(now_());
  const ResolvedTransition move{submission, static_cast<v1::ReferralState>(submission->from(0)),
                                submission->to()};
  return Move("SubmitReferral", *std::move(referral), move, request.etag(), caller, "",
              overridden ? request.override_reason() : "", v1::ReferralEvent::TYPE_SUBMITTED);
}

absl::StatusOr<v1::Referral> ReferralWorkflow::TransitionReferral(
    const v1::TransitionReferralRequest& request, const Identity& caller) {
  if (absl::Status status = RequirePerson(caller); !status.ok()) return status;
  if (request.etag().empty()) return InvalidFieldError("etag", "is required");
  if (request.to_state() == v1::REFERRAL_STATE_UNSPECIFIED ||
      !v1::ReferralState_IsValid(request.to_state())) {
    return InvalidFieldError("to_state", "must be a referral state");
  }
  if (request.notes().size() > kMaxTextLength) {
    return InvalidFieldError("notes", absl::StrCat("at most ", kMaxTextLength, " characters"));
  }
  absl::StatusOr<v1::Referral> referral =
      Load("TransitionReferral", "name", request.name(), caller);
  if (!referral.ok()) return referral.status();
  if (absl::Status status = CheckEtag(*referral, request.etag()); !status.ok()) return status;
  absl::StatusOr<ResolvedTransition> transition = machines_.Find(
      referral->kind(), referral->state(), referral->held_from(), request.to_state(), caller.role);
  if (!transition.ok()) return transition.status();
  if (transition->transition->submission()) {
    return PreconditionError(reason::kTransitionNotAllowed, "TRANSITION", referral->name(),
                             "submit a draft with SubmitReferral, which checks eligibility");
  }
  if (absl::Status status =
          CheckNotDrivenByDelivery(*transition->transition, caller.role, referral->name());
      !status.ok()) {
    return status;
  }
  if (absl::Status status = machines_.CheckReason(referral->kind(), *transition,
                                                  request.reason_code(), request.notes());
      !status.ok()) {
    return status;
  }
  return Move("TransitionReferral", *std::move(referral), *transition, request.etag(), caller,
              request.reason_code(), request.notes(), v1::ReferralEvent::TYPE_TRANSITIONED);
}

absl::StatusOr<v1::Referral> ReferralWorkflow::Move(absl::string_view method, v1::Referral referral,
                                                    const ResolvedTransition& transition,
                                                    absl::string_view etag, const Identity& caller,
                                                    absl::string_view reason_code,
                                                    absl::string_view notes,
                                                    v1::ReferralEvent::Type event_type) {
  ReferralWrite write;
  write.referral = std::move(referral);
  ApplyMove(machines_, transition, caller, reason_code, notes, now_(), write);
  write.event_type = event_type;
  write.access = WriteRecord(caller, method, write.referral);
  absl::StatusOr<v1::Referral> moved = store_.Update(write, etag);
  // Submission is where the one-open-referral rule bites: another submitted referral of the
  // person to the intervention, perhaps one the caller cannot see.
  if (!moved.ok()) {
    return WithoutNameOutOfScope(moved.status(), caller, method, write.referral.person().crn());
  }
  return moved;
}

absl::StatusOr<v1::ListAllowedTransitionsResponse> ReferralWorkflow::ListAllowedTransitions(
    const v1::ListAllowedTransitionsRequest& request, const Identity& caller) {
  if (absl::Status status = RequirePerson(caller); !status.ok()) return status;
  absl::StatusOr<v1::Referral> referral =
      Load("ListAllowedTransitions", "name", request.name(), caller);
  if (!referral.ok()) return referral.status();
  Audit(caller, "ListAllowedTransitions", *referral);
  const v1::StateMachine* machine = machines_.For(referral->kind());
  v1::ListAllowedTransitionsResponse response;
  for (const ResolvedTransition& allowed :
       machines_.Allowed(referral->kind(), referral->state(), referral->held_from(), caller.role)) {
    v1::AllowedTransition* transition = response.add_transitions();
    transition->set_action(allowed.transition->action());
    transition->set_title(allowed.transition->title());
    transition->set_to_state(allowed.to);
    transition->set_reason_required(allowed.transition->reason_required());
    transition->set_notes_required(allowed.transition->notes_required());
    for (const v1::ReasonCodeList& list : machine->reason_code_lists()) {
      if (list.name() == allowed.transition->reason_codes()) {
        *transition->mutable_reason_codes() = list.codes();
      }
    }
  }
  return response;
}

absl::StatusOr<v1::GetReferralHistoryResponse> ReferralWorkflow::GetReferralHistory(
    const v1::GetReferralHistoryRequest& request, const Identity& caller) {
  absl::StatusOr<v1::Referral> referral =
      Load("GetReferralHistory", "name", request.name(), caller);
  if (!referral.ok()) return referral.status();
  Audit(caller, "GetReferralHistory", *referral);
  absl::StatusOr<std::vector<v1::HistoryEntry>> entries = store_.History(referral->id());
  if (!entries.ok()) return entries.status();
  v1::GetReferralHistoryResponse response;
  for (v1::HistoryEntry& entry : *entries) *response.add_entries() = std::move(entry);
  return response;
}

absl::StatusOr<v1::StateMachine> ReferralWorkflow::GetStateMachine(
    const v1::GetStateMachineRequest& request) {
  if (request.kind() == catalogue::v1::INTERVENTION_KIND_UNSPECIFIED ||
      !catalogue::v1::InterventionKind_IsValid(request.kind())) {
    return InvalidFieldError("kind", "is required");
  }
  const v1::StateMachine* machine = machines_.For(request.kind());
  if (machine == nullptr) {
    return absl::NotFoundError(absl::StrCat("no referral state machine for ",
                                            catalogue::v1::InterventionKind_Name(request.kind())));
  }
  return *machine;
}

absl::StatusOr<v1::ExportPersonDataResponse> ReferralWorkflow::ExportPersonData(
    const v1::ExportPersonDataRequest& request, const Identity& caller) {
  if (absl::Status status = RequirePerson(caller); !status.ok()) return status;
  if (!AccessPolicy::Embedded().For(caller.role).exports_person_data()) {
    return absl::PermissionDeniedError("only an admin may export a person's data");
  }
  if (!IsCrn(request.crn())) {
    return InvalidFieldError("crn", "must be one capital letter and six digits, e.g. X123456");
  }
  // A limited-access case the caller is kept out of answers as a person with nothing held.
  if (!MaySeePerson(caller, request.crn())) {
    return absl::NotFoundError(absl::StrCat("nothing is held about ", request.crn()));
  }
  absl::StatusOr<std::vector<v1::Referral>> referrals = store_.ReferralsOfPerson(request.crn());
  if (!referrals.ok()) return referrals.status();
  v1::ExportPersonDataResponse response;
  response.set_crn(request.crn());
  for (v1::Referral& referral : *referrals) {
    absl::StatusOr<std::vector<v1::HistoryEntry>> history = store_.History(referral.id());
    if (!history.ok()) return history.status();
    absl::StatusOr<std::vector<v1::ChangelogEntry>> changelog = store_.Changelog(referral.id());
    if (!changelog.ok()) return changelog.status();
    absl::StatusOr<std::vector<delivery::v1::Appointment>> appointments =
        store_.AppointmentsOf(referral.id());
    if (!appointments.ok()) return appointments.status();
    absl::StatusOr<std::optional<delivery::v1::ActionPlan>> plan =
        store_.GetActionPlan(referral.id());
    if (!plan.ok()) return plan.status();
    absl::StatusOr<std::optional<delivery::v1::EndOfServiceReport>> report =
        store_.GetEndOfServiceReport(referral.id());
    if (!report.ok()) return report.status();
    absl::StatusOr<std::vector<delivery::v1::Group>> groups =
        store_.GroupsOfReferral(referral.id());
    if (!groups.ok()) return groups.status();
    v1::PersonReferral* entry = response.add_referrals();
    for (const delivery::v1::Group& group : *groups) {
      *entry->add_groups() = ParticipationIn(group, referral.name());
    }
    for (delivery::v1::Appointment& appointment : *appointments) {
      *entry->add_appointments() = std::move(appointment);
    }
    if (plan->has_value()) *entry->mutable_action_plan() = **plan;
    if (report->has_value()) *entry->mutable_end_of_service_report() = **report;
    *entry->mutable_referral() = std::move(referral);
    for (v1::HistoryEntry& item : *history) *entry->add_history() = std::move(item);
    for (v1::ChangelogEntry& item : *changelog) *entry->add_changelog() = std::move(item);
  }
  absl::StatusOr<std::vector<v1::ReferralEvent>> events = store_.EventsOfPerson(request.crn());
  if (!events.ok()) return events.status();
  for (v1::ReferralEvent& event : *events) *response.add_events() = std::move(event);
  // Who has read or changed the person's data, oldest first, read a page at a time. This
  // export's own record is written after it, in the next batch.
  if (guards_.audit != nullptr) {
    guards_.audit->Record(AccessRecordOf(caller, "ExportPersonData", request.crn(), "",
                                         v1::AccessRecord::OUTCOME_ALLOWED, now_()));
  }
  AccessRecordQuery query;
  query.crn = request.crn();
  query.page_size = kMaxPageSize;
  while (true) {
    absl::StatusOr<std::vector<v1::AccessRecord>> records = store_.ListAccessRecords(query);
    if (!records.ok()) return records.status();
    const bool more = static_cast<int>(records->size()) > query.page_size;
    if (more) records->pop_back();
    for (v1::AccessRecord& record : *records) *response.add_access_records() = std::move(record);
    if (!more || response.access_records().empty()) break;
    const v1::AccessRecord& last = *response.access_records().rbegin();
    query.after.emplace(TimeUtil::TimestampToMicroseconds(last.time()), last.id());
  }
  std::reverse(response.mutable_access_records()->begin(),
               response.mutable_access_records()->end());
  return response;
}

absl::StatusOr<v1::Referral> ReferralWorkflow::AmendReferral(
    const v1::AmendReferralRequest& request, const Identity& caller) {
  if (absl::Status status = RequirePerson(caller); !status.ok()) return status;
  const std::string& etag = request.referral().etag();
  if (etag.empty()) return InvalidFieldError("referral.etag", "is required");
  absl::StatusOr<v1::Referral> current =
      Load("AmendReferral", "referral.name", request.referral().name(), caller);
  if (!current.ok()) return current.status();
  if (absl::Status status = CheckEtag(*current, etag); !status.ok()) return status;
  const v1::StateInfo* state = machines_.State(current->kind(), current->state());
  if (current->state() == machines_.For(current->kind())->initial_state() ||
      (state != nullptr && state->terminal())) {
    return PreconditionError(
        reason::kWrongState, "STATE", current->name(),
        absl::StrCat("only a submitted, open referral is amended; this one is ",
                     v1::ReferralState_Name(current->state()),
                     current->state() == v1::REFERRAL_STATE_DRAFT ? " (use UpdateReferral)" : ""));
  }
  const absl::Time now = now_();
  ReferralWrite write;
  write.referral = *current;
  absl::StatusOr<std::vector<v1::ChangelogEntry>> changes =
      ApplyAmendment(machines_, request, caller, now, write.referral);
  if (!changes.ok()) return changes.status();
  // Nothing differs from what is stored: nothing to write down.
  if (changes->empty()) return current;
  if (absl::Status status = ValidateDraft(write.referral); !status.ok()) return status;
  *write.referral.mutable_update_time() = ToTimestamp(now);
  const std::string next_etag = absl::StrCat(VersionOfEtag(etag) + 1);
  for (v1::ChangelogEntry& change : *changes) change.set_etag(next_etag);
  // A change of assignee is an assignment, whatever else changed with it.
  const bool assigned = absl::c_any_of(
      *changes, [](const v1::ChangelogEntry& change) { return change.field() == "assignee"; });
  write.changelog = *std::move(changes);
  write.event_type = assigned ? v1::ReferralEvent::TYPE_ASSIGNED : v1::ReferralEvent::TYPE_AMENDED;
  write.access = WriteRecord(caller, "AmendReferral", write.referral);
  absl::StatusOr<v1::Referral> amended = store_.Update(write, etag);
  if (!amended.ok()) {
    return WithoutNameOutOfScope(amended.status(), caller, "AmendReferral",
                                 write.referral.person().crn());
  }
  return amended;
}

absl::StatusOr<v1::GetReferralChangelogResponse> ReferralWorkflow::GetReferralChangelog(
    const v1::GetReferralChangelogRequest& request, const Identity& caller) {
  absl::StatusOr<v1::Referral> referral =
      Load("GetReferralChangelog", "name", request.name(), caller);
  if (!referral.ok()) return referral.status();
  Audit(caller, "GetReferralChangelog", *referral);
  absl::StatusOr<std::vector<v1::ChangelogEntry>> entries = store_.Changelog(referral->id());
  if (!entries.ok()) return entries.status();
  v1::GetReferralChangelogResponse response;
  for (v1::ChangelogEntry& entry : *entries) *response.add_entries() = std::move(entry);
  return response;
}

absl::StatusOr<int> ReferralWorkflow::PurgeStaleDrafts() {
  return store_.PurgeDraftsUntouchedSince(now_() - kDraftRetention);
}

}  // namespace probation::referrals
