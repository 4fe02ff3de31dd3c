// FindInterventions' answer assembled from encoded parts reads back as the message a typed
// join would build: same matches in the verdicts' order, places only where eligible, the
// pathway and the availability flag.
#include "gateway/find_interventions_response.h"

#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "probation/eligibility/v1/eligibility_service.pb.h"
#include "probation/gateway/v1/gateway_service.pb.h"
#include "tests/support/catalogue_fixture.h"

namespace probation::gateway {
namespace {

using google::protobuf::util::MessageDifferencer;

eligibility::v1::Verdict MakeVerdict(const std::string& intervention,
                                     eligibility::v1::Outcome outcome) {
  eligibility::v1::Verdict verdict;
  verdict.set_intervention(intervention);
  verdict.set_outcome(outcome);
  verdict.set_intervention_title("title of " + intervention);
  verdict.add_approvals_needed("treatment manager");
  verdict.add_reasons()->set_explanation("because " + intervention);
  return verdict;
}

referrals::v1::Availability Places(const std::string& intervention, const std::string& provider,
                                   int available) {
  referrals::v1::Availability places;
  places.set_intervention(intervention);
  places.set_region("london");
  places.set_provider(provider);
  places.set_capacity_set(true);
  places.set_places(10);
  places.set_places_available(available);
  return places;
}

class FindInterventionsResponseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto& all = catalogue_->data().interventions();
    ASSERT_GE(all.size(), 3);
    for (int i = 0; i < 3; ++i) {
      interventions_.push_back(all[i]);
      encoded_[all[i].name()] = all[i].SerializeAsString();
    }
  }

  std::shared_ptr<const catalogue::Catalogue> catalogue_ = testing::LoadEmbeddedCatalogue();
  std::vector<catalogue::v1::Intervention> interventions_;
  EncodedInterventions encoded_;
};

TEST_F(FindInterventionsResponseTest, ReadsBackAsTheTypedJoin) {
  const std::string& a = interventions_[0].name();
  const std::string& b = interventions_[1].name();
  const std::string& c = interventions_[2].name();
  eligibility::v1::FindEligibleInterventionsResponse verdicts;
  *verdicts.add_verdicts() = MakeVerdict(b, eligibility::v1::OUTCOME_ELIGIBLE);
  *verdicts.add_verdicts() =
      MakeVerdict("interventions/withdrawn", eligibility::v1::OUTCOME_ELIGIBLE);
  *verdicts.add_verdicts() = MakeVerdict(a, eligibility::v1::OUTCOME_NOT_ELIGIBLE);
  *verdicts.add_verdicts() = MakeVerdict(c, eligibility::v1::OUTCOME_ELIGIBLE);
  verdicts.add_pathway()->set_intervention(b);
  verdicts.add_pathway()->set_intervention(c);
  verdicts.set_catalogue_size(3);

  referrals::v1::BatchGetAvailabilityResponse availability;
  *availability.add_availabilities() = Places(b, "", 4);
  *availability.add_availabilities() = Places(a, "", 2);  // not eligible: left out
  *availability.add_availabilities() = Places(c, "provider-a", 1);
  *availability.add_availabilities() = Places(c, "provider-b", 0);

  // What the typed join built: the expected answer.
  v1::FindInterventionsResponse expected;
  for (const auto& [index, verdict] : std::vector<std::pair<int, int>>{{1, 0}, {0, 2}, {2, 3}}) {
    v1::InterventionMatch* match = expected.add_matches();
    *match->mutable_intervention() = interventions_[index];
    *match->mutable_verdict() = verdicts.verdicts(verdict);
  }
  *expected.mutable_matches(0)->add_availability() = availability.availabilities(0);
  *expected.mutable_matches(2)->add_availability() = availability.availabilities(2);
  *expected.mutable_matches(2)->add_availability() = availability.availabilities(3);
  *expected.mutable_pathway() = verdicts.pathway();
  expected.set_availability_unknown(false);

  internal::EncodedVerdicts encoded_verdicts;
  ASSERT_TRUE(encoded_verdicts.ParseFromString(verdicts.SerializeAsString()));
  PlacesByIntervention places;
  for (referrals::v1::Availability& entry : *availability.mutable_availabilities()) {
    places[entry.intervention()].push_back(&entry);
  }
  absl::StatusOr<std::string> encoded =
      EncodeFindInterventionsResponse(encoded_, encoded_verdicts, places, false);
  ASSERT_TRUE(encoded.ok()) << encoded.status();
  v1::FindInterventionsResponse decoded;
  ASSERT_TRUE(decoded.ParseFromString(*encoded));
  std::string difference;
  MessageDifferencer differencer;
  differencer.ReportDifferencesToString(&difference);
  EXPECT_TRUE(differencer.Compare(expected, decoded)) << difference;
}

TEST_F(FindInterventionsResponseTest, SaysWhenAvailabilityIsUnknown) {
  eligibility::v1::FindEligibleInterventionsResponse verdicts;
  *verdicts.add_verdicts() =
      MakeVerdict(interventions_[0].name(), eligibility::v1::OUTCOME_ELIGIBLE);
  internal::EncodedVerdicts encoded_verdicts;
  ASSERT_TRUE(encoded_verdicts.ParseFromString(verdicts.SerializeAsString()));
  PlacesByIntervention places;
  absl::StatusOr<std::string> encoded =
      EncodeFindInterventionsResponse(encoded_, encoded_verdicts, places, true);
  ASSERT_TRUE(encoded.ok()) << encoded.status();
  v1::FindInterventionsResponse decoded;
  ASSERT_TRUE(decoded.ParseFromString(*encoded));
  EXPECT_TRUE(decoded.availability_unknown());
  ASSERT_EQ(decoded.matches_size(), 1);
  EXPECT_TRUE(MessageDifferencer::Equals(decoded.matches(0).intervention(), interventions_[0]));
  EXPECT_EQ(decoded.matches(0).availability_size(), 0);
}

TEST_F(FindInterventionsResponseTest, AVerdictThatIsNotAVerdictIsAnInternalError) {
  internal::EncodedVerdicts encoded_verdicts;
  encoded_verdicts.add_verdicts(std::string("\x0a\xff\xff\xff\xff\x0f", 6));
  PlacesByIntervention places;
  EXPECT_EQ(
      EncodeFindInterventionsResponse(encoded_, encoded_verdicts, places, false).status().code(),
      absl::StatusCode::kInternal);
}

}  // namespace
}  // namespace probation::gateway
