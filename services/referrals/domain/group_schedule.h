// A programme group's timetable, in plain C++: its sessions numbered in the order of the
// programme's modules (the catalogue's delivery components) and dated on the group's weekdays,
// never on a bank holiday.
#ifndef PROBATION_SERVICES_REFERRALS_DOMAIN_GROUP_SCHEDULE_H_
#define PROBATION_SERVICES_REFERRALS_DOMAIN_GROUP_SCHEDULE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "probation/catalogue/v1/intervention.pb.h"
#include "probation/delivery/v1/group.pb.h"
#include "services/referrals/domain/bank_holidays.h"

namespace probation::referrals {

// The module of each group session 1..count: the delivery components in order, each taking as
// many sessions as it has, until `count` are given (components after them, such as one-to-one
// sessions listed last, are not group sessions); "" for sessions no component covers.
std::vector<std::string> SessionModules(const catalogue::v1::Delivery& delivery, int count);

// `count` dates from `from` (inclusive) that fall on one of `weekdays` and are not bank
// holidays. FAILED_PRECONDITION when they would run past the years the bank holidays cover.
absl::StatusOr<std::vector<absl::CivilDay>> SessionDates(
    absl::CivilDay from, const google::protobuf::RepeatedField<int>& weekdays, int count,
    const BankHolidays& holidays);

// Whether `day` falls on one of `weekdays` (delivery.v1.Weekday values).
bool OnWeekday(absl::CivilDay day, const google::protobuf::RepeatedField<int>& weekdays);

}  // namespace probation::referrals

#endif  // PROBATION_SERVICES_REFERRALS_DOMAIN_GROUP_SCHEDULE_H_
