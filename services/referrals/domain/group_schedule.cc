#include "services/referrals/domain/group_schedule.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "libs/status/error_reason.h"

namespace probation::referrals {
namespace {

// delivery.v1.Weekday counts from Monday = 1; absl's from Monday = 0.
int WeekdayNumber(absl::CivilDay day) { return static_cast<int>(absl::GetWeekday(day)) + 1; }

}  // namespace

std::vector<std::string> SessionModules(const catalogue::v1::Delivery& delivery, int count) {
  std::vector<std::string> modules;
  modules.reserve(std::max(count, 0));
  for (const catalogue::v1::DeliveryComponent& component : delivery.components()) {
    for (int i = 0; i < component.sessions() && static_cast<int>(modules.size()) < count; ++i) {
      modules.push_back(component.title());
    }
  }
  modules.resize(std::max(count, 0));
  return modules;
}

bool OnWeekday(absl::CivilDay day, const google::protobuf::RepeatedField<int>& weekdays) {
  return std::find(weekdays.begin(), weekdays.end(), WeekdayNumber(day)) != weekdays.end();
}

absl::StatusOr<std::vector<absl::CivilDay>> SessionDates(
    absl::CivilDay from, const google::protobuf::RepeatedField<int>& weekdays, int count,
    const BankHolidays& holidays) {
  std::vector<absl::CivilDay> dates;
  if (weekdays.empty()) return dates;
  dates.reserve(std::max(count, 0));
  for (absl::CivilDay day = from; static_cast<int>(dates.size()) < count; ++day) {
    if (!holidays.Covers(day)) {
      return absl::FailedPreconditionError(absl::StrCat(
          "the sessions would run past ", FormatIsoDay(holidays.last_day()),
          ", the last day the bank holidays are known to; start the group earlier, meet on more "
          "weekdays, or extend bank_holidays.textproto"));
    }
    if (OnWeekday(day, weekdays) && !holidays.IsHoliday(day)) dates.push_back(day);
  }
  return dates;
}

}  // namespace probation::referrals
