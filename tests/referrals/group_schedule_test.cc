// A programme group's timetable: England and Wales bank holidays from the data file, sessions
// on the group's weekdays around them, modules in the catalogue's order.
#include "services/referrals/domain/group_schedule.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace probation::referrals {
namespace {

using ::testing::HasSubstr;

BankHolidays Embedded() {
  absl::StatusOr<BankHolidays> holidays = BankHolidays::LoadEmbedded();
  EXPECT_TRUE(holidays.ok()) << holidays.status();
  return *std::move(holidays);
}

google::protobuf::RepeatedField<int> Days(std::vector<delivery::v1::Weekday> days) {
  google::protobuf::RepeatedField<int> field;
  for (delivery::v1::Weekday day : days) field.Add(day);
  return field;
}

catalogue::v1::Delivery BbrDelivery() {
  catalogue::v1::Delivery delivery;
  delivery.set_group_sessions(24);
  for (auto [title, sessions] : std::vector<std::pair<std::string, int>>{
           {"Foundation Module", 6}, {"Further modules", 18}, {"One-to-one sessions", 5}}) {
    catalogue::v1::DeliveryComponent& component = *delivery.add_components();
    component.set_title(title);
    component.set_sessions(sessions);
  }
  return delivery;
}

TEST(BankHolidaysTest, KnowsChristmasBoxingDaySubstituteAndNewYear) {
  const BankHolidays holidays = Embedded();
  EXPECT_TRUE(holidays.IsHoliday(absl::CivilDay(2026, 12, 25)));
  EXPECT_TRUE(holidays.IsHoliday(absl::CivilDay(2026, 12, 28)));
  EXPECT_TRUE(holidays.IsHoliday(absl::CivilDay(2027, 1, 1)));
  EXPECT_EQ(holidays.TitleOf(absl::CivilDay(2026, 12, 28)), "Boxing Day (substitute day)");
  // Boxing Day 2026 is a Saturday: the holiday is the Monday after, not the day itself.
  EXPECT_FALSE(holidays.IsHoliday(absl::CivilDay(2026, 12, 26)));
  EXPECT_FALSE(holidays.IsHoliday(absl::CivilDay(2026, 12, 21)));
  EXPECT_TRUE(holidays.Covers(absl::CivilDay(2028, 12, 31)));
  EXPECT_FALSE(holidays.Covers(absl::CivilDay(2029, 1, 1)));
}

TEST(BankHolidaysTest, RefusesAListOutOfOrderOrOutsideItsYears) {
  EXPECT_THAT(BankHolidays::Load("first_year: 2026 last_year: 2026 "
                                 "holidays { date: \"2026-12-25\" title: \"Christmas Day\" } "
                                 "holidays { date: \"2026-01-01\" title: \"New Year's Day\" }",
                                 "test")
                  .status()
                  .message(),
              HasSubstr("out of order"));
  EXPECT_THAT(BankHolidays::Load("first_year: 2026 last_year: 2026 "
                                 "holidays { date: \"2027-01-01\" title: \"New Year's Day\" }",
                                 "test")
                  .status()
                  .message(),
              HasSubstr("outside the years covered"));
  EXPECT_FALSE(BankHolidays::Load("first_year: 2026 last_year: 2026 "
                                  "holidays { date: \"2026-02-30\" title: \"No such day\" }",
                                  "test")
                   .ok());
}

TEST(GroupScheduleTest, ABbrGroupOnMondaysAndFridaysSkipsTheChristmasBankHolidays) {
  const BankHolidays holidays = Embedded();
  absl::StatusOr<std::vector<absl::CivilDay>> dates = SessionDates(
      absl::CivilDay(2026, 12, 21),
      Days({delivery::v1::WEEKDAY_MONDAY, delivery::v1::WEEKDAY_FRIDAY}), 24, holidays);
  ASSERT_TRUE(dates.ok()) << dates.status();
  ASSERT_EQ(dates->size(), 24u);
  // Monday 21 December, then (Friday 25, Monday 28 and Friday 1 January being holidays)
  // Monday 4 January.
  EXPECT_EQ((*dates)[0], absl::CivilDay(2026, 12, 21));
  EXPECT_EQ((*dates)[1], absl::CivilDay(2027, 1, 4));
  EXPECT_EQ((*dates)[2], absl::CivilDay(2027, 1, 8));
  for (absl::CivilDay day : *dates) {
    EXPECT_FALSE(holidays.IsHoliday(day)) << day;
    const absl::Weekday weekday = absl::GetWeekday(day);
    EXPECT_TRUE(weekday == absl::Weekday::monday || weekday == absl::Weekday::friday) << day;
  }
  // Twice a week from 4 January, the twenty-fourth is before Easter 2027.
  EXPECT_EQ((*dates)[23], absl::CivilDay(2027, 3, 22));
}

TEST(GroupScheduleTest, RefusesASchedulePastTheBankHolidaysKnown) {
  absl::StatusOr<std::vector<absl::CivilDay>> dates = SessionDates(
      absl::CivilDay(2028, 12, 1), Days({delivery::v1::WEEKDAY_MONDAY}), 24, Embedded());
  EXPECT_EQ(dates.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(dates.status().message(), HasSubstr("2028-12-31"));
}

TEST(GroupScheduleTest, ModulesFollowTheCatalogueComponentsInOrder) {
  const std::vector<std::string> modules = SessionModules(BbrDelivery(), 24);
  ASSERT_EQ(modules.size(), 24u);
  EXPECT_EQ(modules[0], "Foundation Module");
  EXPECT_EQ(modules[5], "Foundation Module");
  EXPECT_EQ(modules[6], "Further modules");
  EXPECT_EQ(modules[23], "Further modules");
  // Without components, sessions have no module.
  EXPECT_EQ(SessionModules(catalogue::v1::Delivery(), 4), std::vector<std::string>(4, ""));
}

}  // namespace
}  // namespace probation::referrals
