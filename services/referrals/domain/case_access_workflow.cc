#include "services/referrals/domain/case_access_workflow.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "google/protobuf/util/time_util.h"
#include "libs/pagination/page_token.h"
#include "libs/status/field_error.h"
#include "services/referrals/domain/access_policy.h"
#include "services/referrals/domain/case_access_rules.h"
#include "services/referrals/domain/caseload_query.h"

namespace probation::referrals {
namespace {

using google::protobuf::util::TimeUtil;

constexpr int kMaxReasonLength = 4000;
constexpr int kMaxActors = 500;
constexpr int kMaxActorLength = 200;

absl::Status RequireManager(const Identity& caller) {
  if (absl::Status status = RequirePerson(caller); !status.ok()) return status;
  if (!AccessPolicy::Embedded().For(caller.role).manages_case_access()) {
    return absl::PermissionDeniedError("only an admin may manage case access or read the audit");
  }
  return absl::OkStatus();
}

// The CRN in a case access name (read from `field`).
absl::StatusOr<std::string> CrnOf(absl::string_view field, absl::string_view name) {
  const std::string crn = CrnOfCaseAccess(name);
  if (name.empty()) return InvalidFieldError(field, "is required: \"cases/{crn}/access\"");
  if (!IsCrn(crn)) {
    return InvalidFieldError(field, "must be \"cases/{crn}/access\" with a CRN, e.g. X123456");
  }
  return crn;
}

absl::Status CheckActors(absl::string_view field,
                         const google::protobuf::RepeatedPtrField<std::string>& actors) {
  if (actors.size() > kMaxActors) {
    return InvalidFieldError(field, absl::StrCat("at most ", kMaxActors, " actors"));
  }
  for (int i = 0; i < actors.size(); ++i) {
    const std::string& actor = actors.Get(i);
    const std::string path = absl::StrCat(field, "[", i, "]");
    if (actor.empty() || actor.size() > kMaxActorLength) {
      return InvalidFieldError(
          path, absl::StrCat("an actor (a token's sub) of 1-", kMaxActorLength, " characters"));
    }
    if (std::any_of(actor.begin(), actor.end(), [](char c) { return absl::ascii_iscntrl(c); })) {
      return InvalidFieldError(path, "must be one line of text");
    }
  }
  return absl::OkStatus();
}

bool ValidTime(const google::protobuf::Timestamp& time) {
  return time.seconds() >= TimeUtil::kTimestampMinSeconds &&
         time.seconds() <= TimeUtil::kTimestampMaxSeconds && time.nanos() >= 0 &&
         time.nanos() < 1'000'000'000;
}

// What the filters of a listing are, so a page token is not reused with others.
std::string CanonicalFilters(const v1::ListAccessRecordsRequest& request) {
  return absl::StrCat("crn=", request.crn(), ";actor=", request.actor(),
                      ";start=", request.start_time().ShortDebugString(),
                      ";end=", request.end_time().ShortDebugString());
}

}  // namespace

CaseAccessWorkflow::CaseAccessWorkflow(ReferralStore& store, AccessAudit* audit,
                                       std::function<absl::Time()> now)
    : store_(store), audit_(audit), now_(now ? std::move(now) : [] { return absl::Now(); }) {}

absl::StatusOr<v1::CaseAccess> CaseAccessWorkflow::SetCaseAccess(
    const v1::SetCaseAccessRequest& request, const Identity& caller) {
  if (absl::Status status = RequireManager(caller); !status.ok()) return status;
  const v1::CaseAccess& given = request.case_access();
  absl::StatusOr<std::string> crn = CrnOf("case_access.name", given.name());
  if (!crn.ok()) return crn.status();
  if (absl::Status status = CheckActors("case_access.excluded_actors", given.excluded_actors());
      !status.ok()) {
    return status;
  }
  if (absl::Status status =
          CheckActors("case_access.restricted_to_actors", given.restricted_to_actors());
      !status.ok()) {
    return status;
  }
  if (given.excluded_actors().empty() && given.restricted_to_actors().empty()) {
    return InvalidFieldError("case_access.excluded_actors",
                             "name staff to exclude or to restrict the case to (or delete the "
                             "case's access to lift its limits)");
  }
  if (absl::StripAsciiWhitespace(given.reason()).empty()) {
    return InvalidFieldError("case_access.reason", "is required: why the case is limited");
  }
  if (given.reason().size() > kMaxReasonLength) {
    return InvalidFieldError("case_access.reason",
                             absl::StrCat("at most ", kMaxReasonLength, " characters"));
  }
  const absl::Time now = now_();
  v1::CaseAccess access;
  access.set_name(CaseAccessName(*crn));
  *access.mutable_excluded_actors() = given.excluded_actors();
  *access.mutable_restricted_to_actors() = given.restricted_to_actors();
  access.set_reason(given.reason());
  access.set_updated_by(caller.actor);
  *access.mutable_update_time() = TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(now));
  absl::StatusOr<v1::CaseAccess> stored = store_.PutCaseAccess(access, given.etag());
  if (!stored.ok()) return stored.status();
  // This replica applies it at once; the others at their next refresh.
  CaseAccessRules::Process().Put(*stored);
  if (audit_ != nullptr) {
    audit_->Record(
        AccessRecordOf(caller, "SetCaseAccess", *crn, "", v1::AccessRecord::OUTCOME_ALLOWED, now));
  }
  return stored;
}

