// England and Wales bank holidays (services/referrals/data/bank_holidays.textproto), loaded and
// checked: the days no programme group session falls on, and the years the list covers.
#ifndef PROBATION_SERVICES_REFERRALS_DOMAIN_BANK_HOLIDAYS_H_
#define PROBATION_SERVICES_REFERRALS_DOMAIN_BANK_HOLIDAYS_H_

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"

namespace probation::referrals {

// The embedded text of data/bank_holidays.textproto.
absl::string_view EmbeddedBankHolidaysText();

// "YYYY-MM-DD" to a day; nullopt-like failure as INVALID_ARGUMENT naming `field`.
absl::StatusOr<absl::CivilDay> ParseIsoDay(absl::string_view field, absl::string_view text);
std::string FormatIsoDay(absl::CivilDay day);

class BankHolidays {
 public:
  // Parses and checks: each date valid, listed once, in order, within the years covered.
  // INVALID_ARGUMENT naming `source` and the fault otherwise.
  static absl::StatusOr<BankHolidays> Load(absl::string_view text, absl::string_view source);
  static absl::StatusOr<BankHolidays> LoadEmbedded();

  bool IsHoliday(absl::CivilDay day) const { return holidays_.contains(day); }
  // The holiday's title, or "" for a day that is not one.
  std::string TitleOf(absl::CivilDay day) const;
  // Whether the list covers `day`'s year (a day outside it cannot be checked).
  bool Covers(absl::CivilDay day) const;
  absl::CivilDay last_day() const { return absl::CivilDay(last_year_, 12, 31); }

 private:
  std::map<absl::CivilDay, std::string> holidays_;
  int first_year_ = 0;
  int last_year_ = 0;
};

}  // namespace probation::referrals

#endif  // PROBATION_SERVICES_REFERRALS_DOMAIN_BANK_HOLIDAYS_H_
