// ReferralStore written once in SQL, for SQLite and PostgreSQL alike, over SqlConnection; what
// differs between the engines is in sql_dialect.h and their connections. Migrations are applied
// at open. Writes share transactions by group commit (group_commit.h): on SQLite, whose one
// writer commits one transaction at a time, one connection and one fsync per group; on
// PostgreSQL, several writer connections, each committing its own groups, with the writes of
// one referral (or one person's new referrals) always on the same one so that they never wait
// for each other across connections. Events commit in the order of their sequences
// (sql_dialect.h's EventsLock).
// Reads borrow connections of their own from a pool, which see only committed data (WAL lets
// SQLite's run beside the writer). On PostgreSQL several replicas may share the database: the etag
// check, the one-open-referral rule and request-id idempotency are enforced by the database.
#ifndef PROBATION_SERVICES_REFERRALS_STORE_SQL_REFERRAL_STORE_H_
#define PROBATION_SERVICES_REFERRALS_STORE_SQL_REFERRAL_STORE_H_

#include <memory>
#include <string>
#include <vector>

#include "services/referrals/domain/referral_store.h"
#include "services/referrals/store/group_commit.h"
#include "services/referrals/store/sql_connection.h"
#include "services/referrals/store/sql_connection_pool.h"
#include "services/referrals/store/sql_migrations.h"

namespace probation::referrals {

class SqlReferralStore final : public ReferralStore {
 public:
  // Checks and (as `migrate` says) migrates the database `writers` and `readers` (at least one
  // of each) are connected to (the same one) to the latest schema, and serves it.
  static absl::StatusOr<std::unique_ptr<SqlReferralStore>> Open(
      std::vector<std::unique_ptr<SqlConnection>> writers,
      std::vector<std::unique_ptr<SqlConnection>> readers,
      MigrationMode migrate = MigrationMode::kAuto);

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
  absl::StatusOr<std::vector<v1::ReferralEvent>> EventsAt(
      const std::vector<int64_t>& sequences) override;
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

  absl::StatusOr<v1::Subscription> CreateSubscription(const v1::Subscription& subscription,
                                                      int max_per_owner) override;
  absl::StatusOr<v1::Subscription> GetSubscription(absl::string_view id) override;
  absl::StatusOr<std::vector<v1::Subscription>> ListSubscriptions(
      const SubscriptionQuery& query) override;
  absl::Status DeleteSubscription(absl::string_view id, absl::string_view expected_etag) override;
  absl::StatusOr<v1::Subscription> AcknowledgeEvents(
      absl::string_view id, int64_t sequence, const std::vector<v1::DeadLetter>& dead_letters,
      absl::Time now) override;
  absl::StatusOr<std::vector<v1::DeadLetter>> ListDeadLetters(
      const DeadLetterQuery& query) override;
  absl::StatusOr<v1::DeadLetter> RequestReplay(absl::string_view subscription_id,
                                               int64_t sequence) override;
  absl::Status DeleteDeadLetter(absl::string_view subscription_id, int64_t sequence) override;

  absl::StatusOr<delivery::v1::Appointment> GetAppointment(absl::string_view referral_id,
                                                           absl::string_view id) override;
  absl::StatusOr<std::optional<delivery::v1::Appointment>> AppointmentOfRequest(
      absl::string_view referral_id, absl::string_view request_id) override;
  absl::StatusOr<std::vector<delivery::v1::Appointment>> AppointmentsOf(
      absl::string_view referral_id) override;
  absl::StatusOr<std::vector<ListedAppointment>> ListAppointments(
      const AppointmentQuery& query) override;
  absl::StatusOr<std::optional<delivery::v1::ActionPlan>> GetActionPlan(
      absl::string_view referral_id) override;
  absl::StatusOr<std::optional<delivery::v1::EndOfServiceReport>> GetEndOfServiceReport(
      absl::string_view referral_id) override;
  absl::StatusOr<DeliveryRecordWrite> PutDeliveryRecord(const DeliveryRecordWrite& write) override;

