#include "tools/probation/commands.h"

#include <cstdlib>
#include <iostream>
#include <memory>

#include "absl/random/random.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "grpcpp/client_context.h"
#include "libs/auth/jwt.h"
#include "tools/probation/enum_names.h"
#include "tools/probation/gateway_call.h"
#include "tools/probation/output.h"
#include "tools/probation/profile_flags.h"
#include "tools/probation/referral_update.h"
#include "tools/probation/resource_names.h"

namespace probation::cli {
namespace {

constexpr char kJwtSecretVariable[] = "PROBATION_JWT_SECRET";

void ReadCatalogueFilters(OptionReader& reader, catalogue::v1::ListInterventionsRequest& request) {
  request.set_kind(reader.Enum<catalogue::v1::InterventionKind>("kind"));
  request.set_region(reader.String("region"));
  request.set_need_area(reader.Enum<common::v1::NeedArea>("need_area"));
  request.set_page_size(reader.Int("page_size"));
  request.set_page_token(reader.String("page_token"));
}

std::vector<std::string> With(std::vector<std::string> flags,
                              const std::vector<std::string>& more) {
  flags.insert(flags.end(), more.begin(), more.end());
  return flags;
}

}  // namespace

std::string NewRequestId() {
  absl::BitGen random;
  uint64_t high = absl::Uniform<uint64_t>(random);
  uint64_t low = absl::Uniform<uint64_t>(random);
  // RFC 4122: version 4 (random), variant 10.
  high = (high & ~uint64_t{0xf000}) | uint64_t{0x4000};
  low = (low & ~(uint64_t{0x3} << 62)) | (uint64_t{0x2} << 62);
  return absl::StrFormat("%08x-%04x-%04x-%04x-%012x", high >> 32, (high >> 16) & 0xffff,
                         high & 0xffff, low >> 48, low & 0xffffffffffff);
}

int InterventionsList(CommandContext& context) {
  OptionReader reader(context.options);
  catalogue::v1::ListInterventionsRequest request;
  ReadCatalogueFilters(reader, request);
  request.set_query(reader.String("query"));
  if (!reader.status().ok()) return UsageFailure(context, reader.status());
  return CallAndPrint(context, &Gateway::ListInterventions, request);
}

int InterventionsSearch(CommandContext& context) {
  OptionReader reader(context.options);
  catalogue::v1::ListInterventionsRequest request;
  ReadCatalogueFilters(reader, request);
  request.set_query(absl::StrJoin(context.arguments, " "));
  if (!reader.status().ok()) return UsageFailure(context, reader.status());
  return CallAndPrint(context, &Gateway::ListInterventions, request);
}

int InterventionsGet(CommandContext& context) {
  absl::StatusOr<std::string> name = InterventionName(context.arguments.at(0), "intervention");
  if (!name.ok()) return UsageFailure(context, name.status());
  catalogue::v1::GetInterventionRequest request;
  request.set_name(*name);
  return CallAndPrint(context, &Gateway::GetIntervention, request);
}

int RegionsList(CommandContext& context) {
  return CallAndPrint(context, &Gateway::ListRegions, catalogue::v1::ListRegionsRequest());
}

int RegionsOffer(CommandContext& context) {
  catalogue::v1::GetRegionalOfferRequest request;
  request.set_region(context.arguments.at(0));
  return CallAndPrint(context, &Gateway::GetRegionalOffer, request);
}

int Find(CommandContext& context) {
  OptionReader reader(context.options);
  gateway::v1::FindInterventionsRequest request;
  request.set_kind(reader.Enum<catalogue::v1::InterventionKind>("kind"));
  request.set_need_area(reader.Enum<common::v1::NeedArea>("need_area"));
  if (!reader.status().ok()) return UsageFailure(context, reader.status());
  absl::StatusOr<common::v1::PersonProfile> person =
      ProfileFromOptions(context.options, *context.in);
  if (!person.ok()) return UsageFailure(context, person.status());
  *request.mutable_person() = *std::move(person);
  return CallAndPrint(context, &Gateway::FindInterventions, request);
}

int EligibilityCheck(CommandContext& context) {
  absl::StatusOr<std::string> name = InterventionName(context.arguments.at(0), "intervention");
  if (!name.ok()) return UsageFailure(context, name.status());
  OptionReader reader(context.options);
  eligibility::v1::CheckEligibilityRequest request;
  request.set_intervention(*name);
  request.set_requirement_days(reader.Int("requirement_days"));
  if (!reader.status().ok()) return UsageFailure(context, reader.status());
  absl::StatusOr<common::v1::PersonProfile> person =
      ProfileFromOptions(context.options, *context.in);
  if (!person.ok()) return UsageFailure(context, person.status());
  *request.mutable_person() = *std::move(person);
  return CallAndPrint(context, &Gateway::CheckEligibility, request);
}

int ReferralsCreate(CommandContext& context) {
  OptionReader reader(context.options);
  if (!reader.Has("intervention")) {
    return UsageFailure(context, InvalidFlag("intervention", "required"));
  }
  absl::StatusOr<std::string> intervention =
      InterventionName(reader.String("intervention"), "--intervention");
  if (!intervention.ok()) return UsageFailure(context, intervention.status());
  referrals::v1::CreateReferralRequest request;
  referrals::v1::Referral& referral = *request.mutable_referral();
  referral.set_intervention(*intervention);
  ReadReferralFields(reader, referral);
  if (!reader.status().ok()) return UsageFailure(context, reader.status());
  absl::StatusOr<common::v1::PersonProfile> person =
      ProfileFromOptions(context.options, *context.in);
  if (!person.ok()) return UsageFailure(context, person.status());
  *referral.mutable_person() = *std::move(person);
  const IdempotencyKey key = NewIdempotencyKey(context.settings);
  request.set_request_id(key.request_id);

  referrals::v1::Referral created;
  const grpc::Status status = Call(context, &Gateway::CreateReferral, request, created);
  // The referral may have been created all the same; the same key finds it, not a second.
  if (!status.ok()) return CreateFailure(context, status, key);
  *context.out << Render(created, context.settings.json);
  return kExitOk;
}

int ReferralsGet(CommandContext& context) {
  absl::StatusOr<std::string> name = ReferralArgument(context);
  if (!name.ok()) return UsageFailure(context, name.status());
  referrals::v1::GetReferralRequest request;
  request.set_name(*name);
  return CallAndPrint(context, &Gateway::GetReferral, request);
}

int ReferralsList(CommandContext& context) {
  OptionReader reader(context.options);
  referrals::v1::ListReferralsRequest request;
  request.set_state(reader.Enum<referrals::v1::ReferralState>("state"));
  request.set_region(reader.String("region"));
  request.set_crn(reader.String("crn"));
  request.set_provider(reader.String("provider"));
  request.set_caseload(reader.Enum<referrals::v1::ListReferralsRequest::Caseload>("caseload"));
  request.set_state_group(
      reader.Enum<referrals::v1::ListReferralsRequest::StateGroup>("state_group"));
  request.set_query(reader.String("query"));
  request.set_order_by(reader.String("order_by"));
  request.set_page_size(reader.Int("page_size"));
  request.set_page_token(reader.String("page_token"));
  if (!reader.status().ok()) return UsageFailure(context, reader.status());
  if (reader.Has("intervention")) {
    absl::StatusOr<std::string> intervention =
        InterventionName(reader.String("intervention"), "--intervention");
    if (!intervention.ok()) return UsageFailure(context, intervention.status());
    request.set_intervention(*intervention);
  }
  return CallAndPrint(context, &Gateway::ListReferrals, request);
}

int ReferralsUpdate(CommandContext& context) {
  absl::StatusOr<std::string> name = ReferralArgument(context);
  if (!name.ok()) return UsageFailure(context, name.status());
  absl::StatusOr<referrals::v1::UpdateReferralRequest> request =
      BuildUpdateReferralRequest(*name, context.options, *context.in);
  if (!request.ok()) return UsageFailure(context, request.status());
  if (NeedsCurrentReferral(context.options, *request)) {
    referrals::v1::GetReferralRequest get;
    get.set_name(*name);
    referrals::v1::Referral current;
    if (const grpc::Status status = Call(context, &Gateway::GetReferral, get, current);
        !status.ok()) {
      return CallFailure(context, status);
    }
    if (absl::Status status = CompleteFromCurrentReferral(context.options, current, *request);
        !status.ok()) {
      return UsageFailure(context, status);
    }
  }
  return CallAndPrint(context, &Gateway::UpdateReferral, *request);
}

int ReferralsSubmit(CommandContext& context) {
  absl::StatusOr<std::string> name = ReferralArgument(context);
  if (!name.ok()) return UsageFailure(context, name.status());
  referrals::v1::SubmitReferralRequest request;
  request.set_name(*name);
  request.set_override_reason(OptionReader(context.options).String("override_reason"));
  if (const grpc::Status status = ResolveEtag(context, *name, *request.mutable_etag());
      !status.ok()) {
    return CallFailure(context, status);
  }
  return CallAndPrint(context, &Gateway::SubmitReferral, request);
}

int ReferralsTransition(CommandContext& context) {
  absl::StatusOr<std::string> name = ReferralArgument(context);
  if (!name.ok()) return UsageFailure(context, name.status());
  OptionReader reader(context.options);
  if (!reader.Has("to")) return UsageFailure(context, InvalidFlag("to", "required"));
  referrals::v1::TransitionReferralRequest request;
  request.set_name(*name);
  request.set_to_state(reader.Enum<referrals::v1::ReferralState>("to"));
  request.set_reason_code(reader.String("reason_code"));
  request.set_notes(reader.String("notes"));
  if (!reader.status().ok()) return UsageFailure(context, reader.status());
  if (const grpc::Status status = ResolveEtag(context, *name, *request.mutable_etag());
      !status.ok()) {
    return CallFailure(context, status);
  }
  return CallAndPrint(context, &Gateway::TransitionReferral, request);
}

int ReferralsTransitions(CommandContext& context) {
  absl::StatusOr<std::string> name = ReferralArgument(context);
  if (!name.ok()) return UsageFailure(context, name.status());
  referrals::v1::ListAllowedTransitionsRequest request;
  request.set_name(*name);
  return CallAndPrint(context, &Gateway::ListAllowedTransitions, request);
}

int ReferralsHistory(CommandContext& context) {
  absl::StatusOr<std::string> name = ReferralArgument(context);
  if (!name.ok()) return UsageFailure(context, name.status());
  referrals::v1::GetReferralHistoryRequest request;
  request.set_name(*name);
  return CallAndPrint(context, &Gateway::GetReferralHistory, request);
}

int ReferralsStateMachine(CommandContext& context) {
  absl::StatusOr<catalogue::v1::InterventionKind> kind =
      ParseEnum<catalogue::v1::InterventionKind>(context.arguments.at(0));
  if (!kind.ok()) {
    return UsageFailure(
        context, absl::InvalidArgumentError(absl::StrCat("kind: ", kind.status().message())));
  }
  referrals::v1::GetStateMachineRequest request;
  request.set_kind(*kind);
  return CallAndPrint(context, &Gateway::GetStateMachine, request);
}

int ReferralsWatch(CommandContext& context) {
  OptionReader reader(context.options);
  referrals::v1::WatchReferralEventsRequest request;
  if (reader.Has("after")) {
    int64_t after = 0;
    if (!absl::SimpleAtoi(reader.String("after"), &after) || after < 0) {
      return UsageFailure(context, InvalidFlag("after", "expected an event sequence number"));
    }
    request.set_after_sequence(after);
  }
  if (reader.Has("subscription")) {
    const std::string subscription = reader.String("subscription");
    request.set_subscription(absl::StartsWith(subscription, "subscriptions/")
                                 ? subscription
                                 : absl::StrCat("subscriptions/", subscription));
  }
  request.set_view(reader.Enum<referrals::v1::EventView>("view"));
  if (absl::Status status = ReadEventFilter(reader, *request.mutable_filter()); !status.ok()) {
    return UsageFailure(context, status);
  }
  if (!reader.status().ok()) return UsageFailure(context, reader.status());
  // An empty filter is none; a subscription takes no filter of the watch's own.
  if (request.filter().ByteSizeLong() == 0) request.clear_filter();
  const std::unique_ptr<grpc::ClientContext> call =
      NewCallContext(context.settings, context.settings.stream_timeout);
  std::unique_ptr<grpc::ClientReaderInterface<referrals::v1::ReferralEvent>> reader_stream =
      context.gateway->WatchReferralEvents(call.get(), request);
  referrals::v1::ReferralEvent event;
  while (reader_stream->Read(&event)) {
    // Flushed per event, so a pipe sees each as it happens.
    *context.out << Render(event, context.settings.json) << std::flush;
  }
  const grpc::Status status = reader_stream->Finish();
  // A timeout asked for on a watch is how it is meant to end.
  if (status.ok() || (context.settings.stream_timeout &&
                      status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED)) {
    return kExitOk;
  }
  return CallFailure(context, status);
}

int Token(CommandContext& context) {
  OptionReader reader(context.options);
  std::string secret = reader.String("secret");
  if (!reader.Has("secret")) {
    if (const char* value = std::getenv(kJwtSecretVariable)) secret = value;
  }
  if (secret.empty()) {
    return UsageFailure(context,
                        InvalidFlag("secret", absl::StrCat("required (or ", kJwtSecretVariable,
                                                           "): the gateway's HS256 secret")));
  }
  if (secret.size() < kMinHs256SecretBytes) {
    return UsageFailure(context,
                        InvalidFlag("secret", absl::StrCat("an HS256 secret needs at least ",
                                                           kMinHs256SecretBytes, " bytes")));
  }
  TokenClaims principal;
  principal.subject = reader.String("sub");
  if (principal.subject.empty()) return UsageFailure(context, InvalidFlag("sub", "required"));
  for (const std::string& text : reader.List("roles")) {
    absl::StatusOr<common::v1::Role> role = ParseEnum<common::v1::Role>(text);
    if (!role.ok()) return UsageFailure(context, InvalidFlag("roles", role.status().message()));
    principal.roles.push_back(RoleClaimName(*role));
  }
  principal.region = reader.String("region");
  principal.provider = reader.String("provider");
  absl::Duration ttl = absl::Hours(8);
  if (reader.Has("ttl")) {
    if (!absl::ParseDuration(reader.String("ttl"), &ttl) || ttl <= absl::ZeroDuration()) {
      return UsageFailure(context, InvalidFlag("ttl", "expected a positive duration, e.g. 8h"));
    }
  }
  const std::string issuer = reader.Has("issuer") ? reader.String("issuer") : "probation-local";
  absl::StatusOr<std::string> token =
      MintJwt(JwtKey{JwtAlgorithm::kHs256, secret}, issuer, principal, absl::Now(), ttl);
  if (!token.ok()) return UsageFailure(context, token.status());
  *context.out << *token << "\n";
  return kExitOk;
}

const std::vector<Command>& Commands() {
  static const std::vector<Command>* commands = [] {
    const std::vector<std::string> filters = {"kind", "region", "need_area"};
    const std::vector<std::string> pages = {"page_size", "page_token"};
    const std::vector<std::string> report_flags = {"from", "to", "region", "intervention",
                                                   "provider"};
    const std::vector<std::string>& referral_fields = ReferralFieldFlags();
    const std::string roles = absl::StrJoin(AcceptedNames(*common::v1::Role_descriptor()), ", ");
    return new std::vector<Command>{
        {.spec = {.command = "interventions",
                  .subcommand = "list",
                  .summary = "Lists the catalogue's interventions, filtered, a page at a time.",
                  .flags = With(With(filters, {"query"}), pages)},
         .run = &InterventionsList},
        {.spec = {.command = "interventions",
                  .subcommand = "search",
                  .arguments = "<text>...",
                  .summary = "Lists the interventions whose title, abbreviation, summary or "
                             "description hold every word of the text.",
                  .flags = With(filters, pages),
                  .min_arguments = 1,
                  .max_arguments = -1},
         .run = &InterventionsSearch},
        {.spec = {.command = "interventions",
                  .subcommand = "get",
                  .arguments = "<intervention>",
                  .summary = "Shows one intervention: its criteria and where it is offered.",
                  .min_arguments = 1,
                  .max_arguments = 1},
         .run = &InterventionsGet},
        {.spec = {.command = "regions",
                  .subcommand = "list",
                  .summary = "Lists the 12 probation regions and their PCC areas."},
         .run = &RegionsList},
        {.spec = {.command = "regions",
                  .subcommand = "offer",
                  .arguments = "<region>",
                  .summary = "Shows everything a region delivers, by kind.",
                  .min_arguments = 1,
                  .max_arguments = 1},
         .run = &RegionsOffer},
        {.spec = {.command = "find",
                  .summary = "Judges the person against the catalogue: each intervention's "
                             "outcome, why it is not eligible, and the recommended pathway.",
                  .flags = {"kind", "need_area"},
                  .takes_profile = true},
         .run = &Find},
        {.spec = {.command = "eligibility",
                  .subcommand = "check",
                  .arguments = "<intervention>",
                  .summary = "Judges the person for one intervention, criterion by criterion.",
                  .flags = {"requirement_days"},
                  .takes_profile = true,
                  .min_arguments = 1,
                  .max_arguments = 1},
         .run = &EligibilityCheck},
        {.spec = {.command = "referrals",
                  .subcommand = "create",
                  .summary = "Creates a draft referral of the person (--intervention is "
                             "required; --desired_outcomes is a ;-separated list). A retry "
                             "with the same --request_id returns the same referral.",
                  .flags = With({"intervention"}, referral_fields),
                  .takes_profile = true},
         .run = &ReferralsCreate},
        {.spec = {.command = "referrals",
                  .subcommand = "get",
                  .arguments = "<referral>",
                  .summary = "Shows a referral and the moves you may make now.",
                  .min_arguments = 1,
                  .max_arguments = 1},
         .run = &ReferralsGet},
        {.spec = {.command = "referrals",
                  .subcommand = "list",
                  .summary = "Lists the referrals you may see, newest first. --caseload is "
                             "mine, unassigned or needs-approval (action plans waiting for "
                             "you); --state_group draft, open or closed; --query a reference or "
                             "CRN; --order_by e.g. \"update_time desc\".",
                  .flags = With({"state", "intervention", "region", "crn", "provider", "caseload",
                                 "state_group", "query", "order_by"},
                                pages)},
         .run = &ReferralsList},
        {.spec = {.command = "referrals",
                  .subcommand = "update",
                  .arguments = "<referral>",
                  .summary = "Changes a draft: only the fields given, the person flags over the "
                             "current person. Without --etag the current etag is read first.",
                  .flags = With({"etag"}, referral_fields),
                  .takes_profile = true,
                  .min_arguments = 1,
                  .max_arguments = 1},
         .run = &ReferralsUpdate},
        {.spec = {.command = "referrals",
                  .subcommand = "submit",
                  .arguments = "<referral>",
                  .summary = "Submits a draft after the eligibility check; --override_reason "
                             "says why to go ahead despite a not-eligible verdict. Without "
                             "--etag the current etag is read first.",
                  .flags = {"etag", "override_reason"},
                  .min_arguments = 1,
                  .max_arguments = 1},
         .run = &ReferralsSubmit},
        {.spec = {.command = "referrals",
                  .subcommand = "transition",
                  .arguments = "<referral>",
                  .summary = "Moves a referral to the state --to (required). Without --etag "
                             "the current etag is read first.",
                  .flags = {"to", "reason_code", "notes", "etag"},
                  .min_arguments = 1,
                  .max_arguments = 1},
         .run = &ReferralsTransition},
        {.spec = {.command = "referrals",
                  .subcommand = "transitions",
                  .arguments = "<referral>",
                  .summary = "Lists the moves you may make now, with their reason codes.",
                  .min_arguments = 1,
                  .max_arguments = 1},
         .run = &ReferralsTransitions},
        {.spec = {.command = "referrals",
                  .subcommand = "history",
                  .arguments = "<referral>",
                  .summary = "Shows every change of state, oldest first.",
                  .min_arguments = 1,
                  .max_arguments = 1},
         .run = &ReferralsHistory},
        {.spec = {.command = "referrals",
                  .subcommand = "amend",
                  .arguments = "<referral>",
                  .summary = "Changes a submitted referral: the fields given, each recorded in "
                             "the changelog with --reason (required where the field's rule "
                             "says so). Profile flags change that part of the person, e.g. "
                             "--needs. Without --etag the current etag is read first.",
                  .flags = AmendmentFlags(),
                  .takes_profile = true,
                  .min_arguments = 1,
                  .max_arguments = 1},
         .run = &ReferralsAmend},
        {.spec = {.command = "referrals",
                  .subcommand = "changelog",
                  .arguments = "<referral>",
                  .summary = "Shows every amendment after submission, oldest first.",
                  .min_arguments = 1,
                  .max_arguments = 1},
         .run = &ReferralsChangelog},
        {.spec = {.command = "referrals",
                  .subcommand = "report",
                  .summary = "Counts the referrals created from --from to --to (dates or RFC "
                             "3339 times, --to excluded) by state, intervention, region and "
                             "provider, with time in each state and how they closed.",
                  .flags = report_flags},
         .run = &ReferralsReport},
        {.spec = {.command = "referrals",
                  .subcommand = "export",
                  .summary = "Prints the referrals created from --from to --to as CSV, one "
                             "line each.",
                  .flags = report_flags},
         .run = &ReferralsExport},
        {.spec = {.command = "referrals",
                  .subcommand = "state-machine",
                  .arguments = "<kind>",
                  .summary = "Shows the states and transitions of a kind's referrals.",
                  .min_arguments = 1,
                  .max_arguments = 1},
         .run = &ReferralsStateMachine},
        {.spec = {.command = "referrals",
                  .subcommand = "watch",
                  .summary = "Prints the referral events after sequence --after (default 0: "
                             "all), then new ones as they happen, until interrupted. --view is "
                             "basic (no personal data) or full (the default); --types, "
                             "--kinds, --interventions, --regions, --providers and --states "
                             "(comma lists) filter them; --subscription watches a "
                             "subscription after its acknowledged sequence instead.",
                  .flags = {"after", "view", "types", "kinds", "interventions", "regions",
                            "providers", "states", "subscription"}},
         .run = &ReferralsWatch},
        {.spec = {.command = "appointments",
                  .subcommand = "schedule",
                  .arguments = "<referral>",
                  .summary = "Providers: books an appointment of a referral. --type "
                             "(supplier-assessment or session), --start (RFC 3339), --duration "
                             "(e.g. 60m) and --method (in-person, video or phone) are required; "
                             "--location is required in person; --session is given by the "
                             "server when left out. A past appointment is booked with its "
                             "--attendance (an outcome, with --notes and "
                             "--notify_practitioner). A retry with the same --request_id "
                             "returns the same appointment.",
                  .flags = {"type", "start", "duration", "method", "location", "session",
                            "attendance", "notes", "notify_practitioner"},
                  .min_arguments = 1,
                  .max_arguments = 1},
         .run = &AppointmentsSchedule},
        {.spec = {.command = "appointments",
                  .subcommand = "reschedule",
                  .arguments = "<appointment>",
                  .summary = "Providers: moves an appointment not yet attended to --start, "
                             "with a --reason and who asked (--requested_by: "
                             "person-on-probation, service-provider or probation-practitioner). "
                             "Without --etag the current etag is read first.",
                  .flags = {"start", "reason", "requested_by", "etag"},
                  .min_arguments = 1,
                  .max_arguments = 1},
         .run = &AppointmentsReschedule},
        {.spec = {.command = "appointments",
                  .subcommand = "attend",
                  .arguments = "<appointment>",
                  .summary = "Providers: records what happened at an appointment that has "
                             "started, once: --outcome (attended, late, did-not-attend or "
                             "did-not-happen), --notes, --notify_practitioner. Without --etag "
                             "the current etag is read first.",
                  .flags = {"outcome", "notes", "notify_practitioner", "etag"},
                  .min_arguments = 1,
                  .max_arguments = 1},
         .run = &AppointmentsAttend},
        {.spec = {.command = "appointments",
                  .subcommand = "get",
                  .arguments = "<appointment>",
                  .summary = "Shows an appointment (referrals/<id>/appointments/<id>): its "
                             "attendance and every reschedule.",
                  .min_arguments = 1,
                  .max_arguments = 1},
         .run = &AppointmentsGet},
        {.spec = {.command = "appointments",
                  .subcommand = "list",
                  .arguments = "[<referral>]",
                  .summary = "Lists a referral's appointments by start time or, without one, "
                             "a --caseload across the referrals you may see: upcoming (the "
                             "next 7 days) or attendance-not-recorded.",
                  .flags = With({"caseload"}, pages),
                  .max_arguments = 1},
         .run = &AppointmentsList},
        {.spec = {.command = "action-plan",
                  .subcommand = "get",
                  .arguments = "<referral>",
                  .summary = "Shows a CRS referral's action plan (an empty draft, etag \"0\", "
                             "until first written).",
                  .min_arguments = 1,
                  .max_arguments = 1},
         .run = &ActionPlanGet},
        {.spec = {.command = "action-plan",
                  .subcommand = "update",
                  .arguments = "<referral>",
                  .summary = "Providers: edits the plan's draft: --activities (a ;-separated "
                             "list of \"DESIRED OUTCOME=DESCRIPTION\", replacing them all) "
                             "and/or --number_of_sessions. Without --etag the current etag is "
                             "read first.",
                  .flags = {"activities", "number_of_sessions", "etag"},
                  .min_arguments = 1,
                  .max_arguments = 1},
         .run = &ActionPlanUpdate},
        {.spec = {.command = "action-plan",
                  .subcommand = "submit",
                  .arguments = "<referral>",
                  .summary = "Providers: sends the draft for the probation practitioner's "
                             "approval. Without --etag the current etag is read first.",
                  .flags = {"etag"},
                  .min_arguments = 1,
                  .max_arguments = 1},
         .run = &ActionPlanSubmit},
        {.spec = {.command = "action-plan",
                  .subcommand = "approve",
                  .arguments = "<referral>",
                  .summary = "Probation practitioners: approves the submitted plan. Without "
                             "--etag the current etag is read first.",
                  .flags = {"etag"},
                  .min_arguments = 1,
                  .max_arguments = 1},
         .run = &ActionPlanApprove},
        {.spec = {.command = "action-plan",
                  .subcommand = "request-changes",
                  .arguments = "<referral>",
                  .summary = "Probation practitioners: sends the submitted plan back to draft "
                             "with a --reason (required). Without --etag the current etag is "
                             "read first.",
                  .flags = {"reason", "etag"},
                  .min_arguments = 1,
                  .max_arguments = 1},
         .run = &ActionPlanRequestChanges},
        {.spec = {.command = "end-of-service-report",
                  .subcommand = "get",
                  .arguments = "<referral>",
                  .summary = "Shows a CRS referral's end-of-service report.",
                  .min_arguments = 1,
                  .max_arguments = 1},
         .run = &EndOfServiceReportGet},
        {.spec = {.command = "end-of-service-report",
                  .subcommand = "update",
                  .arguments = "<referral>",
                  .summary = "Providers: edits the report until it is submitted: --outcomes (a "
                             ";-separated list of \"DESIRED OUTCOME=ACHIEVEMENT[:NOTES]\", the "
                             "achievement achieved, partially-achieved or not-achieved, "
                             "replacing them all) and/or --further_information. Without --etag "
                             "the current etag is read first.",
                  .flags = {"outcomes", "further_information", "etag"},
                  .min_arguments = 1,
                  .max_arguments = 1},
         .run = &EndOfServiceReportUpdate},
        {.spec = {.command = "end-of-service-report",
                  .subcommand = "submit",
                  .arguments = "<referral>",
                  .summary = "Providers: submits the report, once every desired outcome has an "
                             "entry. Without --etag the current etag is read first.",
                  .flags = {"etag"},
                  .min_arguments = 1,
                  .max_arguments = 1},
         .run = &EndOfServiceReportSubmit},
        {.spec = {.command = "groups",
                  .subcommand = "create",
                  .summary = "Programme teams: creates a programme group of an accredited "
                             "programme or structured intervention, its sessions generated from "
                             "the catalogue on the group's weekdays around bank holidays. "
                             "--intervention, --start_date (YYYY-MM-DD), --weekdays (a comma "
                             "list, e.g. monday,friday), --capacity and --facilitators (a comma "
                             "list of subs) are required; --region defaults to your own; --sex "
                             "(male or female) makes a single-sex cohort; --session_count only "
                             "where the catalogue fixes no number of sessions. A retry with the "
                             "same --request_id returns the same group.",
                  .flags = {"intervention", "region", "start_date", "weekdays", "capacity",
                            "facilitators", "sex", "session_count"}},
         .run = &GroupsCreate},
        {.spec = {.command = "groups",
                  .subcommand = "get",
                  .arguments = "<group>",
                  .summary = "Shows a programme group (groups/<id>): its places, its sessions "
                             "with their modules and attendance, and its members.",
                  .min_arguments = 1,
                  .max_arguments = 1},
         .run = &GroupsGet},
        {.spec = {.command = "groups",
                  .subcommand = "list",
                  .summary = "Lists the programme groups of --region (default: your own), of "
                             "one --intervention if given, by start date; --caseload "
                             "my-groups-this-week: those you facilitate with a session in the "
                             "next 7 days.",
                  .flags = With({"intervention", "region", "caseload"}, pages)},
         .run = &GroupsList},
        {.spec = {.command = "groups",
                  .subcommand = "reschedule",
                  .arguments = "<session>",
                  .summary = "Programme teams: moves a group session not yet recorded "
                             "(groups/<id>/sessions/<n>) to --date (YYYY-MM-DD) with a --reason; "
                             "--move_later_sessions moves the later sessions with it. Without "
                             "--etag the group's current etag is read first.",
                  .flags = {"date", "reason", "move_later_sessions", "etag"},
                  .min_arguments = 1,
                  .max_arguments = 1},
         .run = &GroupsReschedule},
        {.spec = {.command = "groups",
                  .subcommand = "waiting-list",
                  .summary = "Lists the referrals waiting for a place in a group of "
                             "--intervention in --region (default: your own), in the order they "
                             "were submitted, with their positions; --sex (male or female) "
                             "only that cohort. Without --intervention: the region's longest "
                             "waiting across interventions.",
                  .flags = With({"intervention", "region", "sex"}, pages)},
         .run = &GroupsWaitingList},
        {.spec = {.command = "groups",
                  .subcommand = "allocate",
                  .arguments = "<group> <referral>",
                  .summary = "Programme teams: takes a waiting referral off the waiting list "
                             "into the group, within its places and cohort.",
                  .flags = {"etag"},
                  .min_arguments = 2,
                  .max_arguments = 2},
         .run = &GroupsAllocate},
        {.spec = {.command = "groups",
                  .subcommand = "remove",
                  .arguments = "<group> <referral>",
                  .summary = "Programme teams: takes a member out of the group with a --reason "
                             "(required); a referral still waiting goes back onto the waiting "
                             "list in its place.",
                  .flags = {"reason", "etag"},
                  .min_arguments = 2,
                  .max_arguments = 2},
         .run = &GroupsRemove},
        {.spec = {.command = "groups",
                  .subcommand = "attend",
                  .arguments = "<session>",
                  .summary = "Programme teams: records the members' attendance at a group "
                             "session in one call: --attendance (required) is a ;-separated "
                             "list of \"REFERRAL=OUTCOME[:NOTES]\", the outcome attended, late "
                             "or did-not-attend.",
                  .flags = {"attendance", "etag"},
                  .min_arguments = 1,
                  .max_arguments = 1},
         .run = &GroupsAttend},
        {.spec = {.command = "subscriptions",
                  .subcommand = "create",
                  .arguments = "[<id>]",
                  .summary = "Creates a durable event subscription (BASIC unless --view=full) "
                             "with the watch's filter flags and a --display_name, starting "
                             "after the newest event (or --start_after).",
                  .flags = {"display_name", "view", "types", "kinds", "interventions", "regions",
                            "providers", "states", "start_after"},
                  .max_arguments = 1},
         .run = &SubscriptionsCreate},
        {.spec = {.command = "subscriptions",
                  .subcommand = "get",
                  .arguments = "<id>",
                  .summary = "Shows one of your subscriptions.",
                  .min_arguments = 1,
                  .max_arguments = 1},
         .run = &SubscriptionsGet},
        {.spec = {.command = "subscriptions",
                  .subcommand = "list",
                  .summary = "Lists your subscriptions (an admin's: everyone's).",
                  .flags = {"page_size", "page_token"}},
         .run = &SubscriptionsList},
        {.spec = {.command = "subscriptions",
                  .subcommand = "delete",
                  .arguments = "<id>",
                  .summary = "Deletes a subscription and its dead letters.",
                  .flags = {"etag"},
                  .min_arguments = 1,
                  .max_arguments = 1},
         .run = &SubscriptionsDelete},
        {.spec = {.command = "subscriptions",
                  .subcommand = "ack",
                  .arguments = "<id> <sequence>",
                  .summary = "Records that every event up to <sequence> is handled.",
                  .min_arguments = 2,
                  .max_arguments = 2},
         .run = &SubscriptionsAcknowledge},
        {.spec = {.command = "dead-letters",
                  .subcommand = "list",
                  .arguments = "<subscription>",
                  .summary = "The events a subscription's consumer gave up on, oldest first "
                             "(--replay_requested: only those asked to be replayed).",
                  .flags = {"replay_requested", "page_size", "page_token"},
                  .min_arguments = 1,
                  .max_arguments = 1},
         .run = &DeadLettersList},
        {.spec = {.command = "dead-letters",
                  .subcommand = "replay",
                  .arguments = "<subscription> <sequence>",
                  .summary = "Admins: asks the consumer to deliver a dead letter again.",
                  .min_arguments = 2,
                  .max_arguments = 2},
         .run = &DeadLettersReplay},
        {.spec = {.command = "dead-letters",
                  .subcommand = "delete",
                  .arguments = "<subscription> <sequence>",
                  .summary = "Removes a dead letter.",
                  .min_arguments = 2,
                  .max_arguments = 2},
         .run = &DeadLettersDelete},
        {.spec = {.command = "person",
                  .subcommand = "export",
                  .arguments = "<crn>",
                  .summary = "Prints everything stored about a person (a subject access "
                             "request): their referrals with history and amendments, and "
                             "every event written while they were the person referred.",
                  .min_arguments = 1,
                  .max_arguments = 1},
         .run = &PersonExport},
        {.spec = {.command = "person",
                  .subcommand = "access-records",
                  .arguments = "[<crn>]",
                  .summary = "Admins: the access audit, newest first: who read or changed a "
                             "person's data (or anyone's, without a CRN), by --actor, from "
                             "--from to --to (dates or RFC 3339 times).",
                  .flags = {"actor", "from", "to", "page_size", "page_token"},
                  .max_arguments = 1},
         .run = &PersonAccessRecords},
        {.spec = {.command = "case-access",
                  .subcommand = "get",
                  .arguments = "<crn>",
                  .summary = "Admins: who is kept out of a limited-access case.",
                  .min_arguments = 1,
                  .max_arguments = 1},
         .run = &CaseAccessGet},
        {.spec = {.command = "case-access",
                  .subcommand = "set",
                  .arguments = "<crn>",
                  .summary = "Admins: limits who may see a person's case: --exclude (a comma "
                             "list of staff subs kept out) and/or --restrict_to (the only staff "
                             "let in), with a --reason; replaces what was set (with --etag, "
                             "only if nobody changed it since).",
                  .flags = {"exclude", "restrict_to", "reason", "etag"},
                  .min_arguments = 1,
                  .max_arguments = 1},
         .run = &CaseAccessSet},
        {.spec = {.command = "case-access",
                  .subcommand = "delete",
                  .arguments = "<crn>",
                  .summary = "Admins: lifts the limits on a person's case.",
                  .flags = {"etag"},
                  .min_arguments = 1,
                  .max_arguments = 1},
         .run = &CaseAccessDelete},
        {.spec = {.command = "capacity",
                  .subcommand = "get",
                  .arguments = "<intervention>",
                  .summary = "Shows the places set for an intervention in --region (required), "
                             "per --provider for a CRS.",
                  .flags = {"region", "provider"},
                  .min_arguments = 1,
                  .max_arguments = 1},
         .run = &CapacityGet},
        {.spec = {.command = "capacity",
                  .subcommand = "set",
                  .arguments = "<intervention>",
                  .summary = "Sets the places of an intervention in --region: --places and "
                             "--period (cohort or month) are required, --next_start_date is "
                             "YYYY-MM-DD. Creates it if none is set; with --etag, only if "
                             "nobody changed it since.",
                  .flags = {"region", "provider", "period", "places", "next_start_date", "etag"},
                  .min_arguments = 1,
                  .max_arguments = 1},
         .run = &CapacitySet},
        {.spec = {.command = "availability",
                  .arguments = "<region> [<intervention>...]",
                  .summary = "Shows places, places taken and the waiting list in a region, for "
                             "the interventions named or all with any.",
                  .min_arguments = 1,
                  .max_arguments = -1},
         .run = &Availability},
        {.spec = {.command = "token",
                  .summary = absl::StrCat(
                      "Prints an HS256 bearer token for local use, signed with --secret (or ",
                      kJwtSecretVariable, "). --sub is required; --roles is a comma list of ",
                      roles, "; --issuer defaults to probation-local, --ttl to 8h."),
                  .flags = {"secret", "issuer", "sub", "roles", "region", "provider", "ttl"}},
         .run = &Token},
    };
  }();
  return *commands;
}

}  // namespace probation::cli
