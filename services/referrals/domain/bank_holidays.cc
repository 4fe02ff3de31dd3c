#include "services/referrals/domain/bank_holidays.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "libs/status/field_error.h"
#include "libs/textproto/text_proto.h"
#include "probation/referrals/data/v1/bank_holidays.pb.h"

namespace probation::referrals {

absl::StatusOr<absl::CivilDay> ParseIsoDay(absl::string_view field, absl::string_view text) {
  absl::CivilDay day;
  // absl's parser accepts a normalised date only ("2026-02-30" fails), as a form should.
  if (text.size() != 10 || !absl::ParseCivilTime(text, &day) ||
      absl::FormatCivilTime(day) != text) {
    return InvalidFieldError(field, "must be a date, \"YYYY-MM-DD\"");
  }
  return day;
}

std::string FormatIsoDay(absl::CivilDay day) { return absl::FormatCivilTime(day); }

absl::StatusOr<BankHolidays> BankHolidays::Load(absl::string_view text, absl::string_view source) {
  data::v1::BankHolidays data;
  if (absl::Status status = ParseTextProto(text, source, &data); !status.ok()) return status;
  auto fault = [&](absl::string_view problem) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": ", problem));
  };
  if (data.first_year() < 2000 || data.last_year() < data.first_year() || data.last_year() > 2200) {
    return fault("first_year and last_year must give the years covered, in order");
  }
  BankHolidays loaded;
  loaded.first_year_ = data.first_year();
  loaded.last_year_ = data.last_year();
  absl::CivilDay previous;
  for (const data::v1::BankHoliday& holiday : data.holidays()) {
    absl::StatusOr<absl::CivilDay> day = ParseIsoDay("date", holiday.date());
    if (!day.ok()) return fault(absl::StrCat("\"", holiday.date(), "\" is not a date"));
    if (!loaded.Covers(*day)) {
      return fault(absl::StrCat(holiday.date(), " is outside the years covered"));
    }
    if (!loaded.holidays_.empty() && *day <= previous) {
      return fault(absl::StrCat(holiday.date(), " is listed twice or out of order"));
    }
    if (holiday.title().empty()) return fault(absl::StrCat(holiday.date(), " has no title"));
    loaded.holidays_.emplace(*day, holiday.title());
    previous = *day;
  }
  return loaded;
}

absl::StatusOr<BankHolidays> BankHolidays::LoadEmbedded() {
  return Load(EmbeddedBankHolidaysText(), "bank_holidays.textproto");
}

std::string BankHolidays::TitleOf(absl::CivilDay day) const {
  auto it = holidays_.find(day);
  return it == holidays_.end() ? "" : it->second;
}

bool BankHolidays::Covers(absl::CivilDay day) const {
  return day.year() >= first_year_ && day.year() <= last_year_;
}

}  // namespace probation::referrals
