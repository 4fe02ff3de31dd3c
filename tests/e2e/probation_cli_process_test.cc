// The probation CLI against the whole suite, as a person at a terminal or a script uses it:
// search the catalogue, find interventions for a profile given as flags, refer, submit, move
// the referral on as the programme team, list and watch, with --json for machines; a CRS
// referral's delivery as its provider and practitioner record it; and a programme group as the
// programme team runs it.
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/support/suite_processes.h"

namespace probation {
namespace {

using ::testing::HasSubstr;

struct Finished {
  int exit_code = -1;
  std::string output;
};

class ProbationCliTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    suite_ = new testing::RunningSuite(
        {CATALOGUE_BINARY, ELIGIBILITY_BINARY, REFERRALS_BINARY, GATEWAY_BINARY});
    suite_->Start();
  }
  static void TearDownTestSuite() { delete suite_; }

  // Runs `probation` with the gateway's address and `token` from the environment, as a
  // shell session would have them.
  static Finished Run(std::vector<std::string> args, const std::string& token) {
    args.insert(args.begin(), PROBATION_BINARY);
    auto process = testing::ChildProcess::Start(
        std::move(args),
        {{"PROBATION_ADDRESS", suite_->GatewayAddress()}, {"PROBATION_TOKEN", token}});
    EXPECT_TRUE(process.ok()) << process.status();
    if (!process.ok()) return {};
    const absl::StatusOr<int> exit_code = (*process)->Wait(absl::Seconds(30));
    EXPECT_TRUE(exit_code.ok()) << exit_code.status();
    (void)(*process)->WaitForLine([](const std::string&) { return false; }, absl::Seconds(10));
    return {exit_code.ok() ? *exit_code : -1, (*process)->Output()};
  }

  // The JSON lines of an output, skipping anything else.
  static std::vector<nlohmann::json> JsonLines(const std::string& output) {
    std::vector<nlohmann::json> lines;
    for (absl::string_view line : absl::StrSplit(output, '\n')) {
      auto json = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
      if (json.is_object()) lines.push_back(std::move(json));
    }
    return lines;
  }

  static testing::RunningSuite* suite_;
};
testing::RunningSuite* ProbationCliTest::suite_ = nullptr;

const std::vector<std::string> kProfile = {"--crn=C577215",
                                           "--date_of_birth=1979-03-14",
                                           "--sex=male",
                                           "--person_region=london",
                                           "--sentence=community-order",
                                           "--has_rar",
                                           "--risk_of_reoffending=medium",
                                           "--offences=acquisitive",
                                           "--needs=attitudes-thinking-behaviour"};

TEST_F(ProbationCliTest, SearchesTheCatalogue) {
  const std::string token = testing::SuiteToken("probation_practitioner", "london");
  Finished found = Run({"interventions", "search", "thinking", "skills"}, token);
  EXPECT_EQ(found.exit_code, 0) << found.output;
  EXPECT_THAT(found.output, HasSubstr("Thinking Skills Programme"));
  Finished offer = Run({"regions", "offer", "wales"}, token);
  EXPECT_EQ(offer.exit_code, 0) << offer.output;
  Finished missing = Run({"interventions", "get", "basket-weaving"}, token);
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_THAT(missing.output, HasSubstr("NOT_FOUND"));
  Finished no_token = Run({"regions", "list"}, "");
  EXPECT_EQ(no_token.exit_code, 1);
  EXPECT_THAT(no_token.output, HasSubstr("UNAUTHENTICATED"));
}

