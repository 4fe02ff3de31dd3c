#include "services/referrals/server/referrals_settings.h"

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "libs/client/service_channel.h"
#include "libs/client/service_descriptors.h"
#include "libs/logging/json_log.h"
#include "services/referrals/domain/case_access_workflow.h"
#include "services/referrals/store/open_referral_store.h"

ABSL_FLAG(std::string, database, "referrals.db",
          "A SQLite file (WAL, `synchronous=FULL`; created if missing), or a PostgreSQL URL "
          "`postgresql://user:password@host:port/dbname`; migrated at start either way.");
ABSL_FLAG(std::string, migrate, "auto",
          "What starting does to the database's schema: `auto` checks the migrations already "
          "applied (a changed one, or a database newer than this binary, stops the service), "
          "applies the missing ones and serves; `only` does the same and exits, for migrating "
          "as a separate step; `verify` checks, changes nothing, and refuses to start while a "
          "migration is missing.");
ABSL_FLAG(std::string, catalogue_address, "127.0.0.1:50051",
          PROBATION_SERVICE_TARGET_HELP("catalogue"));
ABSL_FLAG(std::string, eligibility_address, "127.0.0.1:50052",
          PROBATION_SERVICE_TARGET_HELP("eligibility"));
ABSL_FLAG(absl::Duration, dependency_timeout, absl::Seconds(5),
          "Deadline of each call to the catalogue and eligibility services.");
ABSL_FLAG(std::string, state_machines_file, "",
          "State machines (text-format probation.referrals.data.v1.StateMachines); empty uses the "
          "machines built into the binary.");
ABSL_FLAG(absl::Duration, retention_interval, absl::Hours(1),
          "How often drafts untouched for 90 days, and access audit records older than "
          "`--access_audit_retention`, are purged (at least `1s`).");
ABSL_FLAG(absl::Duration, access_audit_retention,
          probation::referrals::kDefaultAccessAuditRetention,
          "How long the access audit (who read or changed whose data) is kept: 7 years by "
          "default (decision 11); at least `24h`.");
ABSL_FLAG(absl::Duration, case_access_refresh, absl::Seconds(10),
          "How often the limited-access cases are reloaded from the database, for changes made "
          "through other replicas (at least `1s`).");
ABSL_FLAG(int, out_of_scope_refusals_per_hour, 20,
          "Refusals for another scope's open referral one caller may draw per hour (a token "
          "bucket per caller and process); beyond it RESOURCE_EXHAUSTED (1-100000).");
ABSL_FLAG(int, workers, 16,
          "Threads that run calls, which block on the database and on the other services "
          "(1-1024).");
ABSL_FLAG(int, stream_workers, 4,
          "Threads that read the database for streams (event watches catching up, exports), "
          "apart from `--workers`, so streams never hold up other calls (1-256).");
ABSL_FLAG(int, max_watches, 10000, "Event watches open at once in this process (1-100000).");
ABSL_FLAG(int, max_watches_per_caller, 100,
          "Event watches one caller (token subject) may have open at once (1-100000).");
ABSL_FLAG(int, max_exports, 8, "Exports running at once in this process (1-1024).");
ABSL_FLAG(int, max_exports_per_caller, 2,
          "Exports one caller (token subject) may have running at once (1-1024).");
ABSL_FLAG(int, max_reports, 4,
          "Reports (GetReferralReport) running at once in this process (1-1024).");
ABSL_FLAG(int, max_reports_per_caller, 1,
          "Reports one caller (token subject) may have running at once (1-1024).");
ABSL_FLAG(absl::Duration, max_stream_duration, absl::Hours(1),
          "The longest a watch or export runs (at least `1s`); a watch then ends UNAVAILABLE "
          "and its client watches again from its last sequence.");
ABSL_FLAG(absl::Duration, stream_stall_timeout, absl::Seconds(30),
          "How long a stream waits for a reader that takes nothing before ending it (at least "
          "`1s`).");
ABSL_FLAG(int64_t, max_watch_lag, 100000,
          "How far a watch that was live may fall behind the newest event, reading on from the "
          "database, before it is ended RESOURCE_EXHAUSTED for its client to resume from its "
          "last sequence (100-1000000000).");
ABSL_FLAG(int, watch_buffer, 1000,
          "Events queued for one watch whose reader is behind; a watch past it stops being fed "
          "new events and reads on from the database at its reader's pace (10-1000000).");

ABSL_FLAG(int, database_readers, 4,
          "Connections the store reads on, so a report or a watcher catching up holds up no "
          "other read (1-64).");
ABSL_FLAG(int, database_writers, 2,
          "PostgreSQL only: connections the store writes on, each committing its own groups of "
          "writes, so the database's cores share them (1-16). SQLite has one writer.");
ABSL_FLAG(absl::Duration, event_poll_interval, absl::Seconds(2),
          "How often the event reader looks for events other replicas committed when nothing "
          "woke it. This process's own writes wake it, and on PostgreSQL so do other replicas' "
          "(LISTEN/NOTIFY), so this is the fallback for a lost notification.");

