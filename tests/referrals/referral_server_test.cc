// Referrals through a real server, store and dependencies: every transition of every machine
// and the refused ones, submission with the eligibility check, concurrency, events.
#include <atomic>
#include <deque>
#include <map>
#include <set>
#include <thread>
#include <tuple>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/auth/internal_identity.h"
#include "tests/referrals/referral_server_test_base.h"

namespace probation::referrals {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// One step of a walk: the target state, and who makes the move with what reason.
struct Step {
  v1::ReferralState to;
  common::v1::Role role;
  std::string reason;
};

std::string ReasonFor(const v1::StateMachine& machine, const v1::Transition& transition) {
  for (const auto& list : machine.reason_code_lists()) {
    if (list.name() == transition.reason_codes()) return list.codes(0).code();
  }
  return "";
}

// The shortest walk (after submission) from the submitted state to `from` with `held_from`.
std::vector<Step> PathTo(const v1::StateMachine& machine, v1::ReferralState start,
                         v1::ReferralState from, v1::ReferralState held_from) {
  using Node = std::pair<v1::ReferralState, v1::ReferralState>;  // (state, held_from)
  std::map<Node, std::pair<Node, Step>> came_from;
  std::deque<Node> queue = {{start, v1::REFERRAL_STATE_UNSPECIFIED}};
  std::set<Node> seen = {queue.front()};
  const auto holding = [&](v1::ReferralState state) {
    for (const auto& info : machine.states()) {
      if (info.state() == state) return info.holding();
    }
    return false;
  };
  while (!queue.empty()) {
    const Node node = queue.front();
    queue.pop_front();
    if (node == Node{from, held_from}) {
      std::vector<Step> path;
      for (Node at = node; at != Node{start, v1::REFERRAL_STATE_UNSPECIFIED};) {
        path.insert(path.begin(), came_from[at].second);
        at = came_from[at].first;
      }
      return path;
    }
    for (const auto& transition : machine.transitions()) {
      if (transition.submission()) continue;
      if (std::find(transition.from().begin(), transition.from().end(), node.first) ==
          transition.from().end()) {
        continue;
      }
      const v1::ReferralState to = transition.to_held_from() ? node.second : transition.to();
      const Node next{to, holding(to) ? node.first : v1::REFERRAL_STATE_UNSPECIFIED};
      if (!seen.insert(next).second) continue;
      // A move a delivery record makes is made by hand only by an admin.
      const common::v1::Role role = transition.driven_by() != v1::DELIVERY_FACT_UNSPECIFIED
                                        ? common::v1::ROLE_ADMIN
                                        : static_cast<common::v1::Role>(transition.roles(0));
      came_from[next] = {node, {to, role, ReasonFor(machine, transition)}};
      queue.push_back(next);
    }
  }
  ADD_FAILURE() << "no path to " << v1::ReferralState_Name(from);
  return {};
}

TEST_F(ReferralServerTest, EveryTransitionOfEveryMachineWorksThroughTheServer) {
  int walked = 0;
  for (InterventionKind kind :
       {catalogue::v1::INTERVENTION_KIND_ACCREDITED_PROGRAMME,
        catalogue::v1::INTERVENTION_KIND_STRUCTURED_INTERVENTION,
        catalogue::v1::INTERVENTION_KIND_COMMISSIONED_REHABILITATIVE_SERVICE}) {
    const v1::StateMachine& machine = *running_->machines.For(kind);
    for (const v1::Transition& transition : machine.transitions()) {
      if (transition.submission()) continue;
      for (int from_value : transition.from()) {
        const auto from = static_cast<v1::ReferralState>(from_value);
        // From a holding state, the referral was held from somewhere: a release is walked
        // once per state it can be held from, any other move from the first of them.
        std::vector<v1::ReferralState> held_froms;
        for (const auto& into : machine.transitions()) {
          if (into.to() != from) continue;
          for (int source : into.from()) {
            held_froms.push_back(static_cast<v1::ReferralState>(source));
          }
        }
        const bool holding = running_->machines.State(kind, from)->holding();
        if (!holding) held_froms = {v1::REFERRAL_STATE_UNSPECIFIED};
        if (holding && !transition.to_held_from()) held_froms.resize(1);
        for (v1::ReferralState held_from : held_froms) {
          SCOPED_TRACE(
              absl::StrCat(v1::ReferralState_Name(from), " --", transition.action(), "-> "));
          v1::Referral referral = CreateDraft(kind);
          if (from != machine.initial_state()) {
            referral = Submit(referral);
            for (const Step& step : PathTo(machine, referral.state(), from, held_from)) {
              v1::Referral next;
              const grpc::Status status =
                  Transition(referral, step.to, step.role, &next, step.reason, "walking");
              ASSERT_TRUE(status.ok()) << status.error_message();
              referral = next;
            }
          }
          ASSERT_EQ(referral.state(), from);
          const v1::ReferralState to = transition.to_held_from() ? held_from : transition.to();
          const bool driven = transition.driven_by() != v1::DELIVERY_FACT_UNSPECIFIED;
          const auto machine_role = static_cast<common::v1::Role>(transition.roles(0));
          const common::v1::Role role = driven ? common::v1::ROLE_ADMIN : machine_role;
          const std::string reason = ReasonFor(machine, transition);
          v1::Referral moved;
          if (driven) {  // the role whose record makes it may not make it by hand
            const grpc::Status refused =
                Transition(referral, to, machine_role, &moved, reason, "notes");
            EXPECT_EQ(refused.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
            EXPECT_THAT(refused.error_message(), HasSubstr("DeliveryService"));
          }
          if (transition.reason_required()) {  // refused without its reason
            EXPECT_EQ(Transition(referral, to, role, &moved, "", "notes").error_code(),
                      grpc::StatusCode::INVALID_ARGUMENT);
          }
          if (transition.notes_required()) {  // refused without notes
            EXPECT_EQ(Transition(referral, to, role, &moved, reason, "").error_code(),
                      grpc::StatusCode::INVALID_ARGUMENT);
          }
          for (common::v1::Role other :
               {common::v1::ROLE_PROBATION_PRACTITIONER, common::v1::ROLE_PROGRAMME_TEAM,
                common::v1::ROLE_SERVICE_PROVIDER}) {
            if (RoleMayMake(transition, other)) continue;  // refused for the wrong role
            // Providers only see the CRS referrals sent to them.
            const bool sees =
                other != common::v1::ROLE_SERVICE_PROVIDER ||
                referral.kind() ==
                    catalogue::v1::INTERVENTION_KIND_COMMISSIONED_REHABILITATIVE_SERVICE;
            EXPECT_EQ(Transition(referral, to, other, &moved, reason, "notes").error_code(),
                      sees ? grpc::StatusCode::PERMISSION_DENIED : grpc::StatusCode::NOT_FOUND);
          }
          v1::Referral stale = referral;
          stale.set_etag("999");
          EXPECT_EQ(Transition(stale, to, role, &moved, reason, "notes").error_code(),
                    grpc::StatusCode::ABORTED);
          const grpc::Status status = Transition(referral, to, role, &moved, reason, "notes");
          ASSERT_TRUE(status.ok()) << status.error_message();
          EXPECT_EQ(moved.state(), to);
          ++walked;
        }
      }
    }
  }
  EXPECT_GT(walked, 40);
}

TEST_F(ReferralServerTest, ARefusedMoveFromTheWrongStateIsAFailedPrecondition) {
  v1::Referral referral =
      Submit(CreateDraft(catalogue::v1::INTERVENTION_KIND_ACCREDITED_PROGRAMME));
  v1::Referral moved;
  const grpc::Status status = Transition(referral, v1::REFERRAL_STATE_PROGRAMME_COMPLETE,
                                         common::v1::ROLE_PROGRAMME_TEAM, &moved);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(status.error_message(),
              HasSubstr("cannot move to REFERRAL_STATE_PROGRAMME_COMPLETE"));
}

TEST_F(ReferralServerTest, HistoryRecordsEveryChangeWithWhoWhyAndHowLong) {
  v1::Referral referral =
      Submit(CreateDraft(catalogue::v1::INTERVENTION_KIND_ACCREDITED_PROGRAMME));
  v1::Referral held;
  ASSERT_TRUE(Transition(referral, v1::REFERRAL_STATE_ON_HOLD,
                         common::v1::ROLE_PROBATION_PRACTITIONER, &held, "awaiting-information",
                         "waiting for the PSR")
                  .ok());
  EXPECT_EQ(held.held_from(), v1::REFERRAL_STATE_SUBMITTED);
  v1::Referral released;
  ASSERT_TRUE(Transition(held, v1::REFERRAL_STATE_SUBMITTED,
                         common::v1::ROLE_PROBATION_PRACTITIONER, &released)
                  .ok());
  EXPECT_EQ(released.held_from(), v1::REFERRAL_STATE_UNSPECIFIED);

  Call call(kPractitioner);
  v1::GetReferralHistoryRequest request;
  request.set_name(referral.name());
  v1::GetReferralHistoryResponse history;
  ASSERT_TRUE(stub().GetReferralHistory(&call.context, request, &history).ok());
  ASSERT_EQ(history.entries_size(), 4);
  EXPECT_EQ(history.entries(0).action(), "create");
  EXPECT_EQ(history.entries(1).action(), "submit");
  EXPECT_EQ(history.entries(1).actor(), "pp-1");
  const v1::HistoryEntry& hold = history.entries(2);
  EXPECT_EQ(hold.from_state(), v1::REFERRAL_STATE_SUBMITTED);
  EXPECT_EQ(hold.to_state(), v1::REFERRAL_STATE_ON_HOLD);
  EXPECT_EQ(hold.role(), common::v1::ROLE_PROBATION_PRACTITIONER);
  EXPECT_EQ(hold.reason_code(), "awaiting-information");
  EXPECT_EQ(hold.notes(), "waiting for the PSR");
  EXPECT_TRUE(hold.has_time_in_previous_state());
  EXPECT_GE(hold.time_in_previous_state().nanos() + hold.time_in_previous_state().seconds(), 0);
  EXPECT_EQ(history.entries(3).action(), "release");
}

TEST_F(ReferralServerTest, SubmissionRefusesANotEligiblePersonUnlessOverridden) {
  common::v1::PersonProfile woman = NewPerson();
  woman.set_sex(common::v1::SEX_FEMALE);
  woman.add_offences(common::v1::OFFENCE_CATEGORY_INTIMATE_PARTNER_VIOLENCE);
  Call create(kPractitioner, "pp-2");
  v1::CreateReferralRequest create_request;
  create_request.set_request_id("bbr-woman");
  create_request.mutable_referral()->set_intervention(
      "interventions/building-better-relationships");
  *create_request.mutable_referral()->mutable_person() = woman;
  create_request.mutable_referral()->set_region("london");
  v1::Referral draft;
  ASSERT_TRUE(stub().CreateReferral(&create.context, create_request, &draft).ok());
  EXPECT_EQ(draft.state(), v1::REFERRAL_STATE_DRAFT);
  EXPECT_EQ(draft.kind(), catalogue::v1::INTERVENTION_KIND_ACCREDITED_PROGRAMME);
  EXPECT_THAT(draft.reference(), ::testing::MatchesRegex("[A-Z]{2}[0-9]{4}[A-Z]{2}"));

  Call refused(kPractitioner, "pp-2");
  v1::SubmitReferralRequest submit;
  submit.set_name(draft.name());
  submit.set_etag(draft.etag());
  v1::Referral result;
  const grpc::Status status = stub().SubmitReferral(&refused.context, submit, &result);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(status.error_message(),
              HasSubstr("sex: BBR is for men; this person is recorded as female"));

  Call overridden(kPractitioner, "pp-2");
  submit.set_override_reason("Agreed with the treatment manager");
  ASSERT_TRUE(stub().SubmitReferral(&overridden.context, submit, &result).ok());
  EXPECT_EQ(result.state(), v1::REFERRAL_STATE_SUBMITTED);
  EXPECT_EQ(result.eligibility().outcome(), eligibility::v1::OUTCOME_NOT_ELIGIBLE);
  EXPECT_EQ(result.override_reason(), "Agreed with the treatment manager");
}

TEST_F(ReferralServerTest, TheReferralsRegionStandsForAnUnrecordedPersonRegion) {
  common::v1::PersonProfile person = NewPerson();
  person.clear_region();
  person.set_risk_of_reoffending(common::v1::RISK_LEVEL_LOW);
  // Positive Pathways runs in London only: judged in London it is ELIGIBLE, not unknown.
  const v1::Referral submitted =
      Submit(CreateDraft(catalogue::v1::INTERVENTION_KIND_STRUCTURED_INTERVENTION, person));
  EXPECT_EQ(submitted.eligibility().outcome(), eligibility::v1::OUTCOME_ELIGIBLE);
  EXPECT_TRUE(submitted.person().region().empty()) << "the stored profile is left as given";
}

TEST_F(ReferralServerTest, OfFiftyConcurrentConflictingTransitionsExactlyOneSucceeds) {
  const v1::Referral referral =
      Submit(CreateDraft(catalogue::v1::INTERVENTION_KIND_ACCREDITED_PROGRAMME));
  std::atomic<int> ok{0}, aborted{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 50; ++i) {
    threads.emplace_back([&, i] {
      v1::Referral moved;
      // Half try one move, half another: they conflict on the etag either way.
      const auto to =
          i % 2 == 0 ? v1::REFERRAL_STATE_AWAITING_ASSESSMENT : v1::REFERRAL_STATE_NOT_ELIGIBLE;
      const grpc::Status status =
          Transition(referral, to, common::v1::ROLE_PROGRAMME_TEAM, &moved, "", "concurrent");
      if (status.ok()) ++ok;
      if (status.error_code() == grpc::StatusCode::ABORTED) ++aborted;
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(ok.load(), 1);
  EXPECT_EQ(aborted.load(), 49);
}

TEST_F(ReferralServerTest, TwentyConcurrentCreatesWithOneRequestIdMakeOneReferral) {
  const common::v1::PersonProfile person = NewPerson();
  std::vector<std::string> names(20);
  std::vector<std::thread> threads;
  for (int i = 0; i < 20; ++i) {
    threads.emplace_back([&, i] {
      Call call(kPractitioner);
      v1::CreateReferralRequest request;
      request.set_request_id("twenty-at-once");
      request.mutable_referral()->set_intervention("interventions/thinking-skills-programme");
      *request.mutable_referral()->mutable_person() = person;
      request.mutable_referral()->set_region("london");
      v1::Referral referral;
      if (stub().CreateReferral(&call.context, request, &referral).ok()) names[i] = referral.name();
    });
  }
  for (auto& thread : threads) thread.join();
  for (const std::string& name : names) EXPECT_EQ(name, names[0]);
  Call call(kPractitioner);
  v1::ListReferralsRequest list;
  list.set_crn(person.crn());
  v1::ListReferralsResponse response;
  ASSERT_TRUE(stub().ListReferrals(&call.context, list, &response).ok());
  EXPECT_EQ(response.total_size(), 1);
}

// The rule holds from submission: a second draft is made, and refused when it is submitted,
// naming the open referral the caller can see.
TEST_F(ReferralServerTest, ASecondSubmittedReferralForThePersonIsAlreadyExists) {
  const common::v1::PersonProfile person = NewPerson();
  const v1::Referral first =
      Submit(CreateDraft(catalogue::v1::INTERVENTION_KIND_ACCREDITED_PROGRAMME, person));
  Call call(kPractitioner, "pp-1");
  v1::CreateReferralRequest request;
  request.set_request_id("a-second-one");
  request.mutable_referral()->set_intervention("interventions/thinking-skills-programme");
  *request.mutable_referral()->mutable_person() = person;
  request.mutable_referral()->set_region("london");
  v1::Referral second;
  ASSERT_TRUE(stub().CreateReferral(&call.context, request, &second).ok());
  Call submit(kPractitioner, "pp-1");
  v1::SubmitReferralRequest submission;
  submission.set_name(second.name());
  submission.set_etag(second.etag());
  submission.set_override_reason("The programme team asked for this referral");
  v1::Referral refused;
  const grpc::Status status = stub().SubmitReferral(&submit.context, submission, &refused);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_THAT(status.error_message(), HasSubstr(first.name()));
}

// A request id is the client's choice; reusing another region's does not return its referral.
TEST_F(ReferralServerTest, AnotherCallersRequestIdShowsNothing) {
  const common::v1::PersonProfile londoner = NewPerson();
  const v1::Referral first =
      CreateDraft(catalogue::v1::INTERVENTION_KIND_ACCREDITED_PROGRAMME, londoner);
  common::v1::PersonProfile person = NewPerson();
  person.set_region("wales");
  Call welsh(kPractitioner, "pp-wales", "wales");
  v1::CreateReferralRequest request;
  // The key CreateDraft sent.
  request.set_request_id(absl::StrCat("create-", londoner.crn(), "-",
                                      catalogue::v1::INTERVENTION_KIND_ACCREDITED_PROGRAMME));
  request.mutable_referral()->set_intervention("interventions/thinking-skills-programme");
  *request.mutable_referral()->mutable_person() = person;
  request.mutable_referral()->set_region("wales");
  v1::Referral replayed;
  const grpc::Status status = stub().CreateReferral(&welsh.context, request, &replayed);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_THAT(status.error_message(), HasSubstr("request_id"));
  EXPECT_THAT(status.error_message(), Not(HasSubstr(first.id())));
  EXPECT_TRUE(replayed.id().empty());
}

TEST_F(ReferralServerTest, UpdatesADraftByFieldMaskOnly) {
  const v1::Referral draft = CreateDraft(catalogue::v1::INTERVENTION_KIND_STRUCTURED_INTERVENTION);
  Call call(kPractitioner);
  v1::UpdateReferralRequest request;
  *request.mutable_referral() = draft;
  request.mutable_referral()->set_reason_for_referral("Needs help with thinking skills");
  request.mutable_referral()->set_region("north-east");  // not in the mask: unchanged
  request.mutable_update_mask()->add_paths("reason_for_referral");
  v1::Referral updated;
  ASSERT_TRUE(stub().UpdateReferral(&call.context, request, &updated).ok());
  EXPECT_EQ(updated.reason_for_referral(), "Needs help with thinking skills");
  EXPECT_EQ(updated.region(), "london");
  EXPECT_NE(updated.etag(), draft.etag());

  Call bad_path(kPractitioner);
  request.mutable_update_mask()->add_paths("state");
  *request.mutable_referral()->mutable_etag() = updated.etag();
  const grpc::Status status = stub().UpdateReferral(&bad_path.context, request, &updated);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("update_mask: \"state\" cannot be changed"));

  const v1::Referral submitted = Submit(updated);
  Call too_late(kPractitioner);
  *request.mutable_referral() = submitted;
  request.mutable_update_mask()->Clear();
  request.mutable_update_mask()->add_paths("reason_for_referral");
  EXPECT_EQ(stub().UpdateReferral(&too_late.context, request, &updated).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
}

TEST_F(ReferralServerTest, ListsPageByPageWithTokensBoundToTheFilters) {
  const common::v1::PersonProfile person = NewPerson();
  // One person, three referrals to different interventions.
  for (InterventionKind kind :
       {catalogue::v1::INTERVENTION_KIND_ACCREDITED_PROGRAMME,
        catalogue::v1::INTERVENTION_KIND_STRUCTURED_INTERVENTION,
        catalogue::v1::INTERVENTION_KIND_COMMISSIONED_REHABILITATIVE_SERVICE}) {
    CreateDraft(kind, person);
  }
  v1::ListReferralsRequest request;
  request.set_crn(person.crn());
  request.set_page_size(2);
  std::vector<std::string> names;
  std::string first_token;
  do {
    Call call(kPractitioner);
    v1::ListReferralsResponse response;
    ASSERT_TRUE(stub().ListReferrals(&call.context, request, &response).ok());
    EXPECT_EQ(response.total_size(), 3);
    for (const auto& referral : response.referrals()) names.push_back(referral.name());
    if (first_token.empty()) first_token = response.next_page_token();
    request.set_page_token(response.next_page_token());
  } while (!request.page_token().empty());
  EXPECT_EQ(names.size(), 3u);
  EXPECT_EQ(std::set<std::string>(names.begin(), names.end()).size(), 3u);

  Call other_filters(kPractitioner);
  request.set_page_token(first_token);
  request.set_state(v1::REFERRAL_STATE_DRAFT);
  v1::ListReferralsResponse response;
  const grpc::Status status = stub().ListReferrals(&other_filters.context, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("page_token"));
}

TEST_F(ReferralServerTest, CallsWithoutASignedIdentityAreUnauthenticated) {
  v1::CreateReferralRequest request;
  request.set_request_id("anonymous");
  v1::Referral referral;
  grpc::ClientContext anonymous;
  EXPECT_EQ(stub().CreateReferral(&anonymous, request, &referral).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  // Headers a client writes itself, unsigned or signed with a guess, get nowhere.
  grpc::ClientContext forged;
  forged.AddMetadata("x-actor-bin", "intruder");
  forged.AddMetadata("x-role", "admin");
  forged.AddMetadata("x-identity-expires", "9999999999");
  forged.AddMetadata("x-identity-signature", "AAAA");
  v1::GetStateMachineRequest machine_request;
  machine_request.set_kind(catalogue::v1::INTERVENTION_KIND_ACCREDITED_PROGRAMME);
  v1::StateMachine machine;
  EXPECT_EQ(stub().GetStateMachine(&forged, machine_request, &machine).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  grpc::ClientContext wrong_secret;
  auto headers =
      SignIdentity({"intruder", common::v1::ROLE_ADMIN, "", "", absl::Now() + absl::Minutes(5)},
                   "/probation.referrals.v1.ReferralService/GetStateMachine", std::string(40, 'g'));
  for (const auto& [key, value] : *headers) wrong_secret.AddMetadata(key, value);
  EXPECT_EQ(stub().GetStateMachine(&wrong_secret, machine_request, &machine).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  grpc::ClientContext watch;
  auto reader = stub().WatchReferralEvents(&watch, {});
  v1::ReferralEvent event;
  EXPECT_FALSE(reader->Read(&event));
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(ReferralServerTest, OnlyAnAdminExportsAPersonsData) {
  const common::v1::PersonProfile person = NewPerson();
  Submit(CreateDraft(catalogue::v1::INTERVENTION_KIND_STRUCTURED_INTERVENTION, person));
  v1::ExportPersonDataRequest request;
  request.set_crn(person.crn());
  v1::ExportPersonDataResponse response;
  Call practitioner(kPractitioner);
  EXPECT_EQ(stub().ExportPersonData(&practitioner.context, request, &response).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  Call admin("admin");
  ASSERT_TRUE(stub().ExportPersonData(&admin.context, request, &response).ok());
  ASSERT_EQ(response.referrals_size(), 1);
  EXPECT_EQ(response.referrals(0).history_size(), 2);
  EXPECT_EQ(response.events_size(), 2);
}

TEST_F(ReferralServerTest, WatchReplaysFromASequenceThenStreamsLive) {
  // Everything so far, then a new event as it happens.
  CreateDraft(catalogue::v1::INTERVENTION_KIND_ACCREDITED_PROGRAMME);
  Call watcher("admin");
  grpc::ClientContext& context = watcher.context;
  v1::WatchReferralEventsRequest request;
  auto reader = stub().WatchReferralEvents(&context, request);
  v1::ReferralEvent event;
  ASSERT_TRUE(reader->Read(&event));
  int64_t last = event.sequence();
  EXPECT_EQ(last, 1);
  const v1::Referral draft = CreateDraft(catalogue::v1::INTERVENTION_KIND_STRUCTURED_INTERVENTION);
  while (reader->Read(&event)) {
    EXPECT_EQ(event.sequence(), last + 1) << "no gaps";
    last = event.sequence();
    if (event.referral().id() == draft.id()) break;
  }
  EXPECT_EQ(event.referral().id(), draft.id());
  EXPECT_EQ(event.type(), v1::ReferralEvent::TYPE_CREATED);
  context.TryCancel();
  reader->Finish();

  // Resuming after the last sequence seen gives only what came after it.
  Call resumer("admin");
  grpc::ClientContext& resume = resumer.context;
  request.set_after_sequence(last - 1);
  auto resumed = stub().WatchReferralEvents(&resume, request);
  ASSERT_TRUE(resumed->Read(&event));
  EXPECT_EQ(event.sequence(), last);
  resume.TryCancel();
  resumed->Finish();
}

TEST_F(ReferralServerTest, CallersSeeOnlyReferralsOfTheirRegionOrProvider) {
  const v1::Referral london =
      Submit(CreateDraft(catalogue::v1::INTERVENTION_KIND_COMMISSIONED_REHABILITATIVE_SERVICE));
  v1::GetReferralRequest get;
  get.set_name(london.name());
  v1::Referral read;

  // Staff of the region and provider-a, to which it was sent, see it; the admin too.
  for (auto [role, region, provider] :
       {std::tuple{kPractitioner, "london", ""}, std::tuple{"programme_team", "london", ""},
        std::tuple{"service_provider", "", "provider-a"}, std::tuple{"admin", "", ""}}) {
    Call call(role, "reader", region, provider);
    EXPECT_TRUE(stub().GetReferral(&call.context, get, &read).ok()) << role;
  }
  // Another region's staff and another provider are told it does not exist, for reads and
  // writes alike, exactly as for a missing referral.
  Call missing(kPractitioner, "reader", "london");
  v1::GetReferralRequest no_such;
  no_such.set_name("referrals/0000");
  const grpc::Status not_there = stub().GetReferral(&missing.context, no_such, &read);
  for (auto [role, region, provider] :
       {std::tuple{kPractitioner, "wales", ""}, std::tuple{"programme_team", "", ""},
        std::tuple{"service_provider", "london", "provider-b"}}) {
    Call call(role, "outsider", region, provider);
    const grpc::Status status = stub().GetReferral(&call.context, get, &read);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND) << role;
    EXPECT_EQ(status.error_message(),
              absl::StrReplaceAll(not_there.error_message(), {{"0000", london.id()}}));
    Call history(role, "outsider", region, provider);
    v1::GetReferralHistoryRequest history_request;
    history_request.set_name(london.name());
    v1::GetReferralHistoryResponse entries;
    EXPECT_EQ(stub().GetReferralHistory(&history.context, history_request, &entries).error_code(),
              grpc::StatusCode::NOT_FOUND);
  }
  Call welsh(kPractitioner, "outsider", "wales");
  v1::TransitionReferralRequest withdraw;
  withdraw.set_name(london.name());
  withdraw.set_etag(london.etag());
  withdraw.set_to_state(v1::REFERRAL_STATE_WITHDRAWN);
  withdraw.set_reason_code("other");
  EXPECT_EQ(stub().TransitionReferral(&welsh.context, withdraw, &read).error_code(),
            grpc::StatusCode::NOT_FOUND);

  // Creating belongs to one's own region.
  Call create(kPractitioner, "pp-2", "wales");
  v1::CreateReferralRequest elsewhere;
  elsewhere.set_request_id("create-elsewhere");
  elsewhere.mutable_referral()->set_intervention(
      InterventionFor(catalogue::v1::INTERVENTION_KIND_STRUCTURED_INTERVENTION));
  *elsewhere.mutable_referral()->mutable_person() = NewPerson();
  elsewhere.mutable_referral()->set_region("london");
  const grpc::Status refused = stub().CreateReferral(&create.context, elsewhere, &read);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(refused.error_message(), HasSubstr("referral.region"));

  // Lists are narrowed to the caller's scope; asking for another region is refused.
  v1::ListReferralsRequest list;
  list.set_crn(london.person().crn());
  v1::ListReferralsResponse listed;
  Call welsh_list(kPractitioner, "outsider", "wales");
  ASSERT_TRUE(stub().ListReferrals(&welsh_list.context, list, &listed).ok());
  EXPECT_EQ(listed.total_size(), 0);
  Call provider_list("service_provider", "provider", "", "provider-a");
  ASSERT_TRUE(stub().ListReferrals(&provider_list.context, list, &listed).ok());
  EXPECT_EQ(listed.total_size(), 1);
  list.set_region("london");
  Call nosy(kPractitioner, "outsider", "wales");
  const grpc::Status nosy_status = stub().ListReferrals(&nosy.context, list, &listed);
  EXPECT_EQ(nosy_status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(nosy_status.error_message(), HasSubstr("region"));
}

TEST_F(ReferralServerTest, WatchersSeeOnlyEventsOfTheirScope) {
  const v1::Referral london = CreateDraft(catalogue::v1::INTERVENTION_KIND_ACCREDITED_PROGRAMME);
  // A Welsh referral after it, so the London watcher has something to skip.
  Call welsh(kPractitioner, "pp-wales", "wales");
  v1::CreateReferralRequest create;
  create.set_request_id("welsh-referral");
  create.mutable_referral()->set_intervention(
      InterventionFor(catalogue::v1::INTERVENTION_KIND_STRUCTURED_INTERVENTION));
  common::v1::PersonProfile person = NewPerson();
  person.set_region("wales");
  *create.mutable_referral()->mutable_person() = person;
  create.mutable_referral()->set_region("wales");
  v1::Referral wales;
  ASSERT_TRUE(stub().CreateReferral(&welsh.context, create, &wales).ok());
  const v1::Referral marker = CreateDraft(catalogue::v1::INTERVENTION_KIND_ACCREDITED_PROGRAMME);

  Call watcher(kPractitioner, "watcher", "london");
  auto reader = stub().WatchReferralEvents(&watcher.context, {});
  v1::ReferralEvent event;
  bool saw_london = false;
  while (reader->Read(&event)) {
    EXPECT_EQ(event.referral().region(), "london");
    EXPECT_NE(event.referral().id(), wales.id());
    saw_london = saw_london || event.referral().id() == london.id();
    if (event.referral().id() == marker.id()) break;
  }
  EXPECT_TRUE(saw_london);
  EXPECT_EQ(event.referral().id(), marker.id());
  watcher.context.TryCancel();
  reader->Finish();
}

TEST_F(ReferralServerTest, ServesEachStateMachineWithItsDot) {
  Call call(kPractitioner);
  v1::GetStateMachineRequest request;
  request.set_kind(catalogue::v1::INTERVENTION_KIND_COMMISSIONED_REHABILITATIVE_SERVICE);
  v1::StateMachine machine;
  ASSERT_TRUE(stub().GetStateMachine(&call.context, request, &machine).ok());
  EXPECT_THAT(machine.dot(), HasSubstr("ACTION_PLAN_SUBMITTED -> ACTION_PLAN_APPROVED"));
  Call unpaid(kPractitioner);
  request.set_kind(catalogue::v1::INTERVENTION_KIND_UNPAID_WORK);
  EXPECT_EQ(stub().GetStateMachine(&unpaid.context, request, &machine).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

}  // namespace
}  // namespace probation::referrals
