// 240 referrals with known histories, written straight into a store, for tests of caseload
// views and reports whose every figure is worked out by hand below.
//
// Referral i (0..239) is created at kFixtureStart + i hours, in wales when i % 4 == 3 and in
// london otherwise, by "probation_practitioner@<region>" when i % 5 == 0 and by "pp-other"
// otherwise. Its kind is i % 3 (0 accredited programme, 1 structured intervention, 2 CRS, sent
// to provider-a when i is even and provider-b when odd), and j = i / 3 picks its path:
//   - programme: j % 4 == 0 completes, 1 is withdrawn when submitted, 2 is deselected on the
//     programme, 3 stays on the programme;
//   - structured intervention: j even completes, odd stays in progress;
//   - CRS: j % 4 == 0 is concluded, the rest stay sent.
// Every draft lasts 30 minutes; every later stay lasts j + 1 hours.
//
// So: 80 of each kind; 180 in london, 60 in wales; 40 CRS for each provider. By state:
// PROGRAMME_COMPLETE, WITHDRAWN, DESELECTED, ON_PROGRAMME and CONCLUDED 20 each, COMPLETED
// and IN_PROGRESS 40 each, SENT 60. Closed 120: completed 80, withdrawn 20, deselected 20.
// Stays: DRAFT 240 of 30 min; SUBMITTED 160 (1..80 h twice: mean 40.5 h, median 40.5 h,
// p90 72 h); ON_PROGRAMME 40 (the odd hours 1..79: mean 40 h, median 40 h, p90 71 h); SENT
// 20 (1, 5, ..., 77 h: median 39 h).
#ifndef PROBATION_TESTS_SUPPORT_REPORT_FIXTURE_H_
#define PROBATION_TESTS_SUPPORT_REPORT_FIXTURE_H_

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "services/referrals/domain/referral_store.h"

namespace probation::testing {

inline constexpr int kFixtureReferrals = 240;
inline const absl::Time kFixtureStart = absl::FromUnixSeconds(1767225600);  // 2026-01-01

inline google::protobuf::Timestamp FixtureTime(absl::Time time) {
  return google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(time));
}

inline std::string FixtureRegion(int i) { return i % 4 == 3 ? "wales" : "london"; }

