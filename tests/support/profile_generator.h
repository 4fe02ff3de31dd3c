// Deterministic, varied person profiles for bulk tests: every sex, age band, sentence, risk,
// offence, need and region the contract names, judged at a fixed date.
#ifndef PROBATION_TESTS_SUPPORT_PROFILE_GENERATOR_H_
#define PROBATION_TESTS_SUPPORT_PROFILE_GENERATOR_H_

#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "probation/common/v1/person_profile.pb.h"

namespace probation::testing {

inline std::vector<common::v1::PersonProfile> GenerateProfiles(int count, unsigned seed = 2026) {
  static const char* const kRegions[] = {
      "north-west",         "north-east",    "yorkshire-and-the-humber",
      "greater-manchester", "east-midlands", "west-midlands",
      "east-of-england",    "london",        "kent-surrey-and-sussex",
      "south-west",         "south-central", "wales"};
  static const char* const kPccAreas[] = {"", "durham", "hampshire", "west-yorkshire", "kent"};
  std::mt19937 random(seed);
  auto pick = [&](int n) { return static_cast<int>(random() % n); };
  std::vector<common::v1::PersonProfile> profiles;
  profiles.reserve(count);
  for (int i = 0; i < count; ++i) {
    common::v1::PersonProfile profile;
    profile.set_crn(absl::StrFormat("%c%06d", 'A' + i % 26, i % 1000000));
    const int year = 1950 + pick(59);
    const int month = 1 + pick(12);
    const int day = 1 + pick(28);
    profile.set_date_of_birth(absl::StrFormat("%04d-%02d-%02d", year, month, day));
    profile.set_as_of_date("2026-11-25");
    profile.set_sex(static_cast<common::v1::Sex>(pick(3)));
    const char* region = kRegions[pick(12)];
    profile.set_region(region);
    // Only pair a PCC area with the region it lies in.
    const char* pcc = kPccAreas[pick(5)];
    const std::string pcc_area(pcc);
    if ((pcc_area == "durham" && profile.region() == "north-east") ||
        (pcc_area == "hampshire" && profile.region() == "south-central") ||
        (pcc_area == "west-yorkshire" && profile.region() == "yorkshire-and-the-humber") ||
        (pcc_area == "kent" && profile.region() == "kent-surrey-and-sussex")) {
      profile.set_pcc_area(pcc_area);
    }
    profile.set_sentence(static_cast<common::v1::SentenceType>(pick(6)));
    if (pick(4) != 0) profile.set_has_rar(pick(2) == 0);
    for (int n = pick(3); n >= 0; --n) {
      profile.add_offences(static_cast<common::v1::OffenceCategory>(1 + pick(12)));
    }
    profile.set_risk_of_reoffending(static_cast<common::v1::RiskLevel>(pick(5)));
    profile.set_rosh(static_cast<common::v1::RiskLevel>(pick(5)));
    profile.set_sara(static_cast<common::v1::RiskLevel>(pick(5)));
    for (int n = pick(4); n > 0; --n) {
      common::v1::Need* need = profile.add_needs();
      need->set_area(static_cast<common::v1::NeedArea>(1 + pick(15)));
      need->set_complexity(static_cast<common::v1::ComplexityLevel>(pick(4)));
    }
    if (pick(3) != 0) profile.set_extremism_concern(pick(8) == 0);
    if (pick(3) != 0) profile.set_alcohol_dependent(pick(4) == 0);
    if (pick(3) != 0) profile.set_has_alcohol_treatment_requirement(pick(4) == 0);
    if (pick(3) != 0) profile.set_consents_to_treatment(pick(2) == 0);
    if (pick(3) != 0) profile.set_no_fixed_abode(pick(6) == 0);
    if (pick(10) == 0) profile.add_completed_programmes("horizon");
    if (pick(2) == 0) profile.set_days_remaining_on_sentence(1 + pick(700));
    if (pick(2) == 0) profile.add_ipv_victim_sexes(static_cast<common::v1::Sex>(1 + pick(2)));
    if (pick(3) != 0) profile.set_drug_dependent(pick(4) == 0);
    if (pick(2) == 0) profile.set_consents_to_engage(pick(5) != 0);
    if (pick(2) == 0) profile.set_ready_to_engage(pick(5) != 0);
    if (pick(2) == 0) profile.set_barriers_to_attendance(pick(5) == 0);
    if (profile.sentence() == common::v1::SENTENCE_TYPE_LICENCE && pick(2) == 0) {
      profile.set_custodial_sentence_type(
          static_cast<common::v1::CustodialSentenceType>(1 + pick(3)));
      profile.set_custodial_sentence_days(30 + pick(1500));
      profile.set_release_type(static_cast<common::v1::ReleaseType>(pick(5)));
    }
    profiles.push_back(std::move(profile));
  }
  return profiles;
}

}  // namespace probation::testing

#endif  // PROBATION_TESTS_SUPPORT_PROFILE_GENERATOR_H_
