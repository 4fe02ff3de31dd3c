// The limited-access cases (HMPPS "limited access offenders") InScope applies: per CRN, staff
// excluded from the case or the only staff it is restricted to. Held in memory, one copy per
// process, replaced whole from the store now and then and changed at once by this process's
// own writes, so a stream or a listing never queries the database per row.
#ifndef PROBATION_SERVICES_REFERRALS_DOMAIN_CASE_ACCESS_RULES_H_
#define PROBATION_SERVICES_REFERRALS_DOMAIN_CASE_ACCESS_RULES_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "probation/referrals/v1/case_access.pb.h"

namespace probation::referrals {

// "cases/{crn}/access".
inline std::string CaseAccessName(absl::string_view crn) {
  return absl::StrCat("cases/", crn, "/access");
}

// The CRN a case access name holds; empty when it is not one.
inline std::string CrnOfCaseAccess(absl::string_view name) {
  if (!absl::ConsumePrefix(&name, "cases/") || !absl::ConsumeSuffix(&name, "/access")) return "";
  return std::string(name);
}

class CaseAccessRules {
 public:
  // The rules of this process; none until the service loads them.
  static CaseAccessRules& Process();

  // Replaces every rule (a refresh from the store).
  void Replace(const std::vector<v1::CaseAccess>& cases);
  void Put(const v1::CaseAccess& access);
  void Remove(absl::string_view crn);

  // Whether `actor` may see the data of the person `crn` names.
  bool Allows(absl::string_view actor, absl::string_view crn) const;
  // The CRNs whose data `actor` may not see, in no order.
  std::vector<std::string> HiddenFrom(absl::string_view actor) const;

 private:
  using Cases = absl::flat_hash_map<std::string, v1::CaseAccess>;
  // Readers take the current map and let go of the lock; writers swap in a new one.
  std::shared_ptr<const Cases> Current() const;

  mutable absl::Mutex mu_;
  std::shared_ptr<const Cases> cases_ ABSL_GUARDED_BY(mu_) = std::make_shared<Cases>();
};

}  // namespace probation::referrals

#endif  // PROBATION_SERVICES_REFERRALS_DOMAIN_CASE_ACCESS_RULES_H_
