#include "services/referrals/domain/caseload_query.h"

#include <algorithm>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/util/time_util.h"
#include "libs/pagination/page_token.h"
#include "libs/status/field_error.h"
#include "services/referrals/domain/access_policy.h"
#include "services/referrals/domain/referral_scope.h"

namespace probation::referrals {
namespace {

using google::protobuf::util::TimeUtil;
using Request = v1::ListReferralsRequest;

struct OrderOption {
  absl::string_view text;
  ListOrder order;
};

// AIP-132 order_by values, normalised to lower case and single spaces.
constexpr OrderOption kOrders[] = {
    {"", ListOrder::kNewest},
    {"create_time desc", ListOrder::kNewest},
    {"create_time", ListOrder::kOldest},
    {"create_time asc", ListOrder::kOldest},
    {"update_time desc", ListOrder::kRecentlyUpdated},
    {"update_time", ListOrder::kLeastRecentlyUpdated},
    {"update_time asc", ListOrder::kLeastRecentlyUpdated},
};

struct GroupOption {
  Request::StateGroup group;
  StateGroup store_group;
};
constexpr GroupOption kGroups[] = {
    {Request::STATE_GROUP_UNSPECIFIED, StateGroup::kAny},
    {Request::STATE_GROUP_DRAFT, StateGroup::kDraft},
    {Request::STATE_GROUP_OPEN, StateGroup::kOpen},
    {Request::STATE_GROUP_CLOSED, StateGroup::kClosed},
};

// Two capital letters, four digits, two capital letters, e.g. AB1234CD.
bool IsReference(absl::string_view reference) {
  if (reference.size() != 8) return false;
  for (size_t i = 0; i < reference.size(); ++i) {
    const bool digit = i >= 2 && i < 6;
    if (digit ? !absl::ascii_isdigit(reference[i]) : !absl::ascii_isupper(reference[i])) {
      return false;
    }
  }
  return true;
}

bool ByUpdateTime(ListOrder order) {
  return order == ListOrder::kRecentlyUpdated || order == ListOrder::kLeastRecentlyUpdated;
}

}  // namespace

bool IsCrn(absl::string_view crn) {
  return crn.size() == 7 && absl::ascii_isupper(crn[0]) &&
         std::all_of(crn.begin() + 1, crn.end(), [](char c) { return absl::ascii_isdigit(c); });
}

absl::StatusOr<CaseloadQuery> ResolveCaseloadQuery(const Request& request, const Identity& caller) {
  if (absl::Status status = RequirePerson(caller); !status.ok()) return status;
  absl::StatusOr<int> page_size = ResolvePageSize(request.page_size());
  if (!page_size.ok()) return page_size.status();
  if (!v1::ReferralState_IsValid(request.state())) {
    return InvalidFieldError("state", "unknown value");
  }
  if (!request.crn().empty() && !IsCrn(request.crn())) {
    return InvalidFieldError("crn", "must be one capital letter and six digits, e.g. X123456");
  }
  CaseloadQuery resolved;
  ListQuery& query = resolved.query;
  query.state = request.state();
  query.intervention = request.intervention();
  query.region = request.region();
  query.crn = request.crn();
  query.provider = request.provider();
  query.page_size = *page_size;

  const std::string query_text = absl::AsciiStrToUpper(absl::StripAsciiWhitespace(request.query()));
  if (IsCrn(query_text)) {
    if (!query.crn.empty() && query.crn != query_text) {
      return InvalidFieldError("query", "names another CRN than `crn`");
    }
    query.crn = query_text;
  } else if (IsReference(query_text)) {
    query.reference = query_text;
  } else if (!query_text.empty()) {
    return InvalidFieldError("query", "must be a referral reference (AB1234CD) or a CRN (X123456)");
  }

  const auto group = std::find_if(std::begin(kGroups), std::end(kGroups), [&](const auto& option) {
    return option.group == request.state_group();
  });
  if (group == std::end(kGroups)) return InvalidFieldError("state_group", "unknown value");
  query.state_group = group->store_group;

  switch (request.caseload()) {
    case Request::CASELOAD_UNSPECIFIED:
      break;
    case Request::CASELOAD_MINE: {
      // Whose referrals are "mine": the referrer's are those they made, the delivery side's
      // those assigned to them.
      switch (AccessPolicy::Embedded().For(caller.role).caseload()) {
        case data::v1::CASELOAD_REFERRED:
          query.created_by = caller.actor;
          break;
        case data::v1::CASELOAD_ASSIGNED:
          query.assignee = caller.actor;
          break;
        default:
          return absl::PermissionDeniedError("your role has no caseload of its own");
      }
      break;
    }
    case Request::CASELOAD_UNASSIGNED:
      if (query.state_group != StateGroup::kAny && query.state_group != StateGroup::kOpen) {
        return InvalidFieldError("state_group", "the unassigned referrals are open ones");
      }
      query.assignee = "";
      query.state_group = StateGroup::kOpen;
      break;
    case Request::CASELOAD_NEEDS_APPROVAL:
      query.action_plan_submitted = true;
      break;
    default:
      return InvalidFieldError("caseload", "unknown value");
  }

  const std::string order_text = absl::StrJoin(
      absl::StrSplit(absl::AsciiStrToLower(request.order_by()), ' ', absl::SkipEmpty()), " ");
  const auto order =
      std::find_if(std::begin(kOrders), std::end(kOrders),
                   [&](const OrderOption& option) { return option.text == order_text; });
  if (order == std::end(kOrders)) {
    return InvalidFieldError(
        "order_by",
        "must be \"create_time desc\", \"create_time\", \"update_time desc\" or "
        "\"update_time\"");
  }
  query.order = order->order;
  if (absl::Status status = NarrowToScope(caller, query); !status.ok()) return status;

  // The token is bound to what the caller asked and who they are (a "mine" view differs per
  // caller).
  resolved.fingerprint = FilterFingerprint(absl::StrCat(
      "state=", request.state(), "\nintervention=", query.intervention, "\nregion=", query.region,
      "\ncrn=", query.crn, "\nprovider=", query.provider, "\nreference=", query.reference,
      "\ncreated_by=", query.created_by, "\nassignee=", query.assignee.value_or("(any)"),
      "\nstate_group=", static_cast<int>(query.state_group), "\norder=",
      static_cast<int>(query.order), "\naction_plan_submitted=", query.action_plan_submitted));
  absl::StatusOr<std::optional<KeysetPosition>> after =
      DecodeKeysetPageToken(request.page_token(), resolved.fingerprint);
  if (!after.ok()) return after.status();
  if (after->has_value()) query.after = std::make_pair((*after)->key, (*after)->id);
  return resolved;
}

std::string NextPageToken(const CaseloadQuery& query, const v1::Referral& last) {
  const google::protobuf::Timestamp& key =
      ByUpdateTime(query.query.order) ? last.update_time() : last.create_time();
  return EncodeKeysetPageToken({TimeUtil::TimestampToMicroseconds(key), last.id()},
                               query.fingerprint);
}

}  // namespace probation::referrals
