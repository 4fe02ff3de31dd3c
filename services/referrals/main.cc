// The referrals service: loads and validates the state machines, opens the store (a SQLite
// file or PostgreSQL), connects to the catalogue and eligibility services, purges stale
// drafts now and then, and serves probation.referrals.v1.ReferralService until SIGTERM.
#include <memory>
#include <string>

#include "libs/service/service_main.h"
#include "services/referrals/domain/access_policy.h"
#include "services/referrals/server/draft_retention.h"
#include "services/referrals/server/grpc_dependencies.h"
#include "services/referrals/server/referral_server.h"
#include "services/referrals/server/referral_state_metrics.h"
#include "services/referrals/server/referrals_settings.h"

int main(int argc, char** argv) {
  namespace referrals = probation::referrals;
  probation::ServiceMain service(argc, argv, {"referrals", 50053, 9463, __FILE__});
  const referrals::ReferralsSettings settings = referrals::ReadReferralsSettings(service);
  const referrals::StateMachineSet machines = referrals::LoadStateMachinesOrExit(service);
  service.LoadedOrExit(referrals::AccessPolicy::LoadEmbedded(), "access policy");
  std::unique_ptr<referrals::ReferralStore> store = referrals::OpenStoreOrExit(service, settings);

  referrals::GrpcInterventionDirectory interventions(settings.catalogue,
                                                     settings.dependency_timeout);
  referrals::GrpcEligibilityGate eligibility(settings.eligibility, settings.dependency_timeout);
  referrals::ReferralWorkflow workflow(machines, *store, interventions, eligibility);
  referrals::CapacityWorkflow capacity(machines, *store, interventions);
  referrals::ReferralReports reports(machines, *store);
  referrals::EventBell bell;
  probation::WorkerPool pool(settings.workers);
  probation::WorkerPool stream_pool(settings.stream_workers);
  referrals::OpenStreams streams(settings.stream_limits);
  referrals::EventFanout fanout(*store, bell, referrals::kEventPollInterval);
  service.OpenedOrExit(fanout.Start(), "event reader");
  referrals::ReferralServer referral_service(workflow, capacity, reports, *store, bell, pool,
                                             {fanout, streams, stream_pool},
                                             service.internal_secret());
  auto state_metrics = std::make_shared<referrals::ReferralStateMetrics>(*store);
  service.metrics().Add(state_metrics);

  probation::ServerOptions options;
  options.services = {&referral_service};
  options.health_service_names = {std::string(referrals::v1::ReferralService::service_full_name())};
  service.Serve(options, {{"database", settings.postgres ? "postgresql" : "sqlite"},
                          {"workers", settings.workers}});
  referrals::DraftRetention retention(workflow, settings.retention_interval);
  return service.WaitForTermination([&] {
    retention.Stop();
    bell.Close();
    fanout.Close();
  });
}
