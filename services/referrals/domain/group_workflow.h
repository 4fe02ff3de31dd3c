// Programme groups, in plain C++ (the groups part of probation.delivery.v1.DeliveryService): a
// programme team forms a group for an intervention in its region, its sessions generated from
// the catalogue's delivery data around bank holidays; fills it from the ordered waiting list;
// and records the whole group's attendance at once. What a group's facts do to a member's
// referral (allocated, started, completed) is its state machine's (`also_driven_by`,
// `driven_by`, `group_delivery`); each member's move, history entry and event commit with the
// group in one transaction.
#ifndef PROBATION_SERVICES_REFERRALS_DOMAIN_GROUP_WORKFLOW_H_
#define PROBATION_SERVICES_REFERRALS_DOMAIN_GROUP_WORKFLOW_H_

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/auth/identity.h"
#include "probation/delivery/v1/delivery_service.pb.h"
#include "services/referrals/domain/bank_holidays.h"
#include "services/referrals/domain/dependencies.h"
#include "services/referrals/domain/referral_store.h"
#include "services/referrals/domain/referral_workflow.h"
#include "services/referrals/domain/state_machine_set.h"

namespace probation::referrals {

// How far ahead a group counts towards availability ("starting soon").
inline constexpr absl::Duration kGroupsStartingSoon = absl::Hours(24 * 7 * 12);

// The referral's time in `group` and its own attendance at the group's sessions, for its
// person's data export.
delivery::v1::GroupParticipation ParticipationIn(const delivery::v1::Group& group,
                                                 absl::string_view referral);

class GroupWorkflow {
 public:
  GroupWorkflow(const StateMachineSet& machines, const BankHolidays& holidays, ReferralStore& store,
                InterventionDirectory& interventions, std::function<absl::Time()> now = nullptr,
                CallerGuards guards = {});

  absl::StatusOr<delivery::v1::Group> CreateGroup(const delivery::v1::CreateGroupRequest& request,
                                                  const Identity& caller);
  absl::StatusOr<delivery::v1::Group> GetGroup(const delivery::v1::GetGroupRequest& request,
                                               const Identity& caller);
  absl::StatusOr<delivery::v1::ListGroupsResponse> ListGroups(
      const delivery::v1::ListGroupsRequest& request, const Identity& caller);
  absl::StatusOr<delivery::v1::Group> RescheduleGroupSession(
      const delivery::v1::RescheduleGroupSessionRequest& request, const Identity& caller);
  absl::StatusOr<delivery::v1::ListWaitingListResponse> ListWaitingList(
      const delivery::v1::ListWaitingListRequest& request, const Identity& caller);
  absl::StatusOr<delivery::v1::Group> AllocateToGroup(
      const delivery::v1::AllocateToGroupRequest& request, const Identity& caller);
  absl::StatusOr<delivery::v1::Group> RemoveFromGroup(
      const delivery::v1::RemoveFromGroupRequest& request, const Identity& caller);
  absl::StatusOr<delivery::v1::GroupSession> RecordGroupAttendance(
      const delivery::v1::RecordGroupAttendanceRequest& request, const Identity& caller);

 private:
  // The group `name` (from request field `field`), if the caller may work with its region.
  absl::StatusOr<delivery::v1::Group> Load(absl::string_view field, absl::string_view name,
                                           const Identity& caller);
  // The group of `session` (its id and number, from request field `field`), at `etag` if
  // given; NOT_FOUND when it has no such session.
  absl::StatusOr<delivery::v1::Group> LoadWithSession(absl::string_view field,
                                                      const std::pair<std::string, int>& session,
                                                      absl::string_view etag,
                                                      const Identity& caller);
  // `group` without the members whose cases are hidden from the caller (limited access): their
  // membership, removal and attendance.
  absl::StatusOr<delivery::v1::Group> Shown(absl::StatusOr<delivery::v1::Group> group,
                                            const Identity& caller) const;
  // PERMISSION_DENIED unless the caller runs groups in `region` (an admin runs every region's).
  absl::Status CheckRunsGroupsIn(absl::string_view field, absl::string_view region,
                                 const Identity& caller) const;
  // The region a listing reads: the one asked for, or the caller's own.
  absl::StatusOr<std::string> ListedRegion(absl::string_view region, const Identity& caller) const;
  // The machine's group delivery of an intervention's kind; FAILED_PRECONDITION when it is not
  // delivered in groups.
  absl::StatusOr<const v1::GroupDelivery*> GroupDeliveryOf(
      const catalogue::v1::Intervention& intervention) const;
  // Changes a member's referral by `fact` (moving it if its machine says so) with an event of
  // `type`, as `write` for the group's transaction.
  void PrepareReferralWrite(absl::string_view method, const v1::Referral& referral,
                            v1::DeliveryFact fact, const v1::AttendanceSummary& summary,
                            v1::ReferralEvent::Type type, ReferralWrite::GroupEvent event,
                            std::vector<v1::ChangelogEntry> changes, const Identity& caller,
                            absl::Time now, ReferralWrite& write) const;
  // One attempt of each group write, retried on a conflict when the caller gave no etag.
  absl::StatusOr<delivery::v1::Group> TryAllocate(
      const delivery::v1::AllocateToGroupRequest& request, const Identity& caller, bool* conflict);
  absl::StatusOr<delivery::v1::Group> TryRemove(const delivery::v1::RemoveFromGroupRequest& request,
                                                const Identity& caller, bool* conflict);
  absl::StatusOr<delivery::v1::GroupSession> TryRecordAttendance(
      const delivery::v1::RecordGroupAttendanceRequest& request, const Identity& caller,
      bool* conflict);

  const StateMachineSet& machines_;
  const BankHolidays& holidays_;
  ReferralStore& store_;
  InterventionDirectory& interventions_;
  std::function<absl::Time()> now_;
  CallerGuards guards_;
};

}  // namespace probation::referrals

#endif  // PROBATION_SERVICES_REFERRALS_DOMAIN_GROUP_WORKFLOW_H_
