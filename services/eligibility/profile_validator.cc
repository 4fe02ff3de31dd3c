#include "services/eligibility/profile_validator.h"

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "libs/names/resource_name.h"
#include "libs/status/field_error.h"

namespace probation::eligibility {
namespace {

using common::v1::PersonProfile;

// Bounds on repeated fields: far above any real case, low enough to keep a call cheap.
constexpr int kMaxOffences = 32;
constexpr int kMaxNeeds = 32;
constexpr int kMaxInterventionIds = 64;
// The longest determinate term a court can impose is far below this; life is indeterminate.
constexpr int kMaxCustodialSentenceDays = 100 * 366;

bool IsCrn(absl::string_view crn) {
  if (crn.size() != 7 || !absl::ascii_isupper(crn[0])) return false;
  for (char c : crn.substr(1)) {
    if (!absl::ascii_isdigit(c)) return false;
  }
  return true;
}

class Validator {
 public:
  Validator(const PersonProfile& profile, absl::string_view field,
            const CatalogueSnapshot& catalogue)
      : profile_(profile), field_(std::string(field)), catalogue_(catalogue) {}

  absl::StatusOr<ProfileFacts> Run(absl::CivilDay today) {
    ProfileFacts facts;
    facts.profile = &profile_;
    if (profile_.crn().empty()) return Invalid("crn", "is required");
    if (!IsCrn(profile_.crn())) {
      return Invalid("crn", "must be one capital letter and six digits, e.g. X123456");
    }
    facts.as_of = today;
    if (!profile_.as_of_date().empty() && !ParseIsoDate(profile_.as_of_date(), &facts.as_of)) {
      return Invalid("as_of_date", "must be an ISO 8601 date, YYYY-MM-DD");
    }
    if (!profile_.date_of_birth().empty()) {
      absl::CivilDay born;
      if (!ParseIsoDate(profile_.date_of_birth(), &born)) {
        return Invalid("date_of_birth", "must be an ISO 8601 date, YYYY-MM-DD");
      }
      if (born > facts.as_of) {
        return Invalid("date_of_birth", absl::StrCat("is after the as-of date ",
                                                     absl::FormatCivilTime(facts.as_of)));
      }
      const int age = AgeInYears(born, facts.as_of);
      if (age < kMinPlausibleAge || age > kMaxPlausibleAge) {
        return Invalid("date_of_birth",
                       absl::StrFormat("gives an age of %d on %s; expected %d to %d", age,
                                       absl::FormatCivilTime(facts.as_of), kMinPlausibleAge,
                                       kMaxPlausibleAge));
      }
      facts.age_years = age;
    }
    if (!common::v1::Sex_IsValid(profile_.sex())) return Invalid("sex", "unknown value");
    if (absl::Status status = CheckPlace(facts); !status.ok()) return status;
    if (!common::v1::SentenceType_IsValid(profile_.sentence())) {
      return Invalid("sentence", "unknown value");
    }
    if (profile_.offences_size() > kMaxOffences) {
      return Invalid("offences", absl::StrCat("at most ", kMaxOffences, " entries"));
    }
    for (int i = 0; i < profile_.offences_size(); ++i) {
      const int offence = profile_.offences(i);
      if (offence == common::v1::OFFENCE_CATEGORY_UNSPECIFIED ||
          !common::v1::OffenceCategory_IsValid(offence)) {
        return Invalid(absl::StrCat("offences[", i, "]"), "must be a known offence category");
      }
      facts.offences |= 1U << offence;
    }
    const struct {
      const char* name;
      int value;
    } risks[] = {{"risk_of_reoffending", profile_.risk_of_reoffending()},
                 {"rosh", profile_.rosh()},
                 {"sara", profile_.sara()}};
    for (const auto& risk : risks) {
      if (!common::v1::RiskLevel_IsValid(risk.value)) return Invalid(risk.name, "unknown value");
    }
    if (profile_.needs_size() > kMaxNeeds) {
      return Invalid("needs", absl::StrCat("at most ", kMaxNeeds, " entries"));
    }
    for (int i = 0; i < profile_.needs_size(); ++i) {
      const common::v1::Need& need = profile_.needs(i);
      if (need.area() == common::v1::NEED_AREA_UNSPECIFIED ||
          !common::v1::NeedArea_IsValid(need.area())) {
        return Invalid(absl::StrCat("needs[", i, "].area"), "must be a known need area");
      }
      if (!common::v1::ComplexityLevel_IsValid(need.complexity())) {
        return Invalid(absl::StrCat("needs[", i, "].complexity"), "unknown value");
      }
      facts.needs |= 1U << need.area();
    }
    if (absl::Status status =
            CheckInterventionIds("completed_programmes", profile_.completed_programmes());
        !status.ok()) {
      return status;
    }
    if (profile_.days_remaining_on_sentence() < 0) {
      return Invalid("days_remaining_on_sentence", "must not be negative (0 means unknown)");
    }
    // A victim is recorded per partner harmed; more than the offences allow is a caller error.
    if (profile_.ipv_victim_sexes_size() > kMaxOffences) {
      return Invalid("ipv_victim_sexes", absl::StrCat("at most ", kMaxOffences, " entries"));
    }
    for (int i = 0; i < profile_.ipv_victim_sexes_size(); ++i) {
      const int sex = profile_.ipv_victim_sexes(i);
      if (sex == common::v1::SEX_UNSPECIFIED || !common::v1::Sex_IsValid(sex)) {
        return Invalid(absl::StrCat("ipv_victim_sexes[", i, "]"), "must be SEX_MALE or SEX_FEMALE");
      }
    }
    if (absl::Status status =
            CheckInterventionIds("proposed_requirements", profile_.proposed_requirements());
        !status.ok()) {
      return status;
    }
    if (!common::v1::CustodialSentenceType_IsValid(profile_.custodial_sentence_type())) {
      return Invalid("custodial_sentence_type", "unknown value");
    }
    if (!common::v1::ReleaseType_IsValid(profile_.release_type())) {
      return Invalid("release_type", "unknown value");
    }
    if (profile_.custodial_sentence_days() < 0 ||
        profile_.custodial_sentence_days() > kMaxCustodialSentenceDays) {
      return Invalid("custodial_sentence_days",
                     absl::StrCat("must be 0 (unknown) to ", kMaxCustodialSentenceDays));
    }
    return facts;
  }

