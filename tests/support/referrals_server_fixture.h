// The referrals service as a real gRPC server on loopback, on a real SQLite file, calling a
// real catalogue server and a real eligibility server: the whole chain a referral needs.
#ifndef PROBATION_TESTS_SUPPORT_REFERRALS_SERVER_FIXTURE_H_
#define PROBATION_TESTS_SUPPORT_REFERRALS_SERVER_FIXTURE_H_

#include <unistd.h>

#include <cstdio>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "libs/server/grpc_server.h"
#include "probation/referrals/v1/referral_service.grpc.pb.h"
#include "services/referrals/server/access_audit_batcher.h"
#include "services/referrals/server/delivery_server.h"
#include "services/referrals/server/grpc_dependencies.h"
#include "services/referrals/server/referral_server.h"
#include "services/referrals/store/open_referral_store.h"
#include "tests/support/catalogue_fixture.h"
#include "tests/support/eligibility_server_fixture.h"
#include "tests/support/test_identity.h"

namespace probation::testing {

inline constexpr int kTestRefusalsPerHour = 3;

struct RunningReferrals {
  RunningCatalogue catalogue;
  std::unique_ptr<RunningEligibility> eligibility;
  std::string database;
  referrals::StateMachineSet machines;
  std::unique_ptr<referrals::SqlReferralStore> store;
  std::unique_ptr<referrals::GrpcInterventionDirectory> interventions;
  std::unique_ptr<referrals::GrpcEligibilityGate> gate;
  std::unique_ptr<referrals::AccessAuditBatcher> audit;
  std::unique_ptr<referrals::RefusalLimiter> refusals;
  std::unique_ptr<referrals::CaseAccessWorkflow> case_access;
  std::unique_ptr<referrals::SubscriptionWorkflow> subscriptions;
  std::unique_ptr<referrals::ReferralWorkflow> workflow;
  std::unique_ptr<referrals::CapacityWorkflow> capacity;
  std::unique_ptr<referrals::ReferralReports> reports;
  referrals::EventBell bell;
  WorkerPool pool{8};
  WorkerPool stream_pool{2};
  std::unique_ptr<referrals::OpenStreams> streams;
  std::unique_ptr<referrals::EventFanout> fanout;
  std::unique_ptr<referrals::ReferralServer> service;
  std::unique_ptr<referrals::DeliveryRules> delivery_rules;
  std::unique_ptr<referrals::DeliveryWorkflow> delivery;
  std::unique_ptr<referrals::BankHolidays> bank_holidays;
  std::unique_ptr<referrals::GroupWorkflow> groups;
  std::unique_ptr<referrals::DeliveryServer> delivery_service;
  std::unique_ptr<GrpcServer> server;
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<referrals::v1::ReferralService::Stub> stub;
  std::unique_ptr<delivery::v1::DeliveryService::Stub> delivery_stub;

