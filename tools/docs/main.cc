// probation-docs: writes the pictures for people into a directory: each region's brochure
// as HTML (from the catalogue built into the services) and each referral state machine as
// Graphviz DOT (scripts/docs.sh turns those into SVG).
#include <filesystem>
#include <fstream>
#include <iostream>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "services/catalogue/catalogue.h"
#include "services/catalogue/catalogue_loader.h"
#include "services/catalogue/fact_ledger.h"
#include "services/eligibility/pathway_builder.h"
#include "services/referrals/domain/state_machine_dot.h"
#include "services/referrals/domain/state_machine_set.h"
#include "tools/docs/brochure_html.h"

ABSL_FLAG(std::string, out, "docs", "Directory to write regions/ and state-machines/ into.");
ABSL_FLAG(std::string, data, PROBATION_CATALOGUE_DATA_DIR,
          "The catalogue's data directory, holding ledger/ and seeds/.");

namespace {

bool Write(const std::filesystem::path& path, const std::string& contents) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream file(path, std::ios::binary);
  file << contents;
  if (!file) std::cerr << "cannot write " << path << "\n";
  return static_cast<bool>(file);
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("Writes the regional brochures (HTML) and state machines (DOT).");
  absl::ParseCommandLine(argc, argv);
  const std::filesystem::path out = absl::GetFlag(FLAGS_out);
  namespace catalogue = probation::catalogue;
  namespace referrals = probation::referrals;

  auto data = catalogue::LoadCatalogue(catalogue::EmbeddedCatalogueText(), "embedded catalogue");
  if (!data.ok()) {
    std::cerr << data.status().message() << "\n";
    return 1;
  }
  const catalogue::Catalogue interventions(*std::move(data));
  const catalogue::v1::ListRegionsResponse regions = interventions.ListRegions();
  bool written = Write(out / "regions" / "index.html", probation::docs::BrochureIndexHtml(regions));
  for (const auto& region : regions.regions()) {
    auto offer = interventions.GetRegionalOffer(region.id());
    if (!offer.ok()) {
      std::cerr << offer.status().message() << "\n";
      return 1;
    }
    written = Write(out / "regions" / (region.id() + ".html"),
                    probation::docs::RegionalBrochureHtml(*offer)) &&
              written;
  }

  auto policy = probation::eligibility::LoadPathwayPolicy(
      probation::eligibility::EmbeddedPathwayPolicyText(), "embedded pathway policy");
  auto ledger = catalogue::LoadFactLedger(absl::GetFlag(FLAGS_data) + "/ledger");
  auto seeds = catalogue::LoadSeeds(absl::GetFlag(FLAGS_data) + "/seeds");
  for (const absl::Status& status : {policy.status(), ledger.status(), seeds.status()}) {
    if (!status.ok()) {
      std::cerr << status.message() << "\n";
      return 1;
    }
  }
  const catalogue::LedgerCheck check =
      catalogue::CheckFactLedger(*ledger, *seeds, interventions.data(), *policy);
  written =
      Write(out / "catalogue-ledger.md", catalogue::LedgerMarkdown(*ledger, check)) && written;

  auto machines = referrals::StateMachineSet::Load(referrals::EmbeddedStateMachinesText(),
                                                   "embedded state machines");
  if (!machines.ok()) {
    std::cerr << machines.status().message() << "\n";
    return 1;
  }
  for (int kind = 0; catalogue::v1::InterventionKind_IsValid(kind); ++kind) {
    const auto* machine = machines->For(static_cast<catalogue::v1::InterventionKind>(kind));
    if (machine == nullptr) continue;  // kinds nobody is referred to
    std::string name = absl::AsciiStrToLower(absl::StripPrefix(
        catalogue::v1::InterventionKind_Name(machine->kind()), "INTERVENTION_KIND_"));
    absl::StrReplaceAll({{"_", "-"}}, &name);
    written =
        Write(out / "state-machines" / (name + ".dot"), referrals::ToDot(*machine)) && written;
  }
  return written ? 0 : 1;
}
