// FindInterventions' answer, encoded straight from its parts: each match joins an
// intervention's stored encoding (CatalogueCache) with its verdict as eligibility encoded it
// and its places, so no intervention or verdict is parsed, copied or encoded again.
#ifndef PROBATION_GATEWAY_FIND_INTERVENTIONS_RESPONSE_H_
#define PROBATION_GATEWAY_FIND_INTERVENTIONS_RESPONSE_H_

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "gateway/catalogue_cache.h"
#include "gateway/wire_views.pb.h"
#include "probation/referrals/v1/capacity.pb.h"

namespace probation::gateway {

// Each intervention's places in the person's region (one per provider for a CRS), by name.
using PlacesByIntervention =
    absl::flat_hash_map<std::string, std::vector<referrals::v1::Availability*>>;

// The encoded probation.gateway.v1.FindInterventionsResponse: a match per verdict, in the
// verdicts' order, for each intervention `interventions` holds (one missing was changed
// between the two reads); places only on eligible matches; then the pathway. Moves out of
// `places`; INTERNAL if a verdict is not a Verdict's encoding.
absl::StatusOr<std::string> EncodeFindInterventionsResponse(
    const EncodedInterventions& interventions, const internal::EncodedVerdicts& verdicts,
    PlacesByIntervention& places, bool availability_unknown);

}  // namespace probation::gateway

#endif  // PROBATION_GATEWAY_FIND_INTERVENTIONS_RESPONSE_H_
