// A region's judicial brochure as a web page, rendered from the catalogue's RegionalOffer:
// what the region delivers, kind by kind, each intervention with who it is for, how it is
// delivered and where it is available.
#ifndef PROBATION_TOOLS_DOCS_BROCHURE_HTML_H_
#define PROBATION_TOOLS_DOCS_BROCHURE_HTML_H_

#include <string>

#include "absl/strings/string_view.h"
#include "probation/catalogue/v1/catalogue_service.pb.h"

namespace probation::docs {

// `text` with &, <, >, " and ' escaped for HTML.
std::string EscapeHtml(absl::string_view text);

std::string RegionalBrochureHtml(const catalogue::v1::RegionalOffer& offer);

// The list of regions, each linking to `<region id>.html`, and the state machine pictures.
std::string BrochureIndexHtml(const catalogue::v1::ListRegionsResponse& regions);

}  // namespace probation::docs

#endif  // PROBATION_TOOLS_DOCS_BROCHURE_HTML_H_
