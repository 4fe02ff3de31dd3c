// Scope at its edges, through gRPC on a real SQLite file: drafts do not count toward the
// one-open-referral rule; a refusal for another scope's referral names nothing of it, is
// limited per caller and is in the access audit; limited-access cases answer NOT_FOUND to
// whoever they keep out; admins manage them and list the audit.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/referrals/referral_server_test_base.h"

namespace probation::referrals {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kAdmin[] = "admin";
constexpr char kIntervention[] = "interventions/thinking-skills-programme";

class AccessAuditServerTest : public ReferralServerTest {
 protected:
  // A draft of `person` made by `actor` in `region`.
  v1::Referral DraftIn(const common::v1::PersonProfile& person, absl::string_view region,
                       absl::string_view actor) {
    static int next = 0;
    Call call(kPractitioner, actor, region);
    v1::CreateReferralRequest request;
    request.set_request_id(absl::StrCat("audit-draft-", ++next, "-", person.crn()));
    request.mutable_referral()->set_intervention(kIntervention);
    *request.mutable_referral()->mutable_person() = person;
    request.mutable_referral()->set_region(std::string(region));
    v1::Referral draft;
    const grpc::Status status = stub().CreateReferral(&call.context, request, &draft);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return draft;
  }

  grpc::Status SubmitAs(const v1::Referral& draft, absl::string_view region,
                        absl::string_view actor) {
    Call call(kPractitioner, actor, region);
    v1::SubmitReferralRequest request;
    request.set_name(draft.name());
    request.set_etag(draft.etag());
    request.set_override_reason("The programme team asked for this referral");
    v1::Referral submitted;
    return stub().SubmitReferral(&call.context, request, &submitted);
  }

  // The audit's records of `actor`, newest first, once at least `at_least` have been written.
  std::vector<v1::AccessRecord> RecordsOf(absl::string_view actor, int at_least) {
    v1::ListAccessRecordsResponse response;
    for (int attempt = 0; attempt < 100; ++attempt) {
      Call call(kAdmin, "admin-1", "", "");
      v1::ListAccessRecordsRequest request;
      request.set_actor(std::string(actor));
      request.set_page_size(100);
      const grpc::Status status = stub().ListAccessRecords(&call.context, request, &response);
      EXPECT_TRUE(status.ok()) << status.error_message();
      if (response.records_size() >= at_least) break;
      absl::SleepFor(absl::Milliseconds(20));
    }
    return {response.records().begin(), response.records().end()};
  }

  grpc::Status Limit(const std::string& crn, std::vector<std::string> restricted_to) {
    Call call(kAdmin, "admin-1", "", "");
    v1::SetCaseAccessRequest request;
    request.mutable_case_access()->set_name(absl::StrCat("cases/", crn, "/access"));
    for (std::string& actor : restricted_to) {
      request.mutable_case_access()->add_restricted_to_actors(std::move(actor));
    }
    request.mutable_case_access()->set_reason("the person is a member of staff");
    v1::CaseAccess access;
    return stub().SetCaseAccess(&call.context, request, &access);
  }
};

TEST_F(AccessAuditServerTest, ADraftInOneRegionDoesNotBlockAnotherRegionsReferral) {
  const common::v1::PersonProfile person = NewPerson();
  const v1::Referral welsh_draft = DraftIn(person, "wales", "pp-wales-1");
  const v1::Referral london_draft = DraftIn(person, "london", "pp-london-1");
  EXPECT_TRUE(SubmitAs(london_draft, "london", "pp-london-1").ok());
  // The Welsh draft was made; submitting it meets London's open referral.
  const grpc::Status refused = SubmitAs(welsh_draft, "wales", "pp-wales-1");
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::ALREADY_EXISTS);
}

TEST_F(AccessAuditServerTest, ARefusalForAnotherScopesReferralNamesNothingAndIsAudited) {
  const common::v1::PersonProfile person = NewPerson();
  const v1::Referral london = DraftIn(person, "london", "pp-london-2");
  ASSERT_TRUE(SubmitAs(london, "london", "pp-london-2").ok());
  const v1::Referral welsh = DraftIn(person, "wales", "pp-wales-2");
  const grpc::Status refused = SubmitAs(welsh, "wales", "pp-wales-2");
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(refused.error_message(),
            "the person already has an open referral to this intervention");
  EXPECT_THAT(refused.error_message(), Not(HasSubstr(london.id())));
  EXPECT_THAT(refused.error_message(), Not(HasSubstr("london")));

  bool found = false;
  for (const v1::AccessRecord& record : RecordsOf("pp-wales-2", 2)) {
    if (record.outcome() != v1::AccessRecord::OUTCOME_REFUSED_OUT_OF_SCOPE) continue;
    found = true;
    EXPECT_EQ(record.method(), "SubmitReferral");
    EXPECT_EQ(record.crn(), person.crn());
    EXPECT_EQ(record.referral(), london.name()) << "the admin may see which it was";
    EXPECT_EQ(record.role(), common::v1::ROLE_PROBATION_PRACTITIONER);
  }
  EXPECT_TRUE(found) << "the probe is in the audit";
}

