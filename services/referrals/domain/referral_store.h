// Where referrals live: one interface, implemented once in SQL (sql_referral_store.h) for SQLite
// and PostgreSQL. Every write is one transaction that checks the etag, keeps at most one open
// referral per person and intervention, appends the history entry and writes the event (the
// outbox), and is acknowledged only after it commits.
#ifndef PROBATION_SERVICES_REFERRALS_DOMAIN_REFERRAL_STORE_H_
#define PROBATION_SERVICES_REFERRALS_DOMAIN_REFERRAL_STORE_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "probation/referrals/v1/access_record.pb.h"
#include "probation/referrals/v1/case_access.pb.h"
#include "probation/referrals/v1/referral.pb.h"
#include "services/referrals/domain/capacity_store.h"
#include "services/referrals/domain/delivery_store.h"
#include "services/referrals/domain/group_store.h"
#include "services/referrals/domain/subscription_store.h"

namespace probation::referrals {

// The resource types errors name (google.rpc.ResourceInfo.resource_type, AIP-193).
inline constexpr absl::string_view kReferralType = "probation.referrals.v1.Referral";
inline constexpr absl::string_view kCapacityType = "probation.referrals.v1.Capacity";
inline constexpr absl::string_view kCaseAccessType = "probation.referrals.v1.CaseAccess";

// A referral as written: the record, whether it is open (not in a closing state) and the
// history entry and event type the write adds.
struct ReferralWrite {
  v1::Referral referral;
  // The update_mask paths a draft's update changed (an amendment's are its changelog's).
  std::vector<std::string> changed_fields;
  bool open = true;
  std::optional<v1::HistoryEntry> history;
  // An amendment's changes, one entry per field; the event carries them too.
  std::vector<v1::ChangelogEntry> changelog;
  // The delivery record written with the referral; the event carries it too.
  std::optional<DeliveryRecordWrite> record;
  // What a programme group's write tells the referral's event: the group or session it names,
  // the person's own attendance, and why (a removal).
  struct GroupEvent {
    std::string record;
    std::optional<delivery::v1::GroupAttendance> attendance;
    std::string reason;
  };
  std::optional<GroupEvent> group_event;
  v1::ReferralEvent::Type event_type = v1::ReferralEvent::TYPE_UNSPECIFIED;
  // The access audit's record of the write, committed with it.
  std::optional<v1::AccessRecord> access;
};

struct CreateResult {
  v1::Referral referral;
  // False when the request id had already created it (a retry).
  bool created = false;
};

enum class StateGroup { kAny, kDraft, kOpen, kClosed };

// The orders a listing comes in; ties are broken by id in the same direction.
enum class ListOrder { kNewest, kOldest, kRecentlyUpdated, kLeastRecentlyUpdated };

struct ListQuery {
  v1::ReferralState state = v1::REFERRAL_STATE_UNSPECIFIED;
  std::string intervention;
  std::string region;
  std::string crn;
  std::string provider;
  std::string reference;
  std::string created_by;
  // Set to match one assignee; "" for the unassigned.
  std::optional<std::string> assignee;
  StateGroup state_group = StateGroup::kAny;
  // Created in [created_from_us, created_before_us) when set.
  std::optional<int64_t> created_from_us;
  std::optional<int64_t> created_before_us;
  ListOrder order = ListOrder::kNewest;
  int page_size = 50;
  // Keyset cursor: the (create or update time, id) of the last referral of the previous page.
  std::optional<std::pair<int64_t, std::string>> after;
  // Whether to count the matches (up to kMaxCountedMatches).
  bool count = true;
  // People whose referrals the caller may not see (limited-access cases).
  std::vector<std::string> hidden_crns;
  // Only referrals whose action plan is submitted, waiting for approval.
  bool action_plan_submitted = false;
};

// Counting matches stops here: beyond it a caseload view says "more than".
inline constexpr int kMaxCountedMatches = 10000;

// How many referrals to one intervention are in one state.
struct StateCount {
  std::string intervention;
  v1::ReferralState state = v1::REFERRAL_STATE_UNSPECIFIED;
  int64_t count = 0;
};

struct ListPage {
  std::vector<v1::Referral> referrals;
  bool more = false;
  int total_size = 0;
  // More than kMaxCountedMatches match.
  bool total_capped = false;
};

// The referrals a report covers: created in [start_us, end_us), in a region, to an
// intervention, sent to a provider (each when set).
struct ReportQuery {
  int64_t start_us = 0;
  int64_t end_us = 0;
  std::string region;
  std::string intervention;
  std::string provider;
  // When the caller gives up: the query stops then (DEADLINE_EXCEEDED).
  absl::Time deadline = absl::InfiniteFuture();
  // Says whether the caller has gone, so the query stops; unset: it never does.
  std::function<bool()> cancelled;
};

// How many of the covered referrals share a state, intervention, region and provider.
struct ReportGroup {
  v1::ReferralState state = v1::REFERRAL_STATE_UNSPECIFIED;
  std::string intervention;
  std::string region;
  std::string provider;
  int64_t count = 0;
};

// One finished stay of a covered referral in a state.
struct StateStay {
  v1::ReferralState state = v1::REFERRAL_STATE_UNSPECIFIED;
  int64_t duration_us = 0;
};

// How many session appointments of covered referrals to an intervention, in a state, have an
// attendance outcome (0: not yet recorded).
struct SessionCount {
  std::string intervention;
  v1::ReferralState state = v1::REFERRAL_STATE_UNSPECIFIED;
  delivery::v1::AttendanceOutcome outcome = delivery::v1::ATTENDANCE_OUTCOME_UNSPECIFIED;
  int64_t count = 0;
};

// A submitted end-of-service report of a covered referral to an intervention.
struct ReportedOutcomes {
  std::string intervention;
  delivery::v1::EndOfServiceReport report;
};

// The covered referrals of an intervention and region ever in a programme group, and their
// group sessions (a referral in two groups counts in each).
struct DosageCount {
  std::string intervention;
  std::string region;
  int64_t referrals = 0;
  int64_t sessions_required = 0;
  int64_t sessions_attended = 0;
  int64_t catch_ups_attended = 0;
};

struct ReportData {
  std::vector<ReportGroup> groups;
  // In no particular order.
  std::vector<StateStay> stays;
  std::vector<SessionCount> sessions;
  std::vector<ReportedOutcomes> reports;
  std::vector<DosageCount> dosage;
};

// A write's records as stored bytes, encoded before the write takes the database connection,
// which is held by one write at a time.
struct EncodedWrite {
  std::string referral;
  // Empty when the write adds no history entry.
  std::string history;
  std::vector<std::string> changelog;
  std::string event;
};
EncodedWrite EncodeWrite(const ReferralWrite& write, const v1::Referral& stored);

// Drafts purged per transaction, so a purge never holds the writer for long.
inline constexpr int kPurgeBatch = 200;

// Runs `batch` (which purges at most kPurgeBatch drafts and says how many) until a batch comes
// back short; returns the total.
absl::StatusOr<int> PurgeInBatches(const std::function<absl::StatusOr<int>()>& batch);

// What a purged draft's events keep: what happened, not to whom.
v1::Referral RedactedForRetention(const v1::Referral& referral);

// How long a history entry says the referral stayed in its from-state, in microseconds.
int64_t StayMicros(const v1::HistoryEntry& entry);

// The etag is the referral's version number; -1 for anything else (which never matches).
int64_t VersionOfEtag(absl::string_view etag);

// ABORTED: a write named etag `given` but `what` is at `current` (AIP-154).
absl::Status StaleEtagError(absl::string_view given, absl::string_view current,
                            absl::string_view what = "the referral");

// A page of the access audit, newest first: records about `crn`, by `actor`, in
// [from_us, before_us) (each when set), after the keyset `after` (occurred_us, id).
struct AccessRecordQuery {
  std::string crn;
  std::string actor;
  std::optional<int64_t> from_us;
  std::optional<int64_t> before_us;
  std::optional<std::pair<int64_t, std::string>> after;
  // Reads one more than this, to say whether there is another page.
  int page_size = 50;
};

// Capacity lives beside the referrals it is counted against, subscriptions beside the events
// they point into, and delivery records and groups beside their referrals, in the same database.
class ReferralStore : public CapacityStore,
                      public SubscriptionStore,
                      public DeliveryStore,
                      public GroupStore {
 public:
  virtual ~ReferralStore() = default;

  // Stores a new referral (its id, reference, times and etag already set) unless
  // `request_id` has created one before, in which case that one is returned. ALREADY_EXISTS
  // naming the open referral when the person already has one to the intervention; ABORTED
  // if the reference is taken (the caller picks another).
  virtual absl::StatusOr<CreateResult> Create(const ReferralWrite& write,
                                              absl::string_view request_id) = 0;

  // NOT_FOUND if there is no such referral.
  virtual absl::StatusOr<v1::Referral> Get(absl::string_view id) = 0;

  // Replaces the referral if its stored etag is `expected_etag`, else ABORTED. The store
  // sets the new etag.
  virtual absl::StatusOr<v1::Referral> Update(const ReferralWrite& write,
                                              absl::string_view expected_etag) = 0;

  // In the query's order, with a tiebreak on id; total_size counts the matches.
  virtual absl::StatusOr<ListPage> List(const ListQuery& query) = 0;

  // Oldest first.
  virtual absl::StatusOr<std::vector<v1::HistoryEntry>> History(absl::string_view id) = 0;

  // The amendments' changelog entries, oldest first.
  virtual absl::StatusOr<std::vector<v1::ChangelogEntry>> Changelog(absl::string_view id) = 0;

  // Events with a sequence above `after_sequence`, in order, at most `limit`.
  virtual absl::StatusOr<std::vector<v1::ReferralEvent>> EventsAfter(int64_t after_sequence,
                                                                     int limit) = 0;

  // The events with these sequences (a page's worth), in order; one with no event is left out.
  virtual absl::StatusOr<std::vector<v1::ReferralEvent>> EventsAt(
      const std::vector<int64_t>& sequences) = 0;

  // The sequence of the newest event, 0 when there is none: where a reader of every new
  // event starts.
  virtual absl::StatusOr<int64_t> LastEventSequence() = 0;

  // Every referral and event about one person.
  virtual absl::StatusOr<std::vector<v1::Referral>> ReferralsOfPerson(absl::string_view crn) = 0;
  virtual absl::StatusOr<std::vector<v1::ReferralEvent>> EventsOfPerson(absl::string_view crn) = 0;

  // Every (intervention, state) that has referrals, with how many.
  virtual absl::StatusOr<std::vector<StateCount>> CountByState() = 0;

  // The raw figures of a report, the same on every engine.
  virtual absl::StatusOr<ReportData> Report(const ReportQuery& query) = 0;

  // Deletes drafts not updated since `cutoff`, writing a PURGED event for each (without the
  // person's details); returns how many.
  virtual absl::StatusOr<int> PurgeDraftsUntouchedSince(absl::Time cutoff) = 0;

  // Limited-access cases. Put stores `access` (its name "cases/{crn}/access") if the stored
  // etag is `expected_etag` (any, when empty), else ABORTED; the store sets the new etag.
  virtual absl::StatusOr<v1::CaseAccess> PutCaseAccess(const v1::CaseAccess& access,
                                                       absl::string_view expected_etag) = 0;
  // NOT_FOUND when the case is not limited.
  virtual absl::StatusOr<v1::CaseAccess> GetCaseAccess(absl::string_view crn) = 0;
  virtual absl::Status DeleteCaseAccess(absl::string_view crn, absl::string_view expected_etag) = 0;
  virtual absl::StatusOr<std::vector<v1::CaseAccess>> AllCaseAccess() = 0;

  // The access audit: appended to in one transaction (shared by group commit), listed, and
  // purged of records older than `cutoff` (returns how many).
  virtual absl::Status AppendAccessRecords(const std::vector<v1::AccessRecord>& records) = 0;
  virtual absl::StatusOr<std::vector<v1::AccessRecord>> ListAccessRecords(
      const AccessRecordQuery& query) = 0;
  virtual absl::StatusOr<int> PurgeAccessRecordsBefore(absl::Time cutoff) = 0;
};

}  // namespace probation::referrals

#endif  // PROBATION_SERVICES_REFERRALS_DOMAIN_REFERRAL_STORE_H_