absl::StatusOr<v1::CaseAccess> CaseAccessWorkflow::GetCaseAccess(
    const v1::GetCaseAccessRequest& request, const Identity& caller) {
  if (absl::Status status = RequireManager(caller); !status.ok()) return status;
  absl::StatusOr<std::string> crn = CrnOf("name", request.name());
  if (!crn.ok()) return crn.status();
  return store_.GetCaseAccess(*crn);
}

absl::StatusOr<v1::DeleteCaseAccessResponse> CaseAccessWorkflow::DeleteCaseAccess(
    const v1::DeleteCaseAccessRequest& request, const Identity& caller) {
  if (absl::Status status = RequireManager(caller); !status.ok()) return status;
  absl::StatusOr<std::string> crn = CrnOf("name", request.name());
  if (!crn.ok()) return crn.status();
  if (absl::Status status = store_.DeleteCaseAccess(*crn, request.etag()); !status.ok()) {
    return status;
  }
  CaseAccessRules::Process().Remove(*crn);
  if (audit_ != nullptr) {
    audit_->Record(AccessRecordOf(caller, "DeleteCaseAccess", *crn, "",
                                  v1::AccessRecord::OUTCOME_ALLOWED, now_()));
  }
  return v1::DeleteCaseAccessResponse();
}

absl::StatusOr<v1::ListAccessRecordsResponse> CaseAccessWorkflow::ListAccessRecords(
    const v1::ListAccessRecordsRequest& request, const Identity& caller) {
  if (absl::Status status = RequireManager(caller); !status.ok()) return status;
  absl::StatusOr<int> page_size = ResolvePageSize(request.page_size());
  if (!page_size.ok()) return page_size.status();
  if (!request.crn().empty() && !IsCrn(request.crn())) {
    return InvalidFieldError("crn", "must be one capital letter and six digits, e.g. X123456");
  }
  if (request.actor().size() > kMaxActorLength) {
    return InvalidFieldError("actor", absl::StrCat("at most ", kMaxActorLength, " characters"));
  }
  AccessRecordQuery query;
  query.crn = request.crn();
  query.actor = request.actor();
  query.page_size = *page_size;
  if (request.has_start_time()) {
    if (!ValidTime(request.start_time())) {
      return InvalidFieldError("start_time", "is not a valid time");
    }
    query.from_us = TimeUtil::TimestampToMicroseconds(request.start_time());
  }
  if (request.has_end_time()) {
    if (!ValidTime(request.end_time())) {
      return InvalidFieldError("end_time", "is not a valid time");
    }
    query.before_us = TimeUtil::TimestampToMicroseconds(request.end_time());
  }
  if (query.from_us.has_value() && query.before_us.has_value() &&
      *query.before_us <= *query.from_us) {
    return InvalidFieldError("end_time", "must be after start_time");
  }
  const uint64_t fingerprint = FilterFingerprint(CanonicalFilters(request));
  absl::StatusOr<std::optional<KeysetPosition>> position =
      DecodeKeysetPageToken(request.page_token(), fingerprint);
  if (!position.ok()) return position.status();
  if (position->has_value()) query.after.emplace((*position)->key, (*position)->id);
  absl::StatusOr<std::vector<v1::AccessRecord>> records = store_.ListAccessRecords(query);
  if (!records.ok()) return records.status();
  v1::ListAccessRecordsResponse response;
  const bool more = static_cast<int>(records->size()) > query.page_size;
  if (more) records->pop_back();
  for (v1::AccessRecord& record : *records) *response.add_records() = std::move(record);
  if (more && !response.records().empty()) {
    const v1::AccessRecord& last = *response.records().rbegin();
    response.set_next_page_token(EncodeKeysetPageToken(
        {TimeUtil::TimestampToMicroseconds(last.time()), last.id()}, fingerprint));
  }
  return response;
}

absl::Status CaseAccessWorkflow::RefreshRules() {
  absl::StatusOr<std::vector<v1::CaseAccess>> cases = store_.AllCaseAccess();
  if (!cases.ok()) return cases.status();
  CaseAccessRules::Process().Replace(*cases);
  return absl::OkStatus();
}

absl::StatusOr<int> CaseAccessWorkflow::PurgeAccessRecords(absl::Duration retention) {
  return store_.PurgeAccessRecordsBefore(now_() - retention);
}

}  // namespace probation::referrals