TEST_F(AccessAuditServerTest, OutOfScopeRefusalsBeyondTheLimitAreResourceExhausted) {
  const common::v1::PersonProfile person = NewPerson();
  ASSERT_TRUE(SubmitAs(DraftIn(person, "london", "pp-london-3"), "london", "pp-london-3").ok());
  for (int i = 0; i < testing::kTestRefusalsPerHour; ++i) {
    EXPECT_EQ(SubmitAs(DraftIn(person, "wales", "prober"), "wales", "prober").error_code(),
              grpc::StatusCode::ALREADY_EXISTS);
  }
  const grpc::Status limited = SubmitAs(DraftIn(person, "wales", "prober"), "wales", "prober");
  EXPECT_EQ(limited.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  // Another caller is not limited by the prober's refusals.
  EXPECT_EQ(SubmitAs(DraftIn(person, "wales", "pp-wales-3"), "wales", "pp-wales-3").error_code(),
            grpc::StatusCode::ALREADY_EXISTS);
}

TEST_F(AccessAuditServerTest, ARestrictedCaseIsNotFoundToStaffNotOnItsList) {
  const common::v1::PersonProfile person = NewPerson();
  const v1::Referral referral = DraftIn(person, "london", "pp-trusted");
  ASSERT_TRUE(Limit(person.crn(), {"pp-trusted"}).ok());

  Call get_call(kPractitioner, "pp-other");
  v1::GetReferralRequest get;
  get.set_name(referral.name());
  v1::Referral read;
  EXPECT_EQ(stub().GetReferral(&get_call.context, get, &read).error_code(),
            grpc::StatusCode::NOT_FOUND);
  Call history_call(kPractitioner, "pp-other");
  v1::GetReferralHistoryRequest history;
  history.set_name(referral.name());
  v1::GetReferralHistoryResponse entries;
  EXPECT_EQ(stub().GetReferralHistory(&history_call.context, history, &entries).error_code(),
            grpc::StatusCode::NOT_FOUND);
  Call list_call(kPractitioner, "pp-other");
  v1::ListReferralsRequest list;
  list.set_crn(person.crn());
  v1::ListReferralsResponse page;
  ASSERT_TRUE(stub().ListReferrals(&list_call.context, list, &page).ok());
  EXPECT_EQ(page.referrals_size(), 0);
  EXPECT_EQ(page.total_size(), 0);

  Call trusted_call(kPractitioner, "pp-trusted");
  EXPECT_TRUE(stub().GetReferral(&trusted_call.context, get, &read).ok());
  Call admin_call(kAdmin, "admin-1", "", "");
  EXPECT_TRUE(stub().GetReferral(&admin_call.context, get, &read).ok());

  // Lifted, the case is the region's again.
  Call delete_call(kAdmin, "admin-1", "", "");
  v1::DeleteCaseAccessRequest lift;
  lift.set_name(absl::StrCat("cases/", person.crn(), "/access"));
  v1::DeleteCaseAccessResponse lifted;
  ASSERT_TRUE(stub().DeleteCaseAccess(&delete_call.context, lift, &lifted).ok());
  Call again(kPractitioner, "pp-other");
  EXPECT_TRUE(stub().GetReferral(&again.context, get, &read).ok());
}

TEST_F(AccessAuditServerTest, OnlyAdminsManageCaseAccessAndBadInputNamesTheField) {
  const common::v1::PersonProfile person = NewPerson();
  Call practitioner(kPractitioner, "pp-1");
  v1::SetCaseAccessRequest request;
  request.mutable_case_access()->set_name(absl::StrCat("cases/", person.crn(), "/access"));
  request.mutable_case_access()->add_excluded_actors("pp-2");
  request.mutable_case_access()->set_reason("a relative");
  v1::CaseAccess access;
  EXPECT_EQ(stub().SetCaseAccess(&practitioner.context, request, &access).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);

  const std::pair<std::string, std::string> bad[] = {{"cases/nope/access", "case_access.name"},
                                                     {"", "case_access.name"}};
  for (const auto& [name, field] : bad) {
    Call admin(kAdmin, "admin-1", "", "");
    v1::SetCaseAccessRequest wrong = request;
    wrong.mutable_case_access()->set_name(name);
    const grpc::Status status = stub().SetCaseAccess(&admin.context, wrong, &access);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << name;
    EXPECT_THAT(status.error_message(), HasSubstr(field));
  }
  Call admin(kAdmin, "admin-1", "", "");
  v1::SetCaseAccessRequest no_reason = request;
  no_reason.mutable_case_access()->clear_reason();
  const grpc::Status status = stub().SetCaseAccess(&admin.context, no_reason, &access);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("case_access.reason"));

  Call set(kAdmin, "admin-1", "", "");
  ASSERT_TRUE(stub().SetCaseAccess(&set.context, request, &access).ok());
  EXPECT_EQ(access.updated_by(), "admin-1");
  Call get(kAdmin, "admin-1", "", "");
  v1::GetCaseAccessRequest read;
  read.set_name(request.case_access().name());
  v1::CaseAccess stored;
  ASSERT_TRUE(stub().GetCaseAccess(&get.context, read, &stored).ok());
  EXPECT_EQ(stored.etag(), access.etag());
  EXPECT_EQ(stored.excluded_actors(0), "pp-2");
  Call stale(kAdmin, "admin-1", "", "");
  v1::SetCaseAccessRequest stale_set = request;
  stale_set.mutable_case_access()->set_etag("99");
  EXPECT_EQ(stub().SetCaseAccess(&stale.context, stale_set, &access).error_code(),
            grpc::StatusCode::ABORTED);
}