TEST_F(ProbationCliTest, FindsRefersAndMovesAReferralOn) {
  const std::string practitioner = testing::SuiteToken("probation_practitioner", "london");
  const std::string team = testing::SuiteToken("programme_team", "london");

  std::vector<std::string> find = {"--json", "find", "--kind=accredited-programme"};
  find.insert(find.end(), kProfile.begin(), kProfile.end());
  Finished found = Run(find, practitioner);
  ASSERT_EQ(found.exit_code, 0) << found.output;
  std::vector<nlohmann::json> lines = JsonLines(found.output);
  ASSERT_EQ(lines.size(), 1u) << found.output;
  const nlohmann::json& first = lines[0]["matches"][0];
  ASSERT_EQ(first["verdict"]["outcome"], "OUTCOME_ELIGIBLE") << found.output;
  const std::string intervention = first["intervention"]["name"];

  std::vector<std::string> create = {
      "--json",          "referrals",
      "create",          "--intervention=" + intervention,
      "--region=london", "--reason_for_referral=Thinking skills need"};
  create.insert(create.end(), kProfile.begin(), kProfile.end());
  Finished created = Run(create, practitioner);
  ASSERT_EQ(created.exit_code, 0) << created.output;
  lines = JsonLines(created.output);
  ASSERT_EQ(lines.size(), 1u) << created.output;
  const std::string id = lines[0]["id"];

  // Without --etag the CLI reads the referral first.
  Finished submitted = Run({"referrals", "submit", id}, practitioner);
  ASSERT_EQ(submitted.exit_code, 0) << submitted.output;
  EXPECT_THAT(submitted.output, HasSubstr("state:          submitted"));
  Finished refused = Run({"referrals", "transition", id, "--to=awaiting-assessment"}, practitioner);
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_THAT(refused.output, HasSubstr("PERMISSION_DENIED"));
  Finished moved = Run({"referrals", "transition", id, "--to=awaiting-assessment"}, team);
  ASSERT_EQ(moved.exit_code, 0) << moved.output;
  Finished allowed = Run({"referrals", "transitions", id}, team);
  EXPECT_THAT(allowed.output, HasSubstr("start-assessment"));

  Finished listed = Run({"--json", "referrals", "list", "--state=awaiting-assessment"}, team);
  ASSERT_EQ(listed.exit_code, 0) << listed.output;
  lines = JsonLines(listed.output);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["referrals"][0]["id"], id);
  Finished welsh =
      Run({"referrals", "get", id}, testing::SuiteToken("probation_practitioner", "wales"));
  EXPECT_EQ(welsh.exit_code, 1);
  EXPECT_THAT(welsh.output, HasSubstr("NOT_FOUND"));

  // The watch replays the three events, then ends at its deadline.
  Finished watched = Run({"--json", "--timeout=2s", "referrals", "watch"}, practitioner);
  EXPECT_EQ(watched.exit_code, 0) << watched.output;
  lines = JsonLines(watched.output);
  ASSERT_EQ(lines.size(), 3u) << watched.output;
  EXPECT_EQ(lines[2]["type"], "TYPE_TRANSITIONED");
}

