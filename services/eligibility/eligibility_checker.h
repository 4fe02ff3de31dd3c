// The eligibility service's operations over one catalogue snapshot, in plain C++: validate
// the request, judge the person, build the verdicts and the pathway. The gRPC layer only
// picks the current checker and maps statuses.
#ifndef PROBATION_SERVICES_ELIGIBILITY_ELIGIBILITY_CHECKER_H_
#define PROBATION_SERVICES_ELIGIBILITY_ELIGIBILITY_CHECKER_H_

#include <functional>
#include <memory>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "probation/eligibility/v1/eligibility_service.pb.h"
#include "services/eligibility/catalogue_snapshot.h"
#include "services/eligibility/eligibility_engine.h"
#include "services/eligibility/pathway_builder.h"

namespace probation::eligibility {

class EligibilityChecker {
 public:
  // `today` gives the date a profile without as_of_date is judged at (UTC by default).
  EligibilityChecker(std::shared_ptr<const CatalogueSnapshot> catalogue,
                     std::shared_ptr<const PathwayBuilder> pathway,
                     std::function<absl::CivilDay()> today = nullptr);

  const CatalogueSnapshot& catalogue() const { return *catalogue_; }
  const EligibilityEngine& engine() const { return engine_; }

  absl::StatusOr<v1::Verdict> CheckEligibility(const v1::CheckEligibilityRequest& request) const;

  absl::StatusOr<v1::FindEligibleInterventionsResponse> FindEligibleInterventions(
      const v1::FindEligibleInterventionsRequest& request) const;

  // One screening; an invalid profile is returned as the error to put on its response.
  absl::StatusOr<v1::ScreenCaseloadResponse> Screen(const v1::ScreenCaseloadRequest& request) const;

 private:
  struct Judged {
    ProfileFacts facts;
    Screening screening;
  };

  // Validates the filters and the profile, then screens the person.
  absl::StatusOr<Judged> Judge(const common::v1::PersonProfile& person,
                               catalogue::v1::InterventionKind kind, common::v1::NeedArea need_area,
                               v1::VerdictView view) const;

  // The pathway's steps that pass the filters, each with its intervention's index.
  std::vector<std::pair<int, v1::PathwayStep>> Pathway(const ProfileFacts& facts,
                                                       const Screening& screening,
                                                       catalogue::v1::InterventionKind kind,
                                                       common::v1::NeedArea need_area) const;

  std::shared_ptr<const CatalogueSnapshot> catalogue_;
  std::shared_ptr<const PathwayBuilder> pathway_;
  std::function<absl::CivilDay()> today_;
  EligibilityEngine engine_;
};

// Today's date in UTC.
absl::CivilDay TodayUtc();

}  // namespace probation::eligibility

#endif  // PROBATION_SERVICES_ELIGIBILITY_ELIGIBILITY_CHECKER_H_