TEST_F(AccessAuditServerTest, ReadsAreAuditedListedInPagesAndExportedWithThePerson) {
  const common::v1::PersonProfile person = NewPerson();
  const v1::Referral referral = DraftIn(person, "london", "reader-1");
  for (int i = 0; i < 3; ++i) {
    Call call(kPractitioner, "reader-1");
    v1::GetReferralRequest get;
    get.set_name(referral.name());
    v1::Referral read;
    ASSERT_TRUE(stub().GetReferral(&call.context, get, &read).ok());
  }
  const std::vector<v1::AccessRecord> records = RecordsOf("reader-1", 4);
  ASSERT_EQ(records.size(), 4u);
  EXPECT_EQ(records[0].method(), "GetReferral");
  EXPECT_EQ(records[0].referral(), referral.name());
  EXPECT_EQ(records[0].crn(), person.crn());
  EXPECT_FALSE(records[0].request_id().empty());
  EXPECT_EQ(records.back().method(), "CreateReferral") << "a write records itself";

  // AIP-158 pages; a token is for the filters it was issued with.
  Call first_call(kAdmin, "admin-1", "", "");
  v1::ListAccessRecordsRequest list;
  list.set_crn(person.crn());
  list.set_page_size(3);
  v1::ListAccessRecordsResponse first;
  ASSERT_TRUE(stub().ListAccessRecords(&first_call.context, list, &first).ok());
  EXPECT_EQ(first.records_size(), 3);
  ASSERT_FALSE(first.next_page_token().empty());
  Call second_call(kAdmin, "admin-1", "", "");
  list.set_page_token(first.next_page_token());
  v1::ListAccessRecordsResponse second;
  ASSERT_TRUE(stub().ListAccessRecords(&second_call.context, list, &second).ok());
  EXPECT_EQ(second.records_size(), 1);
  EXPECT_TRUE(second.next_page_token().empty());
  Call foreign(kAdmin, "admin-1", "", "");
  list.set_actor("someone-else");
  const grpc::Status reused = stub().ListAccessRecords(&foreign.context, list, &second);
  EXPECT_EQ(reused.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(reused.error_message(), HasSubstr("page_token"));
  Call practitioner(kPractitioner, "reader-1");
  EXPECT_EQ(stub()
                .ListAccessRecords(&practitioner.context, v1::ListAccessRecordsRequest(), &second)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);

  Call export_call(kAdmin, "admin-1", "", "");
  v1::ExportPersonDataRequest request;
  request.set_crn(person.crn());
  v1::ExportPersonDataResponse exported;
  ASSERT_TRUE(stub().ExportPersonData(&export_call.context, request, &exported).ok());
  ASSERT_GE(exported.access_records_size(), 4);
  EXPECT_EQ(exported.access_records(0).method(), "CreateReferral") << "oldest first";
}

}  // namespace
}  // namespace probation::referrals
