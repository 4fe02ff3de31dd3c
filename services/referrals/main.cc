// The referrals service: loads and validates the state machines, opens the store (a SQLite
// file or PostgreSQL, whose other replicas' events it listens for), loads the limited-access
// cases, connects to the catalogue and
// eligibility services, purges stale drafts and old audit records now and then, and serves
// probation.referrals.v1.ReferralService and probation.delivery.v1.DeliveryService until SIGTERM.
#include <memory>
#include <string>

#include "libs/logging/json_log.h"
#include "libs/service/service_main.h"
#include "services/referrals/domain/access_policy.h"
#include "services/referrals/server/access_audit_batcher.h"
#include "services/referrals/server/delivery_server.h"
#include "services/referrals/server/grpc_dependencies.h"
#include "services/referrals/server/periodic_job.h"
#include "services/referrals/server/referral_server.h"
#include "services/referrals/server/referral_state_metrics.h"
#include "services/referrals/server/referrals_settings.h"

int main(int argc, char** argv) {
  namespace referrals = probation::referrals;
  probation::ServiceMain service(argc, argv, {"referrals", 50053, 9463, __FILE__});
  const referrals::ReferralsSettings settings = referrals::ReadReferralsSettings(service);
  const referrals::StateMachineSet machines = referrals::LoadStateMachinesOrExit(service);
  service.LoadedOrExit(referrals::AccessPolicy::LoadEmbedded(), "access policy");
  const referrals::DeliveryRules delivery_rules =
      service.LoadedOrExit(referrals::DeliveryRules::LoadEmbedded(), "delivery rules");
  const referrals::BankHolidays bank_holidays =
      service.LoadedOrExit(referrals::BankHolidays::LoadEmbedded(), "bank holidays");
  std::unique_ptr<referrals::ReferralStore> store = referrals::OpenStoreOrExit(service, settings);
  // --migrate=only: the schema is current (OpenStoreOrExit logged its version); nothing to serve.
  if (settings.store.migrate == referrals::MigrationMode::kOnly) return 0;

  referrals::GrpcInterventionDirectory interventions(settings.catalogue,
                                                     settings.dependency_timeout);
  referrals::GrpcEligibilityGate eligibility(settings.eligibility, settings.dependency_timeout);
  // Made after the store and before the server: on the way out, once the calls have drained,
  // it writes their last records before the store closes.
  referrals::AccessAuditBatcher audit(*store);
  referrals::RefusalLimiter refusals(settings.out_of_scope_refusals_per_hour);
  referrals::CaseAccessWorkflow case_access(*store, &audit);
  // Without its limited-access cases the service would show them to everyone: it does not
  // start without them.
  const absl::Status rules = case_access.RefreshRules();
  service.OpenedOrExit(rules.ok() ? absl::StatusOr<bool>(true) : absl::StatusOr<bool>(rules),
                       "limited-access cases");
  referrals::ReferralWorkflow workflow(machines, *store, interventions, eligibility, nullptr,
                                       {&audit, &refusals});
  referrals::CapacityWorkflow capacity(machines, *store, interventions, nullptr, store.get());
  referrals::ReferralReports reports(machines, *store, &audit);
  referrals::EventBell bell;
  probation::WorkerPool pool(settings.workers);
  probation::WorkerPool stream_pool(settings.stream_workers);
  referrals::OpenStreams streams(settings.stream_limits);
  // Made after the bell, which it rings, and gone before it.
  std::unique_ptr<referrals::PostgresListener> listener =
      referrals::ListenForEventsOrExit(service, settings, bell);
  referrals::EventFanout fanout(*store, bell, settings.event_poll_interval, &audit);
  service.OpenedOrExit(fanout.Start(), "event reader");
  referrals::SubscriptionWorkflow subscriptions(*store, &audit);
  referrals::ReferralServer referral_service(workflow, capacity, reports, *store, bell, pool,
                                             {fanout, streams, stream_pool, &audit},
                                             service.internal_secret(), case_access, subscriptions);
  referrals::DeliveryWorkflow delivery(machines, delivery_rules, *store, nullptr,
                                       {&audit, &refusals});
  referrals::GroupWorkflow groups(machines, bank_holidays, *store, interventions, nullptr,
                                  {&audit, &refusals});
  referrals::DeliveryServer delivery_service(delivery, groups, bell, pool,
                                             service.internal_secret());
  auto state_metrics = std::make_shared<referrals::ReferralStateMetrics>(*store);
  service.metrics().Add(state_metrics);

  probation::ServerOptions options;
  options.services = {&referral_service, &delivery_service};
  options.health_service_names = {
      std::string(referrals::v1::ReferralService::service_full_name()),
      std::string(probation::delivery::v1::DeliveryService::service_full_name())};
  service.Serve(options, {{"database", settings.postgres ? "postgresql" : "sqlite"},
                          {"workers", settings.workers}});
  auto draft_retention = referrals::PeriodicPurge(settings.retention_interval, "drafts",
                                                  [&] { return workflow.PurgeStaleDrafts(); });
  auto audit_retention = referrals::PeriodicPurge(
      settings.retention_interval, "access_records",
      [&] { return case_access.PurgeAccessRecords(settings.access_audit_retention); });
  referrals::PeriodicJob case_access_refresh(settings.case_access_refresh, [&] {
    if (absl::Status status = case_access.RefreshRules(); !status.ok()) {
      probation::Log(spdlog::level::err, "case_access_refresh_failed",
                     {{"error", std::string(status.message())}});
    }
  });
  return service.WaitForTermination([&] {
    draft_retention->Stop();
    audit_retention->Stop();
    case_access_refresh.Stop();
    listener.reset();
    bell.Close();
    fanout.Close();
  });
}