// After submission: amendments and their changelog, places set by the programme team and
// read back with what is left of them, the region's report and CSV, and the person's data.
TEST_F(ProbationCliTest, AmendsSetsPlacesReportsAndExports) {
  const std::string practitioner = testing::SuiteToken("probation_practitioner", "london");
  const std::string team = testing::SuiteToken("programme_team", "london");
  std::vector<std::string> profile = kProfile;
  profile[0] = "--crn=C577216";

  std::vector<std::string> find = {"--json", "find", "--kind=accredited-programme"};
  find.insert(find.end(), profile.begin(), profile.end());
  Finished found = Run(find, practitioner);
  ASSERT_EQ(found.exit_code, 0) << found.output;
  const std::string intervention =
      JsonLines(found.output).at(0)["matches"][0]["intervention"]["name"];
  std::vector<std::string> create = {"--json", "referrals", "create",
                                     "--intervention=" + intervention, "--region=london"};
  create.insert(create.end(), profile.begin(), profile.end());
  Finished created = Run(create, practitioner);
  ASSERT_EQ(created.exit_code, 0) << created.output;
  const std::string id = JsonLines(created.output).at(0)["id"];
  ASSERT_EQ(Run({"referrals", "submit", id}, practitioner).exit_code, 0);

  Finished nothing = Run({"referrals", "amend", id, "--reason=no change"}, practitioner);
  EXPECT_EQ(nothing.exit_code, 2);
  EXPECT_THAT(nothing.output, HasSubstr("nothing to amend"));
  Finished amended = Run({"--json", "referrals", "amend", id, "--complexity_level=high",
                          "--needs=accommodation:high", "--reason=New assessment"},
                         practitioner);
  ASSERT_EQ(amended.exit_code, 0) << amended.output;
  const nlohmann::json referral = JsonLines(amended.output).at(0);
  EXPECT_EQ(referral["complexityLevel"], "COMPLEXITY_LEVEL_HIGH");
  EXPECT_EQ(referral["person"]["needs"][0]["area"], "NEED_AREA_ACCOMMODATION");
  EXPECT_EQ(referral["person"]["crn"], "C577216") << "the rest of the person is kept";
  Finished changelog = Run({"--json", "referrals", "changelog", id}, practitioner);
  ASSERT_EQ(changelog.exit_code, 0) << changelog.output;
  const nlohmann::json entries = JsonLines(changelog.output).at(0)["entries"];
  ASSERT_EQ(entries.size(), 2u) << changelog.output;
  EXPECT_EQ(entries[0]["field"], "complexity_level");
  EXPECT_EQ(entries[1]["field"], "person.needs");
  EXPECT_EQ(entries[1]["reason"], "New assessment");

  Finished refused =
      Run({"capacity", "set", intervention, "--region=london", "--places=12", "--period=cohort"},
          practitioner);
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_THAT(refused.output, HasSubstr("PERMISSION_DENIED"));
  Finished missing_places =
      Run({"capacity", "set", intervention, "--region=london", "--period=cohort"}, team);
  EXPECT_EQ(missing_places.exit_code, 2);
  EXPECT_THAT(missing_places.output, HasSubstr("--places"));
  Finished set = Run({"--json", "capacity", "set", intervention, "--region=london", "--places=12",
                      "--period=cohort", "--next_start_date=2027-01-11"},
                     team);
  ASSERT_EQ(set.exit_code, 0) << set.output;
  EXPECT_EQ(JsonLines(set.output).at(0)["places"], 12);
  Finished got = Run({"capacity", "get", intervention, "--region=london"}, practitioner);
  ASSERT_EQ(got.exit_code, 0) << got.output;
  EXPECT_THAT(got.output, HasSubstr("2027-01-11"));
  Finished availability = Run({"--json", "availability", "london", intervention}, practitioner);
  ASSERT_EQ(availability.exit_code, 0) << availability.output;
  const nlohmann::json places = JsonLines(availability.output).at(0)["availabilities"][0];
  EXPECT_EQ(places["places"], 12);
  EXPECT_EQ(places["capacitySet"], true);
  EXPECT_GE(places["waiting"].get<int>(), 1) << "the submitted referral waits for a place";

  const std::string from =
      absl::FormatTime("%Y-%m-%d", absl::Now() - absl::Hours(48), absl::UTCTimeZone());
  const std::string to =
      absl::FormatTime("%Y-%m-%d", absl::Now() + absl::Hours(48), absl::UTCTimeZone());
  Finished report =
      Run({"--json", "referrals", "report", "--from=" + from, "--to=" + to}, practitioner);
  ASSERT_EQ(report.exit_code, 0) << report.output;
  EXPECT_GE(std::stoi(JsonLines(report.output).at(0)["total"].get<std::string>()), 1);
  Finished bad_date = Run({"referrals", "report", "--from=last week", "--to=" + to}, practitioner);
  EXPECT_EQ(bad_date.exit_code, 2);
  EXPECT_THAT(bad_date.output, HasSubstr("--from"));
  Finished csv = Run({"referrals", "export", "--from=" + from, "--to=" + to}, practitioner);
  ASSERT_EQ(csv.exit_code, 0) << csv.output;
  EXPECT_THAT(csv.output,
              HasSubstr(JsonLines(created.output).at(0)["reference"].get<std::string>()));

  Finished not_admin = Run({"person", "export", "C577216"}, practitioner);
  EXPECT_EQ(not_admin.exit_code, 1);
  EXPECT_THAT(not_admin.output, HasSubstr("PERMISSION_DENIED"));
  Finished person =
      Run({"--json", "person", "export", "C577216"}, testing::SuiteToken("admin", ""));
  ASSERT_EQ(person.exit_code, 0) << person.output;
  const nlohmann::json data = JsonLines(person.output).at(0);
  ASSERT_EQ(data["referrals"].size(), 1u);
  EXPECT_EQ(data["referrals"][0]["referral"]["id"], id);
  EXPECT_EQ(data["events"].size(), 3u) << "created, submitted, amended";
}

// An admin limits who may see a case, reads it back, lists the audit and lifts the limits.
TEST_F(ProbationCliTest, ManagesCaseAccessAndListsTheAccessAudit) {
  const std::string admin = testing::SuiteToken("admin", "");
  Finished not_admin =
      Run({"case-access", "set", "C577217", "--exclude=pp-9", "--reason=a relative"},
          testing::SuiteToken("probation_practitioner", "london"));
  EXPECT_EQ(not_admin.exit_code, 1);
  EXPECT_THAT(not_admin.output, HasSubstr("PERMISSION_DENIED"));
  Finished no_reason = Run({"case-access", "set", "C577217", "--exclude=pp-9"}, admin);
  EXPECT_EQ(no_reason.exit_code, 1);
  EXPECT_THAT(no_reason.output, HasSubstr("case_access.reason"));
  Finished set = Run({"case-access", "set", "C577217", "--exclude=pp-9,pp-10", "--restrict_to=pp-7",
                      "--reason=A member of staff"},
                     admin);
  ASSERT_EQ(set.exit_code, 0) << set.output;
  Finished got = Run({"case-access", "get", "C577217"}, admin);
  ASSERT_EQ(got.exit_code, 0) << got.output;
  EXPECT_THAT(got.output, HasSubstr("pp-9, pp-10"));
  EXPECT_THAT(got.output, HasSubstr("pp-7"));
  Finished records = Run({"--json", "person", "access-records", "C577217"}, admin);
  ASSERT_EQ(records.exit_code, 0) << records.output;
  Finished lifted = Run({"case-access", "delete", "C577217"}, admin);
  ASSERT_EQ(lifted.exit_code, 0) << lifted.output;
  Finished gone = Run({"case-access", "get", "C577217"}, admin);
  EXPECT_EQ(gone.exit_code, 1);
  EXPECT_THAT(gone.output, HasSubstr("NOT_FOUND"));
  Finished bad_time = Run({"person", "access-records", "--from=yesterday"}, admin);
  EXPECT_EQ(bad_time.exit_code, 2);
  EXPECT_THAT(bad_time.output, HasSubstr("--from"));
}

