// The gateway's catalogue cache: an entry serves its own filter for its time to live, then
// not; a zero time to live keeps nothing; the number of filters kept is bounded.
#include "gateway/catalogue_cache.h"

#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace probation::gateway {
namespace {

using catalogue::v1::INTERVENTION_KIND_ACCREDITED_PROGRAMME;
using catalogue::v1::INTERVENTION_KIND_UNSPECIFIED;
using common::v1::NEED_AREA_UNSPECIFIED;

std::shared_ptr<const EncodedInterventions> OneIntervention(const std::string& name) {
  return std::make_shared<const EncodedInterventions>(EncodedInterventions{{name, "bytes"}});
}

TEST(CatalogueCache, ServesAnEntryForItsFilterUntilItExpires) {
  CatalogueCache cache(absl::Seconds(30));
  const absl::Time now = absl::Now();
  EXPECT_EQ(cache.Find(INTERVENTION_KIND_UNSPECIFIED, NEED_AREA_UNSPECIFIED, now), nullptr);
  cache.Put(INTERVENTION_KIND_UNSPECIFIED, NEED_AREA_UNSPECIFIED, OneIntervention("all"), now);
  auto found =
      cache.Find(INTERVENTION_KIND_UNSPECIFIED, NEED_AREA_UNSPECIFIED, now + absl::Seconds(29));
  ASSERT_NE(found, nullptr);
  EXPECT_TRUE(found->contains("all"));
  // Another filter is another list.
  EXPECT_EQ(cache.Find(INTERVENTION_KIND_ACCREDITED_PROGRAMME, NEED_AREA_UNSPECIFIED, now),
            nullptr);
  EXPECT_EQ(
      cache.Find(INTERVENTION_KIND_UNSPECIFIED, NEED_AREA_UNSPECIFIED, now + absl::Seconds(30)),
      nullptr);
}

TEST(CatalogueCache, AZeroTimeToLiveKeepsNothing) {
  CatalogueCache cache(absl::ZeroDuration());
  const absl::Time now = absl::Now();
  cache.Put(INTERVENTION_KIND_UNSPECIFIED, NEED_AREA_UNSPECIFIED, OneIntervention("all"), now);
  EXPECT_EQ(cache.Find(INTERVENTION_KIND_UNSPECIFIED, NEED_AREA_UNSPECIFIED, now), nullptr);
}

TEST(CatalogueCache, KeepsAtMostItsLimitOfFilters) {
  CatalogueCache cache(absl::Minutes(1), /*max_entries=*/4);
  const absl::Time now = absl::Now();
  // Need areas no one defined, as a hostile caller could send.
  for (int area = 100; area < 110; ++area) {
    cache.Put(INTERVENTION_KIND_UNSPECIFIED, static_cast<common::v1::NeedArea>(area),
              OneIntervention("x"), now);
  }
  int kept = 0;
  for (int area = 100; area < 110; ++area) {
    if (cache.Find(INTERVENTION_KIND_UNSPECIFIED, static_cast<common::v1::NeedArea>(area), now)) {
      ++kept;
    }
  }
  EXPECT_GE(kept, 1);
  EXPECT_LE(kept, 4);
  // The newest is always there.
  EXPECT_NE(cache.Find(INTERVENTION_KIND_UNSPECIFIED, static_cast<common::v1::NeedArea>(109), now),
            nullptr);
}

}  // namespace
}  // namespace probation::gateway
