// The regional brochure page, from a real regional offer of the embedded catalogue.
#include "tools/docs/brochure_html.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/catalogue/catalogue.h"
#include "services/catalogue/catalogue_loader.h"

namespace probation::docs {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(BrochureHtmlTest, EscapesWhatHtmlWouldRead) {
  EXPECT_EQ(EscapeHtml("<b>\"Tom\" & 'Jerry'</b>"),
            "&lt;b&gt;&quot;Tom&quot; &amp; &#39;Jerry&#39;&lt;/b&gt;");
}

TEST(BrochureHtmlTest, RendersTheRegionsOfferKindByKind) {
  auto data = catalogue::LoadCatalogue(catalogue::EmbeddedCatalogueText(), "embedded");
  ASSERT_TRUE(data.ok());
  const catalogue::Catalogue interventions(*std::move(data));
  auto offer = interventions.GetRegionalOffer("wales");
  ASSERT_TRUE(offer.ok());
  const std::string html = RegionalBrochureHtml(*offer);
  EXPECT_THAT(html, HasSubstr("<title>Probation interventions in Wales</title>"));
  for (const auto& group : offer->groups()) {
    EXPECT_THAT(html, HasSubstr("<h2>" + EscapeHtml(group.title()) + "</h2>"));
    for (const auto& intervention : group.interventions()) {
      EXPECT_THAT(html, HasSubstr("<article id=\"" + intervention.id() + "\">"));
    }
  }
  // Wales lists no structured interventions: the page says so rather than leaving a gap.
  ASSERT_FALSE(offer->not_listed().empty());
  EXPECT_THAT(html, HasSubstr("Not listed for this region"));
  EXPECT_THAT(html, Not(HasSubstr("id=\"stepwise-problem-solving\"")));
}

TEST(BrochureHtmlTest, TheIndexLinksEveryRegionAndEveryStateMachine) {
  auto data = catalogue::LoadCatalogue(catalogue::EmbeddedCatalogueText(), "embedded");
  ASSERT_TRUE(data.ok());
  const catalogue::Catalogue interventions(*std::move(data));
  const auto regions = interventions.ListRegions();
  const std::string html = BrochureIndexHtml(regions);
  for (const auto& region : regions.regions()) {
    EXPECT_THAT(html, HasSubstr("<a href=\"" + region.id() + ".html\">"));
  }
  EXPECT_THAT(html, HasSubstr("accredited-programme.svg"));
}

}  // namespace
}  // namespace probation::docs