// A durable subscription from the command line: created with a filter, watched (BASIC, so no
// person), acknowledged, its dead letters listed, and deleted; and the flags refused.
TEST_F(ProbationCliTest, SubscribesWatchesAcknowledgesAndDeletes) {
  const std::string practitioner = testing::SuiteToken("probation_practitioner", "london");
  Finished created = Run({"subscriptions", "create", "cli-feed", "--display_name=Case system",
                          "--types=submitted", "--regions=london"},
                         practitioner);
  ASSERT_EQ(created.exit_code, 0) << created.output;
  EXPECT_THAT(created.output, HasSubstr("subscriptions/cli-feed"));
  EXPECT_THAT(created.output, ::testing::ContainsRegex("view: +basic"));
  EXPECT_THAT(created.output, ::testing::ContainsRegex("types: +submitted"));

  std::vector<std::string> create = {"--json",          "referrals",
                                     "create",          "--intervention=thinking-skills-programme",
                                     "--region=london", "--reason_for_referral=Subscribed"};
  create.insert(create.end(), kProfile.begin() + 1, kProfile.end());
  create.push_back("--crn=C577299");
  Finished referral = Run(create, practitioner);
  ASSERT_EQ(referral.exit_code, 0) << referral.output;
  const std::string id = JsonLines(referral.output).at(0)["id"];
  ASSERT_EQ(Run({"referrals", "submit", id}, practitioner).exit_code, 0);

  Finished watched = Run(
      {"--json", "--timeout=2s", "referrals", "watch", "--subscription=cli-feed"}, practitioner);
  EXPECT_EQ(watched.exit_code, 0) << watched.output;
  std::vector<nlohmann::json> lines = JsonLines(watched.output);
  ASSERT_EQ(lines.size(), 1u) << watched.output;
  EXPECT_EQ(lines[0]["type"], "TYPE_SUBMITTED");
  EXPECT_EQ(lines[0]["referral"]["id"], id);
  EXPECT_FALSE(lines[0]["referral"].contains("person")) << watched.output;
  EXPECT_THAT(watched.output, ::testing::Not(HasSubstr("C577299")));
  const std::string sequence = lines[0]["sequence"];

  Finished acknowledged = Run({"subscriptions", "ack", "cli-feed", sequence}, practitioner);
  ASSERT_EQ(acknowledged.exit_code, 0) << acknowledged.output;
  EXPECT_THAT(acknowledged.output, ::testing::ContainsRegex("acknowledged: +" + sequence));
  // Watched again, it has nothing left to send.
  Finished again = Run({"--json", "--timeout=1s", "referrals", "watch", "--subscription=cli-feed"},
                       practitioner);
  EXPECT_EQ(again.exit_code, 0) << again.output;
  EXPECT_TRUE(JsonLines(again.output).empty()) << again.output;

  EXPECT_THAT(Run({"dead-letters", "list", "cli-feed"}, practitioner).output,
              HasSubstr("no dead letters"));
  Finished replay = Run({"dead-letters", "replay", "cli-feed", sequence}, practitioner);
  EXPECT_EQ(replay.exit_code, 1);
  EXPECT_THAT(replay.output, HasSubstr("PERMISSION_DENIED"));
  EXPECT_THAT(Run({"subscriptions", "list"}, practitioner).output,
              HasSubstr("subscriptions/cli-feed  basic"));
  EXPECT_EQ(Run({"subscriptions", "delete", "cli-feed"}, practitioner).exit_code, 0);
  EXPECT_EQ(Run({"subscriptions", "get", "cli-feed"}, practitioner).exit_code, 1);

  Finished sideways = Run({"referrals", "watch", "--view=sideways"}, practitioner);
  EXPECT_EQ(sideways.exit_code, 2);
  EXPECT_THAT(sideways.output, HasSubstr("--view"));
  Finished unknown = Run({"subscriptions", "create", "--types=shouted"}, practitioner);
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_THAT(unknown.output, HasSubstr("--types"));
}

std::string Rfc3339(absl::Time time) {
  return absl::FormatTime(absl::RFC3339_sec, time, absl::UTCTimeZone());
}

