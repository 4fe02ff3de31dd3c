#include "gateway/find_interventions_response.h"

#include <cstdint>

#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "probation/gateway/v1/gateway_service.pb.h"

namespace probation::gateway {
namespace {

// Appends field `number` holding `bytes` as the protobuf encoding writes a message field: its
// key (the number and wire type 2, length-delimited), the length, then the bytes. Encodings
// concatenate: a message followed by more fields reads as one message with all of them.
void AppendLengthDelimited(int number, const std::string& bytes, std::string& out) {
  google::protobuf::io::StringOutputStream stream(&out);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.WriteTag(static_cast<uint32_t>(number) << 3 | 2);
  coded.WriteVarint32(static_cast<uint32_t>(bytes.size()));
  coded.WriteString(bytes);
}

}  // namespace

absl::StatusOr<std::string> EncodeFindInterventionsResponse(
    const EncodedInterventions& interventions, const internal::EncodedVerdicts& verdicts,
    PlacesByIntervention& places, bool availability_unknown) {
  std::string out;
  std::string match;
  internal::VerdictKey key;
  // Verdicts come eligible first, in pathway order: keep that order.
  for (const std::string& verdict : verdicts.verdicts()) {
    if (!key.ParseFromString(verdict)) {
      return absl::InternalError("the eligibility service answered with a malformed verdict");
    }
    auto intervention = interventions.find(key.intervention());
    if (intervention == interventions.end()) continue;
    match.clear();
    AppendLengthDelimited(v1::InterventionMatch::kInterventionFieldNumber, intervention->second,
                          match);
    AppendLengthDelimited(v1::InterventionMatch::kVerdictFieldNumber, verdict, match);
    if (key.outcome() == eligibility::v1::OUTCOME_ELIGIBLE) {
      v1::InterventionMatch places_only;
      for (referrals::v1::Availability* entry : places[key.intervention()]) {
        *places_only.add_availability() = std::move(*entry);
      }
      places_only.AppendToString(&match);
    }
    AppendLengthDelimited(v1::FindInterventionsResponse::kMatchesFieldNumber, match, out);
  }
  for (const std::string& step : verdicts.pathway()) {
    AppendLengthDelimited(v1::FindInterventionsResponse::kPathwayFieldNumber, step, out);
  }
  v1::FindInterventionsResponse flags;
  flags.set_availability_unknown(availability_unknown);
  flags.AppendToString(&out);
  return out;
}

}  // namespace probation::gateway