namespace probation::referrals {
namespace {

int CheckedInt(const ServiceMain& service, absl::string_view name, int value, int low, int high) {
  if (value < low || value > high) {
    service.Fail(name, absl::StrCat("must be ", low, "-", high));
  }
  return value;
}

StreamLimits ReadStreamLimits(const ServiceMain& service) {
  StreamLimits limits;
  limits.max_watches =
      CheckedInt(service, "max_watches", absl::GetFlag(FLAGS_max_watches), 1, 100000);
  limits.max_watches_per_caller = CheckedInt(
      service, "max_watches_per_caller", absl::GetFlag(FLAGS_max_watches_per_caller), 1, 100000);
  limits.max_exports =
      CheckedInt(service, "max_exports", absl::GetFlag(FLAGS_max_exports), 1, 1024);
  limits.max_exports_per_caller = CheckedInt(service, "max_exports_per_caller",
                                             absl::GetFlag(FLAGS_max_exports_per_caller), 1, 1024);
  limits.max_reports =
      CheckedInt(service, "max_reports", absl::GetFlag(FLAGS_max_reports), 1, 1024);
  limits.max_reports_per_caller = CheckedInt(service, "max_reports_per_caller",
                                             absl::GetFlag(FLAGS_max_reports_per_caller), 1, 1024);
  limits.watch_buffer =
      CheckedInt(service, "watch_buffer", absl::GetFlag(FLAGS_watch_buffer), 10, 1000000);
  limits.max_watch_lag = absl::GetFlag(FLAGS_max_watch_lag);
  if (limits.max_watch_lag < 100 || limits.max_watch_lag > 1000000000) {
    service.Fail("max_watch_lag", "must be 100-1000000000");
  }
  limits.max_duration = absl::GetFlag(FLAGS_max_stream_duration);
  service.CheckDuration("max_stream_duration", limits.max_duration, absl::Seconds(1));
  limits.stall_timeout = absl::GetFlag(FLAGS_stream_stall_timeout);
  service.CheckDuration("stream_stall_timeout", limits.stall_timeout, absl::Seconds(1));
  return limits;
}

}  // namespace

ReferralsSettings ReadReferralsSettings(const ServiceMain& service) {
  ReferralsSettings settings;
  settings.database = absl::GetFlag(FLAGS_database);
  service.CheckNotEmpty("database", settings.database);
  settings.postgres = IsPostgresUrl(settings.database);
  absl::StatusOr<MigrationMode> migrate = ParseMigrationMode(absl::GetFlag(FLAGS_migrate));
  service.Check("migrate", migrate.status());
  settings.store.migrate = *migrate;
  settings.dependency_timeout = absl::GetFlag(FLAGS_dependency_timeout);
  service.CheckDuration("dependency_timeout", settings.dependency_timeout, absl::Nanoseconds(1));
  settings.retention_interval = absl::GetFlag(FLAGS_retention_interval);
  service.CheckDuration("retention_interval", settings.retention_interval, absl::Seconds(1));
  settings.access_audit_retention = absl::GetFlag(FLAGS_access_audit_retention);
  service.CheckDuration("access_audit_retention", settings.access_audit_retention, absl::Hours(24));
  settings.case_access_refresh = absl::GetFlag(FLAGS_case_access_refresh);
  service.CheckDuration("case_access_refresh", settings.case_access_refresh, absl::Seconds(1));
  settings.out_of_scope_refusals_per_hour = absl::GetFlag(FLAGS_out_of_scope_refusals_per_hour);
  if (settings.out_of_scope_refusals_per_hour < 1 ||
      settings.out_of_scope_refusals_per_hour > 100000) {
    service.Fail("out_of_scope_refusals_per_hour", "must be 1-100000");
  }
  settings.workers = CheckedInt(service, "workers", absl::GetFlag(FLAGS_workers), 1, 1024);
  settings.stream_workers =
      CheckedInt(service, "stream_workers", absl::GetFlag(FLAGS_stream_workers), 1, 256);
  settings.stream_limits = ReadStreamLimits(service);
  settings.store.readers =
      CheckedInt(service, "database_readers", absl::GetFlag(FLAGS_database_readers), 1, 64);
  settings.store.writers =
      CheckedInt(service, "database_writers", absl::GetFlag(FLAGS_database_writers), 1, 16);
  settings.event_poll_interval = absl::GetFlag(FLAGS_event_poll_interval);
  service.CheckDuration("event_poll_interval", settings.event_poll_interval,
                        absl::Milliseconds(10));
  settings.catalogue = service.SignedChannel(
      "catalogue_address", absl::GetFlag(FLAGS_catalogue_address), CatalogueServiceDescriptor());
  settings.eligibility =
      service.SignedChannel("eligibility_address", absl::GetFlag(FLAGS_eligibility_address),
                            EligibilityServiceDescriptor());
  return settings;
}

StateMachineSet LoadStateMachinesOrExit(const ServiceMain& service) {
  const std::string file = absl::GetFlag(FLAGS_state_machines_file);
  return service.LoadedOrExit(
      file.empty() ? StateMachineSet::Load(EmbeddedStateMachinesText(), "embedded state machines")
                   : StateMachineSet::LoadFile(file),
      "state machines");
}

std::unique_ptr<ReferralStore> OpenStoreOrExit(const ServiceMain& service,
                                               const ReferralsSettings& settings) {
  std::unique_ptr<SqlReferralStore> store =
      service.OpenedOrExit(OpenReferralStore(settings.database, settings.store), "database");
  const absl::StatusOr<int> version = store->SchemaVersion();
  Log(spdlog::level::info, "schema",
      {{"schema_version", version.value_or(-1)},
       {"migrate", std::string(absl::GetFlag(FLAGS_migrate))}});
  return store;
}

std::unique_ptr<PostgresListener> ListenForEventsOrExit(const ServiceMain& service,
                                                        const ReferralsSettings& settings,
                                                        EventBell& bell) {
  if (!settings.postgres) return nullptr;
  return service.OpenedOrExit(
      PostgresListener::Start(settings.database, kEventsChannel, [&bell] { bell.Ring(); }),
      "event notifications");
}

}  // namespace probation::referrals