// A CRS referral's delivery from the command line: the provider assigns it, books the supplier
// assessment and records it once it has started, drafts and submits the action plan; the
// practitioner finds the plan waiting and approves it; the provider books a session, finds it
// upcoming and moves it. And the flags refused before any call.
TEST_F(ProbationCliTest, SchedulesAppointmentsAndApprovesAnActionPlan) {
  const std::string practitioner = testing::SuiteToken("probation_practitioner", "london");
  const std::string provider = testing::SuiteToken("service_provider", "", "provider-a");
  const std::vector<std::string> profile = {"--crn=C577310",
                                            "--date_of_birth=1990-04-01",
                                            "--sex=male",
                                            "--person_region=london",
                                            "--sentence=community-order",
                                            "--has_rar",
                                            "--risk_of_reoffending=medium",
                                            "--rosh=medium",
                                            "--offences=acquisitive",
                                            "--needs=accommodation"};

  std::vector<std::string> find = {"--json", "find", "--kind=commissioned-rehabilitative-service"};
  find.insert(find.end(), profile.begin(), profile.end());
  Finished found = Run(find, practitioner);
  ASSERT_EQ(found.exit_code, 0) << found.output;
  const nlohmann::json matches = JsonLines(found.output).at(0)["matches"];
  std::string crs;
  for (const nlohmann::json& match : matches) {
    if (match["verdict"]["outcome"] == "OUTCOME_ELIGIBLE") {
      crs = match["intervention"]["name"];
      break;
    }
  }
  ASSERT_FALSE(crs.empty()) << "no eligible CRS: " << found.output;
  std::vector<std::string> create = {"--json",
                                     "referrals",
                                     "create",
                                     "--intervention=" + crs,
                                     "--region=london",
                                     "--provider=provider-a",
                                     "--desired_outcomes=Stable accommodation;Tenancy skills"};
  create.insert(create.end(), profile.begin(), profile.end());
  Finished created = Run(create, practitioner);
  ASSERT_EQ(created.exit_code, 0) << created.output;
  const std::string id = JsonLines(created.output).at(0)["id"];
  ASSERT_EQ(Run({"referrals", "submit", id}, practitioner).exit_code, 0);
  Finished assigned = Run({"referrals", "transition", id, "--to=assigned"}, provider);
  ASSERT_EQ(assigned.exit_code, 0) << assigned.output;

  // The supplier assessment, a few seconds ahead: booked, listed, recorded once it started.
  const absl::Time start = absl::Now() + absl::Seconds(3);
  Finished scheduled = Run({"--json", "appointments", "schedule", id, "--type=supplier-assessment",
                            "--start=" + Rfc3339(start), "--duration=60m", "--method=video"},
                           provider);
  ASSERT_EQ(scheduled.exit_code, 0) << scheduled.output;
  const nlohmann::json assessment = JsonLines(scheduled.output).at(0);
  EXPECT_EQ(assessment["type"], "APPOINTMENT_TYPE_SUPPLIER_ASSESSMENT");
  EXPECT_EQ(assessment["sessionNumber"], 1);
  const std::string assessment_name = assessment["name"];
  Finished listed = Run({"appointments", "list", id}, provider);
  ASSERT_EQ(listed.exit_code, 0) << listed.output;
  EXPECT_THAT(listed.output, HasSubstr(assessment_name));
  EXPECT_THAT(listed.output, HasSubstr("supplier-assessment"));
  EXPECT_THAT(Run({"referrals", "get", id}, provider).output,
              ::testing::ContainsRegex("state: +supplier-assessment-booked"));
  if (absl::Now() < start) absl::SleepFor(start - absl::Now() + absl::Milliseconds(200));
  Finished attended =
      Run({"appointments", "attend", assessment_name, "--outcome=attended", "--notes=Engaged well"},
          provider);
  ASSERT_EQ(attended.exit_code, 0) << attended.output;
  EXPECT_THAT(
      attended.output,
      ::testing::ContainsRegex("attendance: +attended, recorded by service_provider@provider-a"));
  EXPECT_THAT(attended.output, ::testing::ContainsRegex("notes: +Engaged well"));

  // The plan: drafted and submitted by the provider, approved by the practitioner only.
  Finished drafted = Run({"action-plan", "update", id, "--number_of_sessions=3",
                          "--activities=Stable accommodation=Find and keep a tenancy;"
                          "Tenancy skills=Budgeting"},
                         provider);
  ASSERT_EQ(drafted.exit_code, 0) << drafted.output;
  EXPECT_THAT(drafted.output, ::testing::ContainsRegex("state: +draft"));
  EXPECT_THAT(drafted.output, ::testing::ContainsRegex("Stable accommodation +Find and keep"));
  Finished submitted = Run({"action-plan", "submit", id}, provider);
  ASSERT_EQ(submitted.exit_code, 0) << submitted.output;
  EXPECT_THAT(submitted.output, ::testing::ContainsRegex("state: +submitted"));
  Finished waiting = Run({"referrals", "list", "--caseload=needs-approval"}, practitioner);
  ASSERT_EQ(waiting.exit_code, 0) << waiting.output;
  EXPECT_THAT(waiting.output, HasSubstr(id));
  Finished not_theirs = Run({"action-plan", "approve", id}, provider);
  EXPECT_EQ(not_theirs.exit_code, 1);
  EXPECT_THAT(not_theirs.output, HasSubstr("PERMISSION_DENIED"));
  Finished approved = Run({"--json", "action-plan", "approve", id}, practitioner);
  ASSERT_EQ(approved.exit_code, 0) << approved.output;
  const nlohmann::json plan = JsonLines(approved.output).at(0);
  EXPECT_EQ(plan["state"], "ACTION_PLAN_STATE_APPROVED");
  EXPECT_EQ(plan["approvedNumberOfSessions"], 3);
  EXPECT_THAT(Run({"referrals", "get", id}, practitioner).output,
              ::testing::ContainsRegex("state: +action-plan-approved"));

  // A session tomorrow: upcoming on the provider's caseload, then moved at the person's request.
  Finished session = Run({"--json", "appointments", "schedule", id, "--type=session",
                          "--start=" + Rfc3339(absl::Now() + absl::Hours(24)), "--duration=45m",
                          "--method=in-person", "--location=Provider A, 1 High Street"},
                         provider);
  ASSERT_EQ(session.exit_code, 0) << session.output;
  const std::string session_name = JsonLines(session.output).at(0)["name"];
  EXPECT_EQ(JsonLines(session.output).at(0)["sessionNumber"], 1);
  Finished upcoming = Run({"appointments", "list", "--caseload=upcoming"}, provider);
  ASSERT_EQ(upcoming.exit_code, 0) << upcoming.output;
  EXPECT_THAT(upcoming.output, HasSubstr(session_name));
  EXPECT_THAT(upcoming.output, HasSubstr("in-person"));
  Finished moved = Run({"appointments", "reschedule", session_name,
                        "--start=" + Rfc3339(absl::Now() + absl::Hours(48)),
                        "--reason=Hospital appointment", "--requested_by=person-on-probation"},
                       provider);
  ASSERT_EQ(moved.exit_code, 0) << moved.output;
  EXPECT_THAT(moved.output, HasSubstr("rescheduled:"));
  EXPECT_THAT(moved.output, ::testing::ContainsRegex("person-on-probation +Hospital appointment"));
  Finished report = Run({"end-of-service-report", "get", id}, provider);
  ASSERT_EQ(report.exit_code, 0) << report.output;
  EXPECT_THAT(report.output, HasSubstr("referrals/" + id + "/endOfServiceReport"));

  // Bad values are usage errors naming the flag, before any call.
  Finished bad_start = Run({"appointments", "schedule", id, "--type=session", "--start=tomorrow",
                            "--duration=45m", "--method=video"},
                           provider);
  EXPECT_EQ(bad_start.exit_code, 2) << bad_start.output;
  EXPECT_THAT(bad_start.output, HasSubstr("--start: 'tomorrow' is not an RFC 3339 time"));
  Finished bad_method = Run({"appointments", "schedule", id, "--type=session",
                             "--start=" + Rfc3339(absl::Now() + absl::Hours(24)), "--duration=45m",
                             "--method=carrier-pigeon"},
                            provider);
  EXPECT_EQ(bad_method.exit_code, 2) << bad_method.output;
  EXPECT_THAT(bad_method.output,
              HasSubstr("--method: unknown value 'carrier-pigeon'; accepted: in-person, video"));
  Finished no_caseload = Run({"appointments", "list"}, provider);
  EXPECT_EQ(no_caseload.exit_code, 2) << no_caseload.output;
  EXPECT_THAT(no_caseload.output, HasSubstr("--caseload: required without a referral"));
  Finished bad_outcome = Run(
      {"end-of-service-report", "update", id, "--outcomes=Stable accommodation=mostly"}, provider);
  EXPECT_EQ(bad_outcome.exit_code, 2) << bad_outcome.output;
  EXPECT_THAT(bad_outcome.output, HasSubstr("--outcomes: 'Stable accommodation=mostly'"));
}

