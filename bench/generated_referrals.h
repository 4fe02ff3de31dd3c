// Generated referrals for measuring at scale: spread over the catalogue's referable
// interventions, the regions, the states of each kind's machine and three years, with
// practitioners, caseworkers and a history (the draft and one later stay) for reports.
#ifndef PROBATION_BENCH_GENERATED_REFERRALS_H_
#define PROBATION_BENCH_GENERATED_REFERRALS_H_

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "google/protobuf/util/time_util.h"
#include "probation/catalogue/data/v1/catalogue.pb.h"
#include "probation/referrals/v1/referral.pb.h"

namespace probation::bench {

struct GeneratedReferral {
  referrals::v1::Referral referral;
  bool open = false;
  // The draft's entry, then the move out of the state before the current one.
  std::vector<referrals::v1::HistoryEntry> history;
};

class ReferralGenerator {
 public:
  ReferralGenerator(const catalogue::data::v1::Catalogue& catalogue, int count, int64_t now_us)
      : count_(count), now_us_(now_us) {
    for (const auto& intervention : catalogue.interventions()) {
      const auto kind = intervention.kind();
      if (kind == catalogue::v1::INTERVENTION_KIND_ACCREDITED_PROGRAMME ||
          kind == catalogue::v1::INTERVENTION_KIND_STRUCTURED_INTERVENTION ||
          kind == catalogue::v1::INTERVENTION_KIND_COMMISSIONED_REHABILITATIVE_SERVICE) {
        referable_.push_back(&intervention);
      }
    }
    for (const auto& region : catalogue.regions()) regions_.push_back(region.id());
  }

