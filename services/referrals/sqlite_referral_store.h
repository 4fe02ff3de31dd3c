// ReferralStore on a SQLite file: WAL journaling, synchronous=FULL (a write is on disk when
// acknowledged), schema migrations from migrations/sqlite applied at open. One connection,
// its writes serialised by a mutex, as SQLite serialises writers anyway.
#ifndef PROBATION_SERVICES_REFERRALS_SQLITE_REFERRAL_STORE_H_
#define PROBATION_SERVICES_REFERRALS_SQLITE_REFERRAL_STORE_H_

#include <memory>
#include <string>

#include "absl/synchronization/mutex.h"
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
  absl::StatusOr<std::vector<v1::ReferralEvent>> EventsAfter(int64_t after_sequence,
                                                             int limit) override;
  absl::StatusOr<std::vector<v1::Referral>> ReferralsOfPerson(absl::string_view crn) override;
  absl::StatusOr<std::vector<v1::ReferralEvent>> EventsOfPerson(absl::string_view crn) override;
  absl::StatusOr<std::vector<StateCount>> CountByState() override;
  absl::StatusOr<int> PurgeDraftsUntouchedSince(absl::Time cutoff) override;

 private:
  explicit SqliteReferralStore(std::unique_ptr<SqliteConnection> connection)
      : connection_(std::move(connection)) {}
  absl::Status Migrate();
  absl::StatusOr<v1::Referral> GetLocked(absl::string_view id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status AppendHistoryAndEvent(const ReferralWrite& write, const v1::Referral& stored)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status ExplainConstraint(const v1::Referral& referral, const absl::Status& status)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  absl::Mutex mu_;
  std::unique_ptr<SqliteConnection> connection_ ABSL_GUARDED_BY(mu_);
};

}  // namespace probation::referrals

#endif  // PROBATION_SERVICES_REFERRALS_SQLITE_REFERRAL_STORE_H_
