// The rule engine: judges a person against every intervention in a catalogue snapshot, from
// the structured criteria alone. An intervention is ELIGIBLE when every REQUIRED criterion
// and its availability are met, NOT_ELIGIBLE when any is not met, and otherwise
// NEEDS_MORE_INFORMATION. PRIORITY criteria decide only `prioritised`.
#ifndef PROBATION_SERVICES_ELIGIBILITY_ELIGIBILITY_ENGINE_H_
#define PROBATION_SERVICES_ELIGIBILITY_ELIGIBILITY_ENGINE_H_

#include <memory>
#include <vector>

#include "probation/eligibility/v1/verdict.pb.h"
#include "services/eligibility/catalogue_snapshot.h"
#include "services/eligibility/profile_facts.h"
#include "services/eligibility/screening.h"

namespace probation::eligibility {

// The name of the criterion every verdict carries for where the intervention is offered.
inline constexpr char kAvailabilityCriterion[] = "availability";

class EligibilityEngine {
 public:
  explicit EligibilityEngine(std::shared_ptr<const CatalogueSnapshot> catalogue)
      : catalogue_(std::move(catalogue)) {}

  const CatalogueSnapshot& catalogue() const { return *catalogue_; }

  // Every intervention's outcome, without explanations: the fast path for screening.
  Screening Screen(const ProfileFacts& facts) const;

  // The verdict for the intervention at `index`, given the person's screening (which holds
  // the outcomes its criteria may read). FULL adds every criterion's result and explanation.
  v1::Verdict Explain(const ProfileFacts& facts, const Screening& screening, int index,
                      v1::VerdictView view) const;

 private:
  std::shared_ptr<const CatalogueSnapshot> catalogue_;
};

}  // namespace probation::eligibility

#endif  // PROBATION_SERVICES_ELIGIBILITY_ELIGIBILITY_ENGINE_H_