  // Referral `i` of `count`, created in order over the three years before `now_us`.
  GeneratedReferral Next(int i) {
    using referrals::v1::ReferralState;
    namespace v1 = referrals::v1;
    using google::protobuf::util::TimeUtil;
    GeneratedReferral out;
    v1::Referral& referral = out.referral;
    const auto& intervention = *referable_[random_() % referable_.size()];
    referral.set_id(absl::StrFormat("%016x%016x", random_(), random_()));
    referral.set_name(absl::StrCat("referrals/", referral.id()));
    referral.set_reference(absl::StrFormat("%c%c%04d%c%c", 'A' + i % 26, 'A' + (i / 26) % 26,
                                           (i / 676) % 10000, 'A' + (i / 6760000) % 26, 'A'));
    referral.set_intervention(intervention.name());
    referral.set_kind(intervention.kind());
    auto* person = referral.mutable_person();
    person->set_crn(absl::StrFormat("%c%06d", 'A' + (i / 1000000) % 26, i % 1000000));
    person->set_date_of_birth(absl::StrFormat("19%02d-%02d-%02d", 50 + random_() % 55,
                                              1 + random_() % 12, 1 + random_() % 28));
    referral.set_region(regions_[random_() % regions_.size()]);
    person->set_region(referral.region());
    // 200 practitioners per region, each with a caseload of a few hundred referrals.
    referral.set_created_by(absl::StrCat("pp-", referral.region(), "-", random_() % 200));
    const bool crs =
        intervention.kind() == catalogue::v1::INTERVENTION_KIND_COMMISSIONED_REHABILITATIVE_SERVICE;
    if (crs)
      referral.set_provider(std::string("provider-") + static_cast<char>('a' + random_() % 3));
    // Most referrals years old are closed; the newest are still open.
    const std::vector<std::pair<ReferralState, bool>>& states =
        intervention.kind() == catalogue::v1::INTERVENTION_KIND_ACCREDITED_PROGRAMME ? kProgramme
        : crs                                                                        ? kCrs
                                                                                     : kStructured;
    const bool recent = i > count_ - count_ / 10;
    const auto& [state, open] =
        states[recent ? random_() % 3 : 3 + random_() % (states.size() - 3)];
    referral.set_state(state);
    out.open = open;
    if (open && random_() % 2 == 0) {
      referral.set_assignee(absl::StrCat(crs ? "caseworker-" : "facilitator-", random_() % 500));
    }
    referral.set_etag("1");
    referral.set_reason_for_referral("Generated for the caseload benchmark.");
    const int64_t span_us = int64_t{3} * 365 * 24 * 3600 * 1000000;
    const int64_t created_us = now_us_ - span_us + span_us / count_ * i;
    const int64_t draft_us = 600'000'000 + static_cast<int64_t>(random_() % 86'400'000'000);
    const int64_t stay_us = static_cast<int64_t>(random_() % (int64_t{60} * 86'400'000'000));
    *referral.mutable_create_time() = TimeUtil::MicrosecondsToTimestamp(created_us);
    *referral.mutable_submit_time() = TimeUtil::MicrosecondsToTimestamp(created_us + draft_us);
    *referral.mutable_update_time() =
        TimeUtil::MicrosecondsToTimestamp(created_us + draft_us + stay_us);
    *referral.mutable_state_time() = referral.update_time();
    out.history.reserve(3);  // the entries below are filled in through references
    v1::HistoryEntry& create = out.history.emplace_back();
    create.set_to_state(v1::REFERRAL_STATE_DRAFT);
    create.set_action("create");
    *create.mutable_occurred_at() = referral.create_time();
    v1::HistoryEntry& submit = out.history.emplace_back();
    submit.set_from_state(v1::REFERRAL_STATE_DRAFT);
    submit.set_to_state(crs ? v1::REFERRAL_STATE_SENT : v1::REFERRAL_STATE_SUBMITTED);
    submit.set_action("submit");
    *submit.mutable_occurred_at() = referral.submit_time();
    *submit.mutable_time_in_previous_state() = TimeUtil::MicrosecondsToDuration(draft_us);
    v1::HistoryEntry& move = out.history.emplace_back();
    move.set_from_state(submit.to_state());
    move.set_to_state(state);
    move.set_action("move");
    *move.mutable_occurred_at() = referral.update_time();
    *move.mutable_time_in_previous_state() = TimeUtil::MicrosecondsToDuration(stay_us);
    return out;
  }

 private:
  // The first three of each are open states, the rest closing ones.
  inline static const std::vector<std::pair<referrals::v1::ReferralState, bool>> kProgramme = {
      {referrals::v1::REFERRAL_STATE_AWAITING_ASSESSMENT, true},
      {referrals::v1::REFERRAL_STATE_ASSESSED_SUITABLE, true},
      {referrals::v1::REFERRAL_STATE_ON_PROGRAMME, true},
      {referrals::v1::REFERRAL_STATE_PROGRAMME_COMPLETE, false},
      {referrals::v1::REFERRAL_STATE_WITHDRAWN, false},
      {referrals::v1::REFERRAL_STATE_DESELECTED, false},
      {referrals::v1::REFERRAL_STATE_NOT_SUITABLE, false}};
  inline static const std::vector<std::pair<referrals::v1::ReferralState, bool>> kStructured = {
      {referrals::v1::REFERRAL_STATE_SUBMITTED, true},
      {referrals::v1::REFERRAL_STATE_ALLOCATED, true},
      {referrals::v1::REFERRAL_STATE_IN_PROGRESS, true},
      {referrals::v1::REFERRAL_STATE_COMPLETED, false},
      {referrals::v1::REFERRAL_STATE_WITHDRAWN, false},
      {referrals::v1::REFERRAL_STATE_NOT_SUITABLE, false}};
  inline static const std::vector<std::pair<referrals::v1::ReferralState, bool>> kCrs = {
      {referrals::v1::REFERRAL_STATE_SENT, true},
      {referrals::v1::REFERRAL_STATE_ASSIGNED, true},
      {referrals::v1::REFERRAL_STATE_IN_DELIVERY, true},
      {referrals::v1::REFERRAL_STATE_CONCLUDED, false},
      {referrals::v1::REFERRAL_STATE_CANCELLED, false}};

  int count_;
  int64_t now_us_;
  std::mt19937_64 random_{7};
  std::vector<const catalogue::v1::Intervention*> referable_;
  std::vector<std::string> regions_;
};

}  // namespace probation::bench

#endif  // PROBATION_BENCH_GENERATED_REFERRALS_H_
