// The fact ledger: every checkable fact in the seed brochures, where it is stated, and where
// the catalogue or the pathway policy serves it. Checking it resolves every path against the
// loaded data and every quote against the seeds, so a renamed criterion or a mistyped line
// fails a test instead of leaving the ledger quietly wrong.
#ifndef PROBATION_SERVICES_CATALOGUE_FACT_LEDGER_H_
#define PROBATION_SERVICES_CATALOGUE_FACT_LEDGER_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "probation/catalogue/data/v1/catalogue.pb.h"
#include "probation/catalogue/data/v1/fact_ledger.pb.h"
#include "probation/eligibility/data/v1/pathway_policy.pb.h"

namespace probation::catalogue {

// Seed id ("001") to its lines, line 1 first.
using SeedTexts = std::map<std::string, std::vector<std::string>>;

// Reads every "NNN.txt" in `directory`.
absl::StatusOr<SeedTexts> LoadSeeds(const std::string& directory);
// Parses and merges every "*.textproto" in `directory`, in name order.
absl::StatusOr<data::v1::FactLedger> LoadFactLedger(const std::string& directory);

struct LedgerCheck {
  // One line per problem, naming the fact.
  std::vector<std::string> problems;
  int facts = 0;
  int out_of_scope = 0;
  int served = 0;
  int not_representable = 0;
  // served / (facts - out_of_scope).
  double ServedShare() const;
};

// Checks each fact: a unique id, sources inside the seeds, the quote on the first source's
// lines, exactly one of served_by and not_representable (neither for out-of-scope facts),
// every path resolving to a set field, and rules (criteria, contra-indications, suitability,
// availability) served by a machine-checked condition rather than prose.
LedgerCheck CheckFactLedger(const data::v1::FactLedger& ledger, const SeedTexts& seeds,
                            const data::v1::Catalogue& catalogue,
                            const eligibility::data::v1::PathwayPolicy& pathway);

// OK when `path` resolves to a set field; NOT_FOUND or INVALID_ARGUMENT saying where it
// stops otherwise. Also says whether it ends in a machine-checked condition.
absl::StatusOr<bool> ResolveLedgerPath(absl::string_view path, const data::v1::Catalogue& catalogue,
                                       const eligibility::data::v1::PathwayPolicy& pathway);

// Problems with the seed citations ("sources") anywhere in `message`: a citation that does
// not parse or points past the end of its seed. One line per problem, naming the field path.
std::vector<std::string> CheckCitations(const google::protobuf::Message& message,
                                        const SeedTexts& seeds);

// docs/catalogue-ledger.md: the share served, per seed and category, and every fact.
std::string LedgerMarkdown(const data::v1::FactLedger& ledger, const LedgerCheck& check);

}  // namespace probation::catalogue

#endif  // PROBATION_SERVICES_CATALOGUE_FACT_LEDGER_H_
