// Turns a person's verdicts into a recommended pathway, following the pathway policy (data):
// stabilising services first, then an accredited programme where eligible, else a structured
// intervention, treatment requirements, CRS for needs nothing else meets, and toolkits as
// wraparound. Each step says why it was chosen.
#ifndef PROBATION_SERVICES_ELIGIBILITY_PATHWAY_BUILDER_H_
#define PROBATION_SERVICES_ELIGIBILITY_PATHWAY_BUILDER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "probation/eligibility/data/v1/pathway_policy.pb.h"
#include "probation/eligibility/v1/pathway.pb.h"
#include "services/eligibility/eligibility_engine.h"

namespace probation::eligibility {

// The policy compiled into the binary (services/eligibility/data/pathway_policy.textproto).
absl::string_view EmbeddedPathwayPolicyText();

// Parses and validates a text-format PathwayPolicy; errors name `source` and the stage.
absl::StatusOr<data::v1::PathwayPolicy> LoadPathwayPolicy(absl::string_view text,
                                                          absl::string_view source);
absl::StatusOr<data::v1::PathwayPolicy> LoadPathwayPolicyFile(const std::string& path);

class PathwayBuilder {
 public:
  explicit PathwayBuilder(data::v1::PathwayPolicy policy) : policy_(std::move(policy)) {}

  // Steps in policy order. Only ELIGIBLE interventions become steps.
  std::vector<v1::PathwayStep> Build(const CatalogueSnapshot& catalogue, const ProfileFacts& facts,
                                     const Screening& screening) const;

 private:
  data::v1::PathwayPolicy policy_;
};

}  // namespace probation::eligibility

#endif  // PROBATION_SERVICES_ELIGIBILITY_PATHWAY_BUILDER_H_
