// The referrals service's own settings (its flags, beside the shared ones in libs/service),
// read and checked into the typed values main() wires together.
#ifndef PROBATION_SERVICES_REFERRALS_SERVER_REFERRALS_SETTINGS_H_
#define PROBATION_SERVICES_REFERRALS_SERVER_REFERRALS_SETTINGS_H_

#include <memory>
#include <string>

#include "absl/time/time.h"
#include "grpcpp/channel.h"
#include "libs/service/service_main.h"
#include "services/referrals/domain/referral_store.h"
#include "services/referrals/domain/state_machine_set.h"
#include "services/referrals/server/event_bell.h"
#include "services/referrals/server/open_streams.h"
#include "services/referrals/store/open_referral_store.h"
#include "services/referrals/store/postgres_listener.h"

namespace probation::referrals {

struct ReferralsSettings {
  std::string database;
  bool postgres = false;
  std::shared_ptr<grpc::Channel> catalogue;
  std::shared_ptr<grpc::Channel> eligibility;
  absl::Duration dependency_timeout;
  absl::Duration retention_interval;
  int workers = 0;
  int stream_workers = 0;
  StreamLimits stream_limits;
  StoreOptions store;
  absl::Duration event_poll_interval;
  absl::Duration access_audit_retention;
  absl::Duration case_access_refresh;
  int out_of_scope_refusals_per_hour = 0;
};

// The settings from the flags and the environment; an invalid one exits through
// `service.Fail` naming it.
ReferralsSettings ReadReferralsSettings(const ServiceMain& service);

// The state machines (--state_machines_file, or those built in); exits if they are invalid.
StateMachineSet LoadStateMachinesOrExit(const ServiceMain& service);

// On PostgreSQL, a listener that rings `bell` when any replica commits events; exits if it
// cannot listen. Null on SQLite, whose other writers are this process.
std::unique_ptr<PostgresListener> ListenForEventsOrExit(const ServiceMain& service,
                                                        const ReferralsSettings& settings,
                                                        EventBell& bell);

// The store at --database, checked and migrated as --migrate says; logs `schema` with its
// version; exits if it cannot be opened or its schema is not what this binary can serve.
std::unique_ptr<ReferralStore> OpenStoreOrExit(const ServiceMain& service,
                                               const ReferralsSettings& settings);

}  // namespace probation::referrals

#endif  // PROBATION_SERVICES_REFERRALS_SERVER_REFERRALS_SETTINGS_H_
