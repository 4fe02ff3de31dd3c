// Loads the catalogue data file (a probation.catalogue.data.v1.Catalogue in text format) and
// validates it, so a bad edit stops the service at start with the file and line at fault
// instead of serving wrong data. Validation also derives what the file leaves implicit:
// resource names and each region's availability status.
#ifndef PROBATION_SERVICES_CATALOGUE_CATALOGUE_LOADER_H_
#define PROBATION_SERVICES_CATALOGUE_CATALOGUE_LOADER_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "probation/catalogue/data/v1/catalogue.pb.h"

namespace probation::catalogue {

// Parses and validates `text`; `source` names it in error messages ("catalogue.textproto").
// Every problem found is reported, one per line, as "source:line: what is wrong".
absl::StatusOr<data::v1::Catalogue> LoadCatalogue(absl::string_view text, absl::string_view source);

// Reads the file at `path` and loads it as above.
absl::StatusOr<data::v1::Catalogue> LoadCatalogueFile(const std::string& path);

// The catalogue compiled into the binary from services/catalogue/data/catalogue.textproto.
absl::string_view EmbeddedCatalogueText();

}  // namespace probation::catalogue

#endif  // PROBATION_SERVICES_CATALOGUE_CATALOGUE_LOADER_H_
