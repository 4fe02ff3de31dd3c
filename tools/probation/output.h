// What the CLI prints. With --json every response message is one line of protobuf JSON (a
// stream, one line per message), for scripts; otherwise short text for people: aligned tables
// for lists, a verdict with its reasons, a referral's key fields. Errors go to stderr as
// `error: CODE: message` with any google.rpc.BadRequest field violations under it.
#ifndef PROBATION_TOOLS_PROBATION_OUTPUT_H_
#define PROBATION_TOOLS_PROBATION_OUTPUT_H_

#include <string>
#include <vector>

#include "google/protobuf/message.h"
#include "grpcpp/support/status.h"
#include "probation/catalogue/v1/catalogue_service.pb.h"
#include "probation/delivery/v1/delivery_service.pb.h"
#include "probation/eligibility/v1/verdict.pb.h"
#include "probation/gateway/v1/gateway_service.pb.h"
#include "probation/referrals/v1/referral.pb.h"
#include "probation/referrals/v1/referral_service.pb.h"
#include "probation/referrals/v1/state_machine.pb.h"

namespace probation::cli {

// One line of protobuf JSON, newline included.
std::string JsonLine(const google::protobuf::Message& message);

// Rows with their columns aligned; the first row is the header. Each line starts with
// `indent` spaces and has no trailing blanks.
std::string Table(const std::vector<std::vector<std::string>>& rows, size_t indent = 0);

// `error: CODE: message`, then one indented `field: description` line per field violation.
std::string ErrorText(const grpc::Status& status);

std::string HumanText(const catalogue::v1::ListInterventionsResponse& response);
std::string HumanText(const catalogue::v1::Intervention& intervention);
std::string HumanText(const catalogue::v1::ListRegionsResponse& response);
std::string HumanText(const catalogue::v1::RegionalOffer& offer);
std::string HumanText(const eligibility::v1::Verdict& verdict);
std::string HumanText(const gateway::v1::FindInterventionsResponse& response);
std::string HumanText(const referrals::v1::Referral& referral);
std::string HumanText(const referrals::v1::ListReferralsResponse& response);
std::string HumanText(const referrals::v1::ListAllowedTransitionsResponse& response);
std::string HumanText(const referrals::v1::GetReferralHistoryResponse& response);
std::string HumanText(const referrals::v1::StateMachine& machine);
// One line per event, as a watch prints them.
std::string HumanText(const referrals::v1::ReferralEvent& event);
std::string HumanText(const referrals::v1::GetReferralChangelogResponse& response);
std::string HumanText(const referrals::v1::Capacity& capacity);
std::string HumanText(const referrals::v1::BatchGetAvailabilityResponse& response);
std::string HumanText(const referrals::v1::ReferralReport& report);
// The CSV itself: a chunk of whole lines.
std::string HumanText(const referrals::v1::ExportReferralsResponse& chunk);
std::string HumanText(const referrals::v1::ExportPersonDataResponse& response);
std::string HumanText(const referrals::v1::AccessRecord& record);
std::string HumanText(const referrals::v1::ListAccessRecordsResponse& response);
std::string HumanText(const referrals::v1::CaseAccess& access);
std::string HumanText(const referrals::v1::DeleteCaseAccessResponse& response);
std::string HumanText(const referrals::v1::Subscription& subscription);
std::string HumanText(const referrals::v1::ListSubscriptionsResponse& response);
std::string HumanText(const referrals::v1::DeleteSubscriptionResponse& response);
std::string HumanText(const referrals::v1::DeadLetter& dead_letter);
std::string HumanText(const referrals::v1::ListDeadLettersResponse& response);
std::string HumanText(const referrals::v1::DeleteDeadLetterResponse& response);
// An appointment: its time and place, the attendance once recorded, every reschedule.
std::string HumanText(const delivery::v1::Appointment& appointment);
// One line per appointment, by start time.
std::string HumanText(const delivery::v1::ListAppointmentsResponse& response);
std::string HumanText(const delivery::v1::ActionPlan& plan);
std::string HumanText(const delivery::v1::EndOfServiceReport& report);
// A programme group: its intervention, region, start, weekdays and places, then its sessions
// (number, date, module, attendance) and its members.
std::string HumanText(const delivery::v1::Group& group);
// One line per group, by start date.
std::string HumanText(const delivery::v1::ListGroupsResponse& response);
// A group session and the attendance recorded at it.
std::string HumanText(const delivery::v1::GroupSession& session);
// One line per referral waiting, in waiting order: its position, since when and how long.
std::string HumanText(const delivery::v1::ListWaitingListResponse& response);

// A response as --json asks.
template <typename M>
std::string Render(const M& message, bool json) {
  return json ? JsonLine(message) : HumanText(message);
}

}  // namespace probation::cli

#endif  // PROBATION_TOOLS_PROBATION_OUTPUT_H_
