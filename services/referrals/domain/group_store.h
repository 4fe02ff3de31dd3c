// Where programme groups live: beside the referrals they hold, in the same database, so that a
// group's change and the moves, history entries and events of the referrals it changes commit
// in one transaction (GroupWrite).
#ifndef PROBATION_SERVICES_REFERRALS_DOMAIN_GROUP_STORE_H_
#define PROBATION_SERVICES_REFERRALS_DOMAIN_GROUP_STORE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "probation/delivery/v1/group.pb.h"
#include "probation/referrals/v1/referral.pb.h"

namespace probation::referrals {

struct ReferralWrite;

inline constexpr absl::string_view kGroupType = "probation.delivery.v1.Group";

// "groups/{id}" and "groups/{id}/sessions/{n}".
std::string GroupName(absl::string_view id);
std::string GroupSessionName(absl::string_view group_id, int session_number);

// A member's row: whether it is a member now, and its group session figures.
struct GroupMemberRow {
  std::string referral_id;
  bool active = true;
  int sessions_required = 0;
  int sessions_attended = 0;
  int sessions_missed = 0;
};

// A group to write: the group as it will be stored (the store sets its etag to
// expected_version + 1), the member rows it changes, and the referral writes (each at its
// expected etag) that commit with it.
struct GroupWrite {
  std::string id;
  // 0 for a new group (inserted, claiming request_id).
  int64_t expected_version = 0;
  std::string request_id;
  delivery::v1::Group group;
  std::vector<GroupMemberRow> members;
  std::vector<std::pair<const ReferralWrite*, std::string>> referrals;
};

// A page of groups by (start date, id).
struct GroupQuery {
  std::string intervention;
  std::string region;
  // Only groups this identity facilitates with a session in [session_from, session_before).
  std::string facilitator;
  std::string session_from;
  std::string session_before;
  std::optional<std::pair<std::string, std::string>> after;
  // Reads one more than this, to say whether there is another page.
  int page_size = 50;
};

// A page of a waiting list: open referrals in `states`, not in a group, to `intervention`
// (every one when empty) in `region`, of `sex` when set, by (submit time, id).
struct WaitingQuery {
  std::string intervention;
  std::string region;
  int sex = 0;
  std::vector<int> states;
  // People whose referrals the caller may not see (limited-access cases): left out.
  std::vector<std::string> hidden_crns;
  // Keyset cursor: the (submit time, id) of the last entry of the previous page.
  std::optional<std::pair<int64_t, std::string>> after;
  int page_size = 100;
};

struct WaitingRow {
  std::string referral_id;
  std::string intervention;
  int64_t submit_time_us = 0;
  int sex = 0;
  // From 1, in its intervention's list (among `sex` when set).
  int position = 0;
};

struct WaitingPage {
  std::vector<WaitingRow> rows;
  bool more = false;
  int total_size = 0;
};

// A referral's group now.
struct GroupMembership {
  std::string group_id;
  GroupMemberRow row;
};

// The groups of an intervention in a region starting in a window: how many, their places and
// members, and the first start date.
struct GroupPlaces {
  std::string intervention;
  int groups = 0;
  int64_t capacity = 0;
  int64_t members = 0;
  std::string next_start_date;
};

// What a region's groups mean for its availability.
struct RegionGroups {
  // Per intervention with a group still running or to come: those starting in the window.
  std::vector<GroupPlaces> places;
  // Per intervention: members whose referrals are still in a waiting state (off the list).
  std::vector<std::pair<std::string, int64_t>> allocated_waiting;
};

class GroupStore {
 public:
  virtual ~GroupStore() = default;

  // Inserts write.group unless write.request_id has created a group before, in which case that
  // one is returned.
  virtual absl::StatusOr<delivery::v1::Group> CreateGroup(const GroupWrite& write) = 0;
  // NOT_FOUND if there is no such group.
  virtual absl::StatusOr<delivery::v1::Group> GetGroup(absl::string_view id) = 0;
  virtual absl::StatusOr<std::vector<delivery::v1::Group>> ListGroups(const GroupQuery& query) = 0;
  // Writes the group if still at write.expected_version, its member rows and its referral
  // writes in one transaction; ABORTED if the group or a referral has changed since read.
  virtual absl::StatusOr<delivery::v1::Group> WriteGroup(const GroupWrite& write) = 0;

  virtual absl::StatusOr<WaitingPage> WaitingList(const WaitingQuery& query) = 0;
  // Every group the referral has been a member of, by id.
  virtual absl::StatusOr<std::vector<delivery::v1::Group>> GroupsOfReferral(
      absl::string_view referral_id) = 0;
  // The group the referral is a member of now, if one.
  virtual absl::StatusOr<std::optional<GroupMembership>> MembershipOf(
      absl::string_view referral_id) = 0;
  // Groups of the region that end on or after `today`, and starting in [today, before).
  virtual absl::StatusOr<RegionGroups> GroupsInRegion(absl::string_view region,
                                                      absl::string_view today,
                                                      absl::string_view before,
                                                      const std::vector<int>& waiting_states) = 0;
};

}  // namespace probation::referrals

#endif  // PROBATION_SERVICES_REFERRALS_DOMAIN_GROUP_STORE_H_
