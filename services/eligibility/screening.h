// One person's outcomes across a whole catalogue, by intervention index: what the engine
// works out first, and what criteria about other interventions' verdicts read.
#ifndef PROBATION_SERVICES_ELIGIBILITY_SCREENING_H_
#define PROBATION_SERVICES_ELIGIBILITY_SCREENING_H_

#include <cstdint>
#include <vector>

#include "probation/eligibility/v1/verdict.pb.h"

namespace probation::eligibility {

struct Screening {
  std::vector<v1::Outcome> outcomes;
  std::vector<uint8_t> prioritised;
  // Whether the brochures list the intervention for the person's region at all. One they do
  // not list cannot be referred to, so it does not make a person "eligible for an
  // accredited programme" in another criterion's eyes.
  std::vector<uint8_t> listed;
  // Eligible only through a branch marked exceptional: not proposed in a pathway.
  std::vector<uint8_t> exceptional;
};

}  // namespace probation::eligibility

#endif  // PROBATION_SERVICES_ELIGIBILITY_SCREENING_H_
