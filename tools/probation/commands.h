// The commands of the probation CLI, one function each: it builds its request from the
// command line, calls the gateway and prints the answer, and returns the exit status.
#ifndef PROBATION_TOOLS_PROBATION_COMMANDS_H_
#define PROBATION_TOOLS_PROBATION_COMMANDS_H_

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "probation/gateway/v1/gateway_service.grpc.pb.h"
#include "tools/probation/command_line.h"

namespace probation::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitCallFailed = 1;
inline constexpr int kExitUsage = 2;

// How every call is made, from the global flags.
struct CallSettings {
  std::string token;
  // Sent as x-request-id when set; also the idempotency key of a referral being created, an
  // appointment being scheduled or a programme group being created.
  std::string request_id;
  absl::Duration timeout = absl::Seconds(10);
  // A watch or an export runs until done or interrupted unless a timeout was asked for.
  std::optional<absl::Duration> stream_timeout;
  bool json = false;
};

struct CommandContext {
  gateway::v1::InterventionsGateway::StubInterface* gateway = nullptr;
  CallSettings settings;
  // The positional arguments after the command's words.
  std::vector<std::string> arguments;
  Options options;
  std::istream* in = nullptr;
  std::ostream* out = nullptr;
  std::ostream* err = nullptr;
};

int InterventionsList(CommandContext& context);
int InterventionsSearch(CommandContext& context);
int InterventionsGet(CommandContext& context);
int RegionsList(CommandContext& context);
int RegionsOffer(CommandContext& context);
int Find(CommandContext& context);
int EligibilityCheck(CommandContext& context);
int ReferralsCreate(CommandContext& context);
int ReferralsGet(CommandContext& context);
int ReferralsList(CommandContext& context);
int ReferralsUpdate(CommandContext& context);
int ReferralsSubmit(CommandContext& context);
int ReferralsTransition(CommandContext& context);
int ReferralsTransitions(CommandContext& context);
int ReferralsHistory(CommandContext& context);
int ReferralsStateMachine(CommandContext& context);
int ReferralsWatch(CommandContext& context);
int ReferralsAmend(CommandContext& context);
int ReferralsChangelog(CommandContext& context);
int ReferralsReport(CommandContext& context);
int ReferralsExport(CommandContext& context);
int PersonExport(CommandContext& context);
int PersonAccessRecords(CommandContext& context);
int CaseAccessGet(CommandContext& context);
int CaseAccessSet(CommandContext& context);
int CaseAccessDelete(CommandContext& context);
int SubscriptionsCreate(CommandContext& context);
int SubscriptionsGet(CommandContext& context);
int SubscriptionsList(CommandContext& context);
int SubscriptionsDelete(CommandContext& context);
int SubscriptionsAcknowledge(CommandContext& context);
int DeadLettersList(CommandContext& context);
int DeadLettersReplay(CommandContext& context);
int DeadLettersDelete(CommandContext& context);
int AppointmentsSchedule(CommandContext& context);
int AppointmentsReschedule(CommandContext& context);
int AppointmentsAttend(CommandContext& context);
int AppointmentsGet(CommandContext& context);
int AppointmentsList(CommandContext& context);
int ActionPlanGet(CommandContext& context);
int ActionPlanUpdate(CommandContext& context);
int ActionPlanSubmit(CommandContext& context);
int ActionPlanApprove(CommandContext& context);
int ActionPlanRequestChanges(CommandContext& context);
int EndOfServiceReportGet(CommandContext& context);
int EndOfServiceReportUpdate(CommandContext& context);
int EndOfServiceReportSubmit(CommandContext& context);
int GroupsCreate(CommandContext& context);
int GroupsGet(CommandContext& context);
int GroupsList(CommandContext& context);
int GroupsReschedule(CommandContext& context);
int GroupsWaitingList(CommandContext& context);
int GroupsAllocate(CommandContext& context);
int GroupsRemove(CommandContext& context);
int GroupsAttend(CommandContext& context);

// The event filter the flags --types, --kinds, --interventions, --regions, --providers and
// --states (comma lists) describe; INVALID_ARGUMENT naming the flag.
absl::Status ReadEventFilter(OptionReader& reader, referrals::v1::EventFilter& filter);
int CapacityGet(CommandContext& context);
int CapacitySet(CommandContext& context);
int Availability(CommandContext& context);
// Needs no gateway: mints a local HS256 token.
int Token(CommandContext& context);

struct Command {
  CommandSpec spec;
  int (*run)(CommandContext& context);
};

// The flags of `referrals amend` besides the person profile flags.
const std::vector<std::string>& AmendmentFlags();

// Every command, in the order the usage text lists them.
const std::vector<Command>& Commands();

// A random (version 4) UUID, the idempotency key of a referral created (or an appointment
// scheduled, or a programme group created) without --request_id.
std::string NewRequestId();

}  // namespace probation::cli

#endif  // PROBATION_TOOLS_PROBATION_COMMANDS_H_