 private:
  // A bounded list of intervention ids the catalogue knows.
  absl::Status CheckInterventionIds(absl::string_view field,
                                    const google::protobuf::RepeatedPtrField<std::string>& ids) {
    if (ids.size() > kMaxInterventionIds) {
      return Invalid(field, absl::StrCat("at most ", kMaxInterventionIds, " entries"));
    }
    for (int i = 0; i < ids.size(); ++i) {
      if (catalogue_.IndexOf(ids[i]) < 0) {
        return Invalid(absl::StrCat(field, "[", i, "]"),
                       absl::StrCat("no intervention \"", ids[i], "\" in the catalogue"));
      }
    }
    return absl::OkStatus();
  }

  absl::Status CheckPlace(ProfileFacts& facts) {
    const std::string& region = profile_.region();
    if (!region.empty()) {
      if (catalogue_.FindRegion(region) == nullptr) {
        std::vector<std::string> ids;
        for (const auto& known : catalogue_.regions()) ids.push_back(known.id());
        return Invalid("region", absl::StrCat("unknown region \"", region, "\"; expected one of ",
                                              absl::StrJoin(ids, ", ")));
      }
      facts.region = region;
    }
    const std::string& pcc_area = profile_.pcc_area();
    if (pcc_area.empty()) return absl::OkStatus();
    if (!IsResourceId(pcc_area)) {
      return Invalid("pcc_area", "must be a lower-case hyphenated id, e.g. \"thames-valley\"");
    }
    // The catalogue names only the PCC areas the brochures mention; others are accepted.
    const absl::string_view area_region = catalogue_.RegionOfPccArea(pcc_area);
    if (area_region.empty()) return absl::OkStatus();
    if (region.empty()) {
      facts.region = area_region;
    } else if (area_region != region) {
      return Invalid("pcc_area", absl::StrCat("\"", pcc_area, "\" is in region \"", area_region,
                                              "\", not \"", region, "\""));
    }
    return absl::OkStatus();
  }

  absl::Status Invalid(absl::string_view field, absl::string_view description) const {
    return InvalidFieldError(absl::StrCat(field_, ".", field), description);
  }

  const PersonProfile& profile_;
  const std::string field_;
  const CatalogueSnapshot& catalogue_;
};

}  // namespace

absl::StatusOr<ProfileFacts> ValidateProfile(const PersonProfile& profile, absl::string_view field,
                                             const CatalogueSnapshot& catalogue,
                                             absl::CivilDay today) {
  return Validator(profile, field, catalogue).Run(today);
}

bool ParseIsoDate(absl::string_view text, absl::CivilDay* day) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return false;
  for (int i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (!absl::ascii_isdigit(text[i])) return false;
  }
  const auto number = [&](int from, int length) {
    int value = 0;
    for (int i = from; i < from + length; ++i) value = value * 10 + (text[i] - '0');
    return value;
  };
  const int year = number(0, 4), month = number(5, 2), date = number(8, 2);
  const absl::CivilDay parsed(year, month, date);
  // CivilDay normalises 2023-02-29 to 2023-03-01; a changed field means an impossible date.
  if (parsed.year() != year || parsed.month() != month || parsed.day() != date) return false;
  *day = parsed;
  return true;
}

int AgeInYears(absl::CivilDay born, absl::CivilDay on) {
  int years = static_cast<int>(on.year() - born.year());
  if (on.month() < born.month() || (on.month() == born.month() && on.day() < born.day())) {
    --years;
  }
  return years;
}

}  // namespace probation::eligibility
