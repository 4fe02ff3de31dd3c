// ReferralStore written once in SQL, for SQLite and PostgreSQL alike, over SqlConnection; what
// differs between the engines is in sql_dialect.h and their connections. Migrations are applied
// at open. Writes share transactions by group commit on one connection: on SQLite, whose one
// writer commits one transaction at a time, that is one fsync per group; on PostgreSQL, where
// event sequences are handed out under a row lock held to commit, one WAL flush per group.
// Reads use a second connection, which sees only committed data (WAL lets SQLite's run beside
// the writer). On PostgreSQL several replicas may share the database: the etag check, the
// one-open-referral rule and request-id idempotency are enforced by the database.
#ifndef PROBATION_SERVICES_REFERRALS_STORE_SQL_REFERRAL_STORE_H_
#define PROBATION_SERVICES_REFERRALS_STORE_SQL_REFERRAL_STORE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "services/referrals/domain/referral_store.h"
#include "services/referrals/store/group_commit.h"
#include "services/referrals/store/sql_connection.h"

namespace probation::referrals {

class SqlReferralStore final : public ReferralStore {
 public:
  // Migrates the database `writer` and `reader` are connected to (the same one) to the latest
  // schema and serves it.
  static absl::StatusOr<std::unique_ptr<SqlReferralStore>> Open(
      std::unique_ptr<SqlConnection> writer, std::unique_ptr<SqlConnection> reader);

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
  absl::StatusOr<int64_t> LastEventSequence() override;
  absl::StatusOr<std::vector<v1::Referral>> ReferralsOfPerson(absl::string_view crn) override;
  absl::StatusOr<std::vector<v1::ReferralEvent>> EventsOfPerson(absl::string_view crn) override;
  absl::StatusOr<std::vector<StateCount>> CountByState() override;
  absl::StatusOr<ReportData> Report(const ReportQuery& query) override;
  absl::StatusOr<int> PurgeDraftsUntouchedSince(absl::Time cutoff) override;

  absl::StatusOr<v1::CaseAccess> PutCaseAccess(const v1::CaseAccess& access,
                                               absl::string_view expected_etag) override;
  absl::StatusOr<v1::CaseAccess> GetCaseAccess(absl::string_view crn) override;
  absl::Status DeleteCaseAccess(absl::string_view crn, absl::string_view expected_etag) override;
  absl::StatusOr<std::vector<v1::CaseAccess>> AllCaseAccess() override;
  absl::Status AppendAccessRecords(const std::vector<v1::AccessRecord>& records) override;
  absl::StatusOr<std::vector<v1::AccessRecord>> ListAccessRecords(
      const AccessRecordQuery& query) override;
  absl::StatusOr<int> PurgeAccessRecordsBefore(absl::Time cutoff) override;

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
  // The migration the database is at.
  absl::StatusOr<int> SchemaVersion();

 private:
  SqlReferralStore(std::unique_ptr<SqlConnection> writer, std::unique_ptr<SqlConnection> reader);
  // One referral's entries (history or changelog), read by `sql` with the id bound, in order.
  template <typename Entry>
  absl::StatusOr<std::vector<Entry>> ReadLog(absl::string_view sql, absl::string_view id);
  // Appends audit records inside the caller's write transaction.
  static absl::Status InsertAccessRecords(SqlConnection& db,
                                          const std::vector<v1::AccessRecord>& records);
  // Purges at most kPurgeBatch drafts in one transaction; returns how many.
  absl::StatusOr<int> PurgeBatch(absl::Time cutoff);
  static absl::StatusOr<v1::Referral> ReadReferral(SqlConnection& db, absl::string_view id);
  static absl::Status AppendHistoryAndEvent(SqlConnection& db, const ReferralWrite& write,
                                            const v1::Referral& stored,
                                            const EncodedWrite& encoded);
  // Appends an event (`body`, a serialised v1::ReferralEvent); returns its sequence.
  static absl::StatusOr<int64_t> InsertEvent(SqlConnection& db, v1::ReferralEvent::Type type,
                                             const std::string& body,
                                             const std::string& referral_id, const std::string& crn,
                                             int64_t occurred_us);
  // The error a failed write of `referral` returns: which rule it broke, if one.
  static absl::Status ExplainConstraint(SqlConnection& db, const v1::Referral& referral,
                                        const absl::Status& status);

  // Used only inside group_commit_.Write(), which gives one write at a time the connection.
  std::unique_ptr<SqlConnection> writer_;
  const SqlDialect dialect_;
  GroupCommit group_commit_;
  absl::Mutex read_mu_;
  std::unique_ptr<SqlConnection> reader_ ABSL_GUARDED_BY(read_mu_);
};

}  // namespace probation::referrals

#endif  // PROBATION_SERVICES_REFERRALS_STORE_SQL_REFERRAL_STORE_H_
