// Citations of the seed brochures in data files: "001:25" (seed 001, line 25), "001:25-27"
// (a span) or "001" (a whole seed, for an entry's overall sources). Every rule in the
// catalogue and the pathway policy cites one or is marked as local policy with a reason.
#ifndef PROBATION_LIBS_TEXTPROTO_SEED_SOURCE_H_
#define PROBATION_LIBS_TEXTPROTO_SEED_SOURCE_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/repeated_ptr_field.h"

namespace probation {

struct SeedSource {
  std::string seed;    // "001"
  int first_line = 0;  // 0 when the whole seed is cited
  int last_line = 0;
};

// INVALID_ARGUMENT naming the form expected when `text` is not a citation.
absl::StatusOr<SeedSource> ParseSeedSource(absl::string_view text);

// OK when every citation parses and there is at least one, or the rule is marked as local
// policy with a reason; INVALID_ARGUMENT saying which is missing otherwise.
absl::Status CheckCited(const google::protobuf::RepeatedPtrField<std::string>& sources,
                        bool has_local_policy, absl::string_view policy_reason);

// OK for "" or an ISO date (YYYY-MM-DD); INVALID_ARGUMENT otherwise.
absl::Status CheckIsoDate(absl::string_view text);

}  // namespace probation

#endif  // PROBATION_LIBS_TEXTPROTO_SEED_SOURCE_H_