// Writes the fixture; returns the referrals as stored, by i.
inline std::vector<referrals::v1::Referral> WriteReportFixture(referrals::ReferralStore& store) {
  using referrals::v1::ReferralState;
  namespace v1 = referrals::v1;
  std::vector<v1::Referral> written;
  for (int i = 0; i < kFixtureReferrals; ++i) {
    const int kind = i % 3;
    const int j = i / 3;
    std::vector<ReferralState> path;
    bool closed = true;
    v1::Referral referral;
    referral.set_id(absl::StrCat("fixture", 1000 + i));
    referral.set_name(absl::StrCat("referrals/", referral.id()));
    referral.set_reference(absl::StrCat("FX", 1000 + i, "AA"));
    referral.mutable_person()->set_crn(absl::StrCat("F", 100000 + i));
    referral.set_region(FixtureRegion(i));
    referral.set_created_by(i % 5 == 0 ? absl::StrCat("probation_practitioner@", referral.region())
                                       : "pp-other");
    if (kind == 0) {
      referral.set_intervention("interventions/thinking-skills-programme");
      referral.set_kind(catalogue::v1::INTERVENTION_KIND_ACCREDITED_PROGRAMME);
      const std::vector<ReferralState> to_programme = {
          v1::REFERRAL_STATE_SUBMITTED, v1::REFERRAL_STATE_AWAITING_ASSESSMENT,
          v1::REFERRAL_STATE_ASSESSMENT_STARTED, v1::REFERRAL_STATE_ASSESSED_SUITABLE,
          v1::REFERRAL_STATE_ON_PROGRAMME};
      switch (j % 4) {
        case 0:
          path = to_programme;
          path.push_back(v1::REFERRAL_STATE_PROGRAMME_COMPLETE);
          break;
        case 1:
          path = {v1::REFERRAL_STATE_SUBMITTED, v1::REFERRAL_STATE_WITHDRAWN};
          break;
        case 2:
          path = to_programme;
          path.push_back(v1::REFERRAL_STATE_DESELECTED);
          break;
        default:
          path = to_programme;
          closed = false;
      }
    } else if (kind == 1) {
      referral.set_intervention("interventions/positive-pathways");
      referral.set_kind(catalogue::v1::INTERVENTION_KIND_STRUCTURED_INTERVENTION);
      path = {v1::REFERRAL_STATE_SUBMITTED, v1::REFERRAL_STATE_ALLOCATED,
              v1::REFERRAL_STATE_IN_PROGRESS};
      if (j % 2 == 0) path.push_back(v1::REFERRAL_STATE_COMPLETED);
      closed = j % 2 == 0;
    } else {
      referral.set_intervention("interventions/crs-accommodation");
      referral.set_kind(catalogue::v1::INTERVENTION_KIND_COMMISSIONED_REHABILITATIVE_SERVICE);
      referral.set_provider(i % 2 == 0 ? "provider-a" : "provider-b");
      path = {v1::REFERRAL_STATE_SENT};
      closed = j % 4 == 0;
      if (closed) {
        for (ReferralState state :
             {v1::REFERRAL_STATE_ASSIGNED, v1::REFERRAL_STATE_SUPPLIER_ASSESSMENT_BOOKED,
              v1::REFERRAL_STATE_SUPPLIER_ASSESSMENT_COMPLETE,
              v1::REFERRAL_STATE_ACTION_PLAN_SUBMITTED, v1::REFERRAL_STATE_ACTION_PLAN_APPROVED,
              v1::REFERRAL_STATE_IN_DELIVERY, v1::REFERRAL_STATE_END_OF_SERVICE_REPORT_SUBMITTED,
              v1::REFERRAL_STATE_CONCLUDED}) {
          path.push_back(state);
        }
      }
    }
    absl::Time now = kFixtureStart + absl::Hours(i);
    referral.set_state(v1::REFERRAL_STATE_DRAFT);
    *referral.mutable_create_time() = FixtureTime(now);
    *referral.mutable_update_time() = FixtureTime(now);
    *referral.mutable_state_time() = FixtureTime(now);
    referrals::ReferralWrite create;
    create.referral = referral;
    create.history.emplace();
    create.history->set_to_state(v1::REFERRAL_STATE_DRAFT);
    create.history->set_action("create");
    *create.history->mutable_occurred_at() = FixtureTime(now);
    create.event_type = v1::ReferralEvent::TYPE_CREATED;
    auto created = store.Create(create, absl::StrCat("fixture-", i));
    EXPECT_TRUE(created.ok()) << created.status();
    if (!created.ok()) return written;
    referral = created->referral;
    for (size_t step = 0; step < path.size(); ++step) {
      const absl::Duration stay = step == 0 ? absl::Minutes(30) : absl::Hours(j + 1);
      now += stay;
      referrals::ReferralWrite move;
      move.history.emplace();
      move.history->set_from_state(referral.state());
      move.history->set_to_state(path[step]);
      move.history->set_action("fixture-move");
      *move.history->mutable_occurred_at() = FixtureTime(now);
      *move.history->mutable_time_in_previous_state() =
          google::protobuf::util::TimeUtil::MicrosecondsToDuration(absl::ToInt64Microseconds(stay));
      referral.set_state(path[step]);
      *referral.mutable_state_time() = FixtureTime(now);
      *referral.mutable_update_time() = FixtureTime(now);
      if (step == 0) *referral.mutable_submit_time() = FixtureTime(now);
      move.referral = referral;
      move.open = !(closed && step + 1 == path.size());
      move.event_type = v1::ReferralEvent::TYPE_TRANSITIONED;
      auto moved = store.Update(move, referral.etag());
      EXPECT_TRUE(moved.ok()) << moved.status();
      if (!moved.ok()) return written;
      referral = *moved;
    }
    written.push_back(referral);
  }
  return written;
}

}  // namespace probation::testing

#endif  // PROBATION_TESTS_SUPPORT_REPORT_FIXTURE_H_
