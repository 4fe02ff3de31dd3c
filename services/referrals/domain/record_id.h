// The ids the referrals service gives what it stores: referrals, appointments, access records.
#ifndef PROBATION_SERVICES_REFERRALS_DOMAIN_RECORD_ID_H_
#define PROBATION_SERVICES_REFERRALS_DOMAIN_RECORD_ID_H_

#include <string>

namespace probation::referrals {

// 128 random bits as 32 lower-case hex digits: unguessable, and a valid resource id.
std::string NewRecordId();

}  // namespace probation::referrals

#endif  // PROBATION_SERVICES_REFERRALS_DOMAIN_RECORD_ID_H_
