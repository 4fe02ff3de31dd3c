// Any FindEligibleInterventions request a client could send (profile validation and the
// whole rule engine behind it) is judged or refused with INVALID_ARGUMENT: never a crash or
// undefined behaviour. Input is text format, so mutations of the seed requests in
// fuzz/corpus/eligibility/ change fields and enum values rather than break the encoding.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/time/civil_time.h"
#include "google/protobuf/text_format.h"
#include "services/catalogue/catalogue_loader.h"
#include "services/eligibility/eligibility_checker.h"
#include "services/eligibility/pathway_builder.h"

namespace {

std::shared_ptr<const probation::eligibility::EligibilityChecker> MakeChecker() {
  namespace eligibility = probation::eligibility;
  auto data = probation::catalogue::LoadCatalogue(probation::catalogue::EmbeddedCatalogueText(),
                                                  "embedded");
  auto snapshot = eligibility::CatalogueSnapshot::Build(
      {data->interventions().begin(), data->interventions().end()},
      {data->regions().begin(), data->regions().end()});
  auto policy = eligibility::LoadPathwayPolicy(eligibility::EmbeddedPathwayPolicyText(),
                                               "embedded pathway policy");
  if (!data.ok() || !snapshot.ok() || !policy.ok()) __builtin_trap();
  return std::make_shared<const eligibility::EligibilityChecker>(
      *snapshot, std::make_shared<const eligibility::PathwayBuilder>(*std::move(policy)),
      [] { return absl::CivilDay(2026, 11, 25); });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const auto* const checker = new auto(MakeChecker());
  probation::eligibility::v1::FindEligibleInterventionsRequest request;
  const std::string text(reinterpret_cast<const char*>(data), size);
  if (!google::protobuf::TextFormat::ParseFromString(text, &request)) return 0;
  auto response = (*checker)->FindEligibleInterventions(request);
  if (!response.ok() && response.status().code() != absl::StatusCode::kInvalidArgument &&
      response.status().code() != absl::StatusCode::kNotFound) {
    __builtin_trap();
  }
  return 0;
}