// A programme group from the command line: the programme team creates a BBR group starting on
// Monday 21 December 2026 on Mondays and Fridays, its 24 sessions around the bank holidays; a
// practitioner refers and submits a man eligible for BBR, who waits first on the list; the team
// allocates him, moves a session and records session 1, which starts his programme. And the
// flags refused before any call.
TEST_F(ProbationCliTest, CreatesAGroupAndFillsItFromTheWaitingList) {
  const std::string practitioner = testing::SuiteToken("probation_practitioner", "london");
  const std::string team = testing::SuiteToken("programme_team", "london");

  Finished created = Run(
      {"--json", "groups", "create", "--intervention=building-better-relationships",
       "--region=london", "--start_date=2026-12-21", "--weekdays=monday,friday", "--capacity=12",
       "--facilitators=facilitator-1,facilitator-2", "--request_id=cli-bbr-december"},
      team);
  ASSERT_EQ(created.exit_code, 0) << created.output;
  const nlohmann::json group = JsonLines(created.output).at(0);
  const std::string group_name = group["name"];
  ASSERT_EQ(group["sessions"].size(), 24u) << created.output;
  EXPECT_EQ(group["sex"], "SEX_MALE") << "BBR is for men";
  Finished again = Run(
      {"--json", "groups", "create", "--intervention=building-better-relationships",
       "--region=london", "--start_date=2026-12-21", "--weekdays=monday,friday", "--capacity=12",
       "--facilitators=facilitator-1,facilitator-2", "--request_id=cli-bbr-december"},
      team);
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_EQ(JsonLines(again.output).at(0)["name"], group_name) << "the same request id";

  Finished got = Run({"groups", "get", group_name}, team);
  ASSERT_EQ(got.exit_code, 0) << got.output;
  EXPECT_THAT(got.output, ::testing::ContainsRegex("intervention: +interventions/"
                                                   "building-better-relationships"));
  EXPECT_THAT(got.output, ::testing::ContainsRegex("start: +2026-12-21"));
  EXPECT_THAT(got.output, ::testing::ContainsRegex("weekdays: +monday, friday"));
  EXPECT_THAT(got.output, ::testing::ContainsRegex("places: +0 of 12 taken"));
  const size_t sessions_at = got.output.find("sessions (24):");
  ASSERT_NE(sessions_at, std::string::npos) << got.output;
  const std::string sessions = got.output.substr(sessions_at);
  EXPECT_THAT(sessions, ::testing::ContainsRegex("\n +1 +2026-12-21 +Foundation Module"));
  EXPECT_THAT(sessions, ::testing::ContainsRegex("\n +2 +2027-01-04 +Foundation Module"));
  EXPECT_THAT(sessions, ::testing::ContainsRegex("\n +24 +2027-03-22 +Further modules"));
  for (const char* holiday : {"2026-12-25", "2026-12-28", "2027-01-01"}) {
    EXPECT_THAT(sessions, ::testing::Not(HasSubstr(holiday))) << holiday;
  }
  Finished listed = Run({"groups", "list", "--intervention=building-better-relationships"}, team);
  ASSERT_EQ(listed.exit_code, 0) << listed.output;
  EXPECT_THAT(listed.output, HasSubstr(group_name));
  EXPECT_THAT(listed.output, HasSubstr("monday, friday"));

  // A man convicted of intimate partner violence against a female partner, at medium SARA
  // risk: eligible for BBR.
  std::vector<std::string> create = {"--json",
                                     "referrals",
                                     "create",
                                     "--intervention=building-better-relationships",
                                     "--region=london",
                                     "--reason_for_referral=Intimate partner violence",
                                     "--crn=C577330",
                                     "--date_of_birth=1985-02-01",
                                     "--sex=male",
                                     "--person_region=london",
                                     "--sentence=community-order",
                                     "--has_rar",
                                     "--risk_of_reoffending=medium",
                                     "--rosh=medium",
                                     "--offences=acquisitive,intimate-partner-violence",
                                     "--ipv_victim_sexes=female",
                                     "--sara=medium",
                                     "--consents_to_engage",
                                     "--barriers_to_attendance=false",
                                     "--needs=relationships"};
  Finished referral = Run(create, practitioner);
  ASSERT_EQ(referral.exit_code, 0) << referral.output;
  const std::string id = JsonLines(referral.output).at(0)["id"];
  Finished submitted = Run({"referrals", "submit", id}, practitioner);
  ASSERT_EQ(submitted.exit_code, 0) << submitted.output;

  Finished waiting = Run(
      {"groups", "waiting-list", "--intervention=building-better-relationships", "--region=london"},
      team);
  ASSERT_EQ(waiting.exit_code, 0) << waiting.output;
  EXPECT_THAT(waiting.output, ::testing::ContainsRegex("POSITION +REFERRAL +WAITING SINCE"));
  EXPECT_THAT(waiting.output, ::testing::ContainsRegex("\n1 +referrals/" + id + " "));
  EXPECT_THAT(waiting.output, HasSubstr("1 of 1 waiting"));
  Finished men = Run({"--json", "groups", "waiting-list",
                      "--intervention=building-better-relationships", "--sex=male"},
                     team);
  ASSERT_EQ(men.exit_code, 0) << men.output;
  const nlohmann::json entry = JsonLines(men.output).at(0)["entries"][0];
  EXPECT_EQ(entry["referral"], "referrals/" + id);
  EXPECT_EQ(entry["position"], 1);

  Finished refused = Run({"groups", "allocate", group_name, id}, practitioner);
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_THAT(refused.output, HasSubstr("PERMISSION_DENIED"));
  Finished allocated = Run({"groups", "allocate", group_name, id}, team);
  ASSERT_EQ(allocated.exit_code, 0) << allocated.output;
  EXPECT_THAT(allocated.output, ::testing::ContainsRegex("places: +1 of 12 taken"));
  EXPECT_THAT(allocated.output, ::testing::ContainsRegex("referrals/" + id + " +[0-9TZ:.-]+ by"));
  EXPECT_THAT(
      Run({"groups", "waiting-list", "--intervention=building-better-relationships"}, team).output,
      HasSubstr("no one is waiting"));

  // The venue is closed on Friday 8 January: session 3 moves to the Thursday, the rest stay.
  Finished moved = Run({"groups", "reschedule", group_name + "/sessions/3", "--date=2027-01-07",
                        "--reason=Venue closed"},
                       team);
  ASSERT_EQ(moved.exit_code, 0) << moved.output;
  EXPECT_THAT(moved.output,
              ::testing::ContainsRegex("\n +3 +2027-01-07 +Foundation Module +2027-01-08 +"
                                       "Venue closed"));

  Finished attended = Run({"groups", "attend", group_name + "/sessions/1",
                           "--attendance=" + id + "=attended:Engaged, asked questions"},
                          team);
  ASSERT_EQ(attended.exit_code, 0) << attended.output;
  EXPECT_THAT(attended.output, ::testing::ContainsRegex("date: +2026-12-21"));
  EXPECT_THAT(attended.output,
              ::testing::ContainsRegex("referrals/" + id + " +attended +Engaged, asked questions"));
  Finished state = Run({"--json", "referrals", "get", id}, practitioner);
  ASSERT_EQ(state.exit_code, 0) << state.output;
  EXPECT_EQ(JsonLines(state.output).at(0)["state"], "REFERRAL_STATE_ON_PROGRAMME");
  Finished recorded = Run({"groups", "get", group_name}, team);
  ASSERT_EQ(recorded.exit_code, 0) << recorded.output;
  EXPECT_THAT(recorded.output,
              ::testing::ContainsRegex("\n +1 +2026-12-21 +Foundation Module +1 +0"));

  // Bad values are usage errors naming the flag, before any call.
  Finished bad_weekday = Run({"groups", "create", "--intervention=building-better-relationships",
                              "--start_date=2026-12-21", "--weekdays=monday,funday",
                              "--capacity=12", "--facilitators=facilitator-1"},
                             team);
  EXPECT_EQ(bad_weekday.exit_code, 2) << bad_weekday.output;
  EXPECT_THAT(bad_weekday.output, HasSubstr("--weekdays: unknown value 'funday'"));
  Finished bad_date = Run({"groups", "create", "--intervention=building-better-relationships",
                           "--start_date=21/12/2026", "--weekdays=monday", "--capacity=12",
                           "--facilitators=facilitator-1"},
                          team);
  EXPECT_EQ(bad_date.exit_code, 2) << bad_date.output;
  EXPECT_THAT(bad_date.output, HasSubstr("--start_date: '21/12/2026' is not a date"));
  Finished no_facilitator = Run({"groups", "create", "--intervention=building-better-relationships",
                                 "--start_date=2026-12-21", "--weekdays=monday", "--capacity=12"},
                                team);
  EXPECT_EQ(no_facilitator.exit_code, 2) << no_facilitator.output;
  EXPECT_THAT(no_facilitator.output, HasSubstr("--facilitators: required"));
  Finished bad_outcome =
      Run({"groups", "attend", group_name + "/sessions/2", "--attendance=" + id + "=asleep"}, team);
  EXPECT_EQ(bad_outcome.exit_code, 2) << bad_outcome.output;
  EXPECT_THAT(bad_outcome.output, HasSubstr("--attendance: '" + id + "=asleep': unknown value"));
  Finished bad_session =
      Run({"groups", "attend", group_name, "--attendance=" + id + "=late"}, team);
  EXPECT_EQ(bad_session.exit_code, 2) << bad_session.output;
  EXPECT_THAT(bad_session.output, HasSubstr("session: expected groups/<id>/sessions/"));
}

}  // namespace
}  // namespace probation