  absl::StatusOr<delivery::v1::Group> CreateGroup(const GroupWrite& write) override;
  absl::StatusOr<delivery::v1::Group> GetGroup(absl::string_view id) override;
  absl::StatusOr<std::vector<delivery::v1::Group>> ListGroups(const GroupQuery& query) override;
  absl::StatusOr<delivery::v1::Group> WriteGroup(const GroupWrite& write) override;
  absl::StatusOr<WaitingPage> WaitingList(const WaitingQuery& query) override;
  absl::StatusOr<std::vector<delivery::v1::Group>> GroupsOfReferral(
      absl::string_view referral_id) override;
  absl::StatusOr<std::optional<GroupMembership>> MembershipOf(
      absl::string_view referral_id) override;
  absl::StatusOr<RegionGroups> GroupsInRegion(absl::string_view region, absl::string_view today,
                                              absl::string_view before,
                                              const std::vector<int>& waiting_states) override;

  absl::StatusOr<v1::Capacity> GetCapacity(absl::string_view intervention, absl::string_view region,
                                           absl::string_view provider) override;
  absl::StatusOr<v1::Capacity> PutCapacity(const v1::Capacity& capacity,
                                           absl::string_view expected_etag,
                                           bool allow_missing) override;
  absl::StatusOr<std::vector<v1::Capacity>> CapacitiesInRegion(absl::string_view region) override;
  absl::StatusOr<RegionLoad> LoadInRegion(absl::string_view region,
                                          absl::Time started_since) override;

  // Commits and writes so far: how well concurrent writes are being grouped.
  GroupCommit::Counts write_counts();
  // The migration the database is at.
  absl::StatusOr<int> SchemaVersion();

 private:
  SqlReferralStore(std::vector<std::unique_ptr<SqlConnection>> writers,
                   std::vector<std::unique_ptr<SqlConnection>> readers);
  // The writer connection's group commit that writes about `key` go through.
  GroupCommit& Writer(absl::string_view key);
  // One referral's entries (history or changelog), read by `sql` with the id bound, in order.
  template <typename Entry>
  absl::StatusOr<std::vector<Entry>> ReadLog(absl::string_view sql, absl::string_view id);
  // The statements that append audit records.
  static std::vector<SqlStatement> InsertAccessRecords(
      const std::vector<v1::AccessRecord>& records);
  // Purges at most kPurgeBatch drafts in one transaction; returns how many.
  absl::StatusOr<int> PurgeBatch(absl::Time cutoff);
  static absl::StatusOr<v1::Referral> ReadReferral(SqlConnection& db, absl::string_view id);
  // What a referral's write sends last: its changelog, its access record and its event.
  static FinalStatements HistoryAndEvent(SqlDialect dialect, const ReferralWrite& write,
                                         const v1::Referral& stored, const EncodedWrite& encoded);
  // The statement that writes a delivery record (inserts a new one, or updates it if still at
  // its expected version; either affects no row otherwise).
  static SqlStatement WriteRecordStatement(const DeliveryRecordWrite& write);
  // ABORTED: the record `write` expected has changed.
  static absl::Status StaleRecordError(SqlConnection& db, const DeliveryRecordWrite& write);
  // A referral's update, encoded before it takes the writer: UpdateWrite's statements refer to
  // it, so it outlives the write.
  struct PreparedUpdate {
    PreparedUpdate(const ReferralWrite& write, absl::string_view expected_etag);
    const ReferralWrite& write;
    const std::string expected_etag;
    const int64_t expected;
    const v1::Referral stored;
    const EncodedWrite encoded;
  };
  // The grouped write of one referral's update (at its expected etag, else ABORTED), which a
  // group write also composes with its own.
  GroupedWrite UpdateWrite(const PreparedUpdate& prepared);
  // The error a failed write of `referral` returns: which rule it broke, if one.
  static absl::Status ExplainConstraint(SqlConnection& db, const v1::Referral& referral,
                                        const absl::Status& status);

  // Each used only by its group commit, which gives one write at a time the connection.
  std::vector<std::unique_ptr<SqlConnection>> writers_;
  const SqlDialect dialect_;
  std::vector<std::unique_ptr<GroupCommit>> groups_;
  SqlConnectionPool readers_;
};

}  // namespace probation::referrals

#endif  // PROBATION_SERVICES_REFERRALS_STORE_SQL_REFERRAL_STORE_H_
