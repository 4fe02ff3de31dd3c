// ReferralStore on PostgreSQL (libpq), for several replicas sharing one database: the etag
// check, the one-open-referral rule and request-id idempotency are enforced by the
// database, and event sequences are handed out in commit order. Migrations from
// migrations/postgres are applied at open, under an advisory lock so replicas starting
// together apply each once. Writes share transactions by group commit on one connection
// (event sequences are handed out under a row lock held to commit, so one replica's writes
// commit one after another anyway: grouping them makes that one WAL flush per group rather
// than per write); reads use a second connection.
#ifndef PROBATION_SERVICES_REFERRALS_POSTGRES_REFERRAL_STORE_H_
#define PROBATION_SERVICES_REFERRALS_POSTGRES_REFERRAL_STORE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "services/referrals/group_commit.h"
#include "services/referrals/postgres_connection.h"
#include "services/referrals/referral_store.h"

namespace probation::referrals {

std::vector<Migration> PostgresMigrations();

// Whether `database` names a PostgreSQL database (a postgres:// or postgresql:// URL) rather
// than a SQLite file.
bool IsPostgresUrl(absl::string_view database);

class PostgresReferralStore final : public ReferralStore {
 public:
  static absl::StatusOr<std::unique_ptr<PostgresReferralStore>> Open(const std::string& conninfo);

  absl::StatusOr<CreateResult> Create(const ReferralWrite& write,
                                      absl::string_view request_id) override;
  absl::StatusOr<v1::Referral> Get(absl::string_view id) override;
  absl::StatusOr<v1::Referral> Update(const ReferralWrite& write,
                                      absl::string_view expected_etag) override;
  absl::StatusOr<ListPage> List(const ListQuery& query) override;
  absl::StatusOr<std::vector<v1::HistoryEntry>> History(absl::string_view id) override;
  absl::StatusOr<std::vector<v1::ChangelogEntry>> Changelog(absl::string_view id) override;
  absl::StatusOr<std::vector<v1::ReferralEvent>> EventsAfter(int64_t after_sequence,
                                                             int limit) override;
  absl::StatusOr<std::vector<v1::Referral>> ReferralsOfPerson(absl::string_view crn) override;
  absl::StatusOr<std::vector<v1::ReferralEvent>> EventsOfPerson(absl::string_view crn) override;
  absl::StatusOr<std::vector<StateCount>> CountByState() override;
  absl::StatusOr<ReportData> Report(const ReportQuery& query) override;
  absl::StatusOr<int> PurgeDraftsUntouchedSince(absl::Time cutoff) override;

  absl::StatusOr<v1::Capacity> GetCapacity(absl::string_view intervention, absl::string_view region,
                                           absl::string_view provider) override;
  absl::StatusOr<v1::Capacity> PutCapacity(const v1::Capacity& capacity,
                                           absl::string_view expected_etag,
                                           bool allow_missing) override;
  absl::StatusOr<std::vector<v1::Capacity>> CapacitiesInRegion(absl::string_view region) override;
  absl::StatusOr<RegionLoad> LoadInRegion(absl::string_view region,
                                          absl::Time started_since) override;

  // Commits and writes so far: how well concurrent writes are being grouped.
  GroupCommit::Counts write_counts() { return group_commit_.counts(); }

 private:
  // The rows of `table` (history or changelog) for one referral, by position.
  template <typename Entry>
  absl::StatusOr<std::vector<Entry>> ReadLog(absl::string_view table, absl::string_view id);
  // Purges at most kPurgeBatch drafts in one transaction; returns how many.
  absl::StatusOr<int> PurgeBatch(absl::Time cutoff);
  PostgresReferralStore(std::unique_ptr<PostgresConnection> writer,
                        std::unique_ptr<PostgresConnection> reader);
  static absl::Status Migrate(PostgresConnection& db);
  // Migration 3: the caseload and report columns of rows written before it, from their records.
  static absl::Status FillCaseloadColumns(PostgresConnection& db);
  static absl::StatusOr<CreateResult> CreateInGroup(PostgresConnection& db,
                                                    const ReferralWrite& write,
                                                    absl::string_view request_id);
  static absl::StatusOr<v1::Referral> ReadReferral(PostgresConnection& db, absl::string_view id);
  static absl::Status AppendHistoryAndEvent(PostgresConnection& db, const ReferralWrite& write,
                                            const v1::Referral& stored,
                                            const EncodedWrite& encoded);
  // Appends an event (`body`, a serialised v1::ReferralEvent) at the next sequence.
  static absl::Status InsertEvent(PostgresConnection& db, v1::ReferralEvent::Type type,
                                  absl::string_view body, absl::string_view referral_id,
                                  absl::string_view crn, int64_t occurred_us);
  static absl::Status ExplainConstraint(const v1::Referral& referral, const absl::Status& status);
  static absl::StatusOr<std::vector<v1::ReferralEvent>> QueryEvents(
      PostgresConnection& db, absl::string_view sql, const std::vector<SqlValue>& params);

  // Used only inside group_commit_.Write(), which gives one write at a time the connection.
  std::unique_ptr<PostgresConnection> writer_;
  GroupCommit group_commit_;
  absl::Mutex read_mu_;
  std::unique_ptr<PostgresConnection> reader_ ABSL_GUARDED_BY(read_mu_);
};

}  // namespace probation::referrals

#endif  // PROBATION_SERVICES_REFERRALS_POSTGRES_REFERRAL_STORE_H_
