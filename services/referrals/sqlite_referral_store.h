// ReferralStore on a SQLite file: WAL journaling, synchronous=FULL (a write is on disk when
// acknowledged), schema migrations from migrations/sqlite applied at open. Writes go through
// one connection with group commit (concurrent writes share a transaction and its fsync);
// reads use a second connection, which WAL lets run beside the writer and which sees only
// committed data.
#ifndef PROBATION_SERVICES_REFERRALS_SQLITE_REFERRAL_STORE_H_
#define PROBATION_SERVICES_REFERRALS_SQLITE_REFERRAL_STORE_H_

#include <memory>
#include <string>

#include "absl/synchronization/mutex.h"
#include "services/referrals/group_commit.h"
#include "services/referrals/referral_store.h"
#include "services/referrals/sqlite_connection.h"

namespace probation::referrals {

// The migrations compiled into the binary, in order.
std::vector<Migration> SqliteMigrations();

class SqliteReferralStore final : public ReferralStore {
 public:
  static absl::StatusOr<std::unique_ptr<SqliteReferralStore>> Open(const std::string& path);

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
  // One referral's entries (history or changelog), read by `sql` with the id bound, in order.
  template <typename Entry>
  absl::StatusOr<std::vector<Entry>> ReadLog(absl::string_view sql, absl::string_view id);
  // Purges at most kPurgeBatch drafts in one transaction; returns how many.
  absl::StatusOr<int> PurgeBatch(absl::Time cutoff);
  SqliteReferralStore(std::unique_ptr<SqliteConnection> writer,
                      std::unique_ptr<SqliteConnection> reader);
  static absl::Status Migrate(SqliteConnection& connection);
  // Migration 3: the caseload and report columns of rows written before it, from their records.
  static absl::Status FillCaseloadColumns(SqliteConnection& db);
  static absl::StatusOr<v1::Referral> ReadReferral(SqliteConnection& db, absl::string_view id);
  static absl::Status AppendHistoryAndEvent(SqliteConnection& db, const ReferralWrite& write,
                                            const v1::Referral& stored,
                                            const EncodedWrite& encoded);
  static absl::Status ExplainConstraint(SqliteConnection& db, const v1::Referral& referral,
                                        const absl::Status& status);

  // Used only inside group_commit_.Write(), which gives one write at a time the connection.
  std::unique_ptr<SqliteConnection> writer_;
  GroupCommit group_commit_;
  absl::Mutex read_mu_;
  std::unique_ptr<SqliteConnection> reader_ ABSL_GUARDED_BY(read_mu_);
};

}  // namespace probation::referrals

#endif  // PROBATION_SERVICES_REFERRALS_SQLITE_REFERRAL_STORE_H_
