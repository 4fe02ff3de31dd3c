#include "services/referrals/domain/case_access_rules.h"

#include <algorithm>

namespace probation::referrals {
namespace {

bool Names(const google::protobuf::RepeatedPtrField<std::string>& actors, absl::string_view actor) {
  return std::find(actors.begin(), actors.end(), actor) != actors.end();
}

bool AllowedBy(const v1::CaseAccess& access, absl::string_view actor) {
  if (Names(access.excluded_actors(), actor)) return false;
  return access.restricted_to_actors().empty() || Names(access.restricted_to_actors(), actor);
}

}  // namespace

CaseAccessRules& CaseAccessRules::Process() {
  static CaseAccessRules* const kRules = new CaseAccessRules();
  return *kRules;
}

std::shared_ptr<const CaseAccessRules::Cases> CaseAccessRules::Current() const {
  absl::MutexLock lock(&mu_);
  return cases_;
}

void CaseAccessRules::Replace(const std::vector<v1::CaseAccess>& cases) {
  auto next = std::make_shared<Cases>();
  for (const v1::CaseAccess& access : cases) (*next)[CrnOfCaseAccess(access.name())] = access;
  absl::MutexLock lock(&mu_);
  cases_ = std::move(next);
}

void CaseAccessRules::Put(const v1::CaseAccess& access) {
  absl::MutexLock lock(&mu_);
  auto next = std::make_shared<Cases>(*cases_);
  (*next)[CrnOfCaseAccess(access.name())] = access;
  cases_ = std::move(next);
}

void CaseAccessRules::Remove(absl::string_view crn) {
  absl::MutexLock lock(&mu_);
  auto next = std::make_shared<Cases>(*cases_);
  next->erase(crn);
  cases_ = std::move(next);
}

bool CaseAccessRules::Allows(absl::string_view actor, absl::string_view crn) const {
  const std::shared_ptr<const Cases> cases = Current();
  const auto it = cases->find(crn);
  return it == cases->end() || AllowedBy(it->second, actor);
}

std::vector<std::string> CaseAccessRules::HiddenFrom(absl::string_view actor) const {
  std::vector<std::string> hidden;
  for (const auto& [crn, access] : *Current()) {
    if (!AllowedBy(access, actor)) hidden.push_back(crn);
  }
  return hidden;
}

}  // namespace probation::referrals
