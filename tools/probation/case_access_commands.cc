// `case-access get|set|delete`: an admin limits who may see a person's case (limited access).
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "tools/probation/commands.h"
#include "tools/probation/gateway_call.h"

namespace probation::cli {
namespace {

std::string CaseAccessName(const CommandContext& context) {
  return absl::StrCat("cases/", context.arguments.at(0), "/access");
}

}  // namespace

int CaseAccessGet(CommandContext& context) {
  referrals::v1::GetCaseAccessRequest request;
  request.set_name(CaseAccessName(context));
  return CallAndPrint(context, &Gateway::GetCaseAccess, request);
}

int CaseAccessSet(CommandContext& context) {
  OptionReader reader(context.options);
  referrals::v1::SetCaseAccessRequest request;
  referrals::v1::CaseAccess& access = *request.mutable_case_access();
  access.set_name(CaseAccessName(context));
  for (absl::string_view actor :
       absl::StrSplit(reader.String("exclude"), ',', absl::SkipWhitespace())) {
    access.add_excluded_actors(std::string(actor));
  }
  for (absl::string_view actor :
       absl::StrSplit(reader.String("restrict_to"), ',', absl::SkipWhitespace())) {
    access.add_restricted_to_actors(std::string(actor));
  }
  access.set_reason(reader.String("reason"));
  access.set_etag(reader.String("etag"));
  return CallAndPrint(context, &Gateway::SetCaseAccess, request);
}

int CaseAccessDelete(CommandContext& context) {
  OptionReader reader(context.options);
  referrals::v1::DeleteCaseAccessRequest request;
  request.set_name(CaseAccessName(context));
  request.set_etag(reader.String("etag"));
  return CallAndPrint(context, &Gateway::DeleteCaseAccess, request);
}

}  // namespace probation::cli