  ~RunningReferrals() {
    bell.Close();
    if (fanout != nullptr) fanout->Close();
    if (server != nullptr) server->Shutdown(absl::Seconds(2));
    fanout.reset();
    audit.reset();
    store.reset();
    for (const char* suffix : {"", "-wal", "-shm"}) std::remove((database + suffix).c_str());
  }
};

// `limits` bound the server's streams (tests make them small).
inline std::unique_ptr<RunningReferrals> StartReferrals(
    const referrals::StreamLimits& limits = referrals::StreamLimits()) {
  auto running = std::make_unique<RunningReferrals>();
  running->catalogue = StartCatalogue();
  const std::string catalogue_address =
      absl::StrCat("127.0.0.1:", running->catalogue.server->port());
  running->eligibility = StartEligibility(catalogue_address);
  // Wait until eligibility has the catalogue, so submissions can be judged.
  for (int i = 0; i < 400 && running->eligibility->watcher->current() == nullptr; ++i) {
    absl::SleepFor(absl::Milliseconds(25));
  }
  char path[] = "/tmp/referrals-test-XXXXXX";
  close(mkstemp(path));
  std::remove(path);
  running->database = absl::StrCat(path, ".db");
  auto machines =
      referrals::StateMachineSet::Load(referrals::EmbeddedStateMachinesText(), "embedded");
  EXPECT_TRUE(machines.ok()) << machines.status();
  running->machines = *std::move(machines);
  auto store = referrals::OpenSqliteReferralStore(running->database);
  EXPECT_TRUE(store.ok()) << store.status();
  running->store = *std::move(store);
  running->interventions = std::make_unique<referrals::GrpcInterventionDirectory>(
      running->catalogue.channel, absl::Seconds(5));
  running->gate = std::make_unique<referrals::GrpcEligibilityGate>(running->eligibility->channel,
                                                                   absl::Seconds(5));
  // Records are written within 20 ms, so a test can read them back at once; each caller may
  // draw kTestRefusalsPerHour refusals for referrals it cannot see.
  running->audit =
      std::make_unique<referrals::AccessAuditBatcher>(*running->store, absl::Milliseconds(20));
  running->refusals = std::make_unique<referrals::RefusalLimiter>(kTestRefusalsPerHour);
  running->case_access =
      std::make_unique<referrals::CaseAccessWorkflow>(*running->store, running->audit.get());
  EXPECT_TRUE(running->case_access->RefreshRules().ok());
  running->workflow = std::make_unique<referrals::ReferralWorkflow>(
      running->machines, *running->store, *running->interventions, *running->gate, nullptr,
      referrals::CallerGuards{running->audit.get(), running->refusals.get()});
  running->capacity = std::make_unique<referrals::CapacityWorkflow>(
      running->machines, *running->store, *running->interventions, nullptr, running->store.get());
  running->reports = std::make_unique<referrals::ReferralReports>(
      running->machines, *running->store, running->audit.get());
  running->subscriptions =
      std::make_unique<referrals::SubscriptionWorkflow>(*running->store, running->audit.get());
  running->streams = std::make_unique<referrals::OpenStreams>(limits);
  running->fanout = std::make_unique<referrals::EventFanout>(
      *running->store, running->bell, referrals::kEventPollInterval, running->audit.get());
  const absl::Status fanout_started = running->fanout->Start();
  EXPECT_TRUE(fanout_started.ok()) << fanout_started;
  running->service = std::make_unique<referrals::ReferralServer>(
      *running->workflow, *running->capacity, *running->reports, *running->store, running->bell,
      running->pool,
      referrals::ReferralStreams{*running->fanout, *running->streams, running->stream_pool,
                                 running->audit.get()},
      kTestIdentitySecret, *running->case_access, *running->subscriptions);
  auto delivery_rules = referrals::DeliveryRules::LoadEmbedded();
  EXPECT_TRUE(delivery_rules.ok()) << delivery_rules.status();
  running->delivery_rules = std::make_unique<referrals::DeliveryRules>(*std::move(delivery_rules));
  running->delivery = std::make_unique<referrals::DeliveryWorkflow>(
      running->machines, *running->delivery_rules, *running->store, nullptr,
      referrals::CallerGuards{running->audit.get(), running->refusals.get()});
  auto bank_holidays = referrals::BankHolidays::LoadEmbedded();
  EXPECT_TRUE(bank_holidays.ok()) << bank_holidays.status();
  running->bank_holidays = std::make_unique<referrals::BankHolidays>(*std::move(bank_holidays));
  running->groups = std::make_unique<referrals::GroupWorkflow>(
      running->machines, *running->bank_holidays, *running->store, *running->interventions, nullptr,
      referrals::CallerGuards{running->audit.get(), running->refusals.get()});
  running->delivery_service = std::make_unique<referrals::DeliveryServer>(
      *running->delivery, *running->groups, running->bell, running->pool, kTestIdentitySecret);
  ServerOptions options;
  options.address = "127.0.0.1:0";
  options.services = {running->service.get(), running->delivery_service.get()};
  options.health_service_names = {std::string(referrals::v1::ReferralService::service_full_name())};
  auto server = GrpcServer::Start(options);
  EXPECT_TRUE(server.ok()) << server.status();
  running->server = *std::move(server);
  // Signs the identity a test sets on a call for the method it calls, as the gateway does.
  running->channel = *CreateSignedChannel(absl::StrCat("127.0.0.1:", running->server->port()), "",
                                          kTestIdentitySecret);
  running->stub = referrals::v1::ReferralService::NewStub(running->channel);
  running->delivery_stub = delivery::v1::DeliveryService::NewStub(running->channel);
  return running;
}

}  // namespace probation::testing

#endif  // PROBATION_TESTS_SUPPORT_REFERRALS_SERVER_FIXTURE_H_
