// Fills a referrals database (SQLite file, created and migrated as the referrals service
// would) with --count generated referrals spread over the catalogue's interventions, the
// regions, states and three years, for measuring list latency at scale. One transaction, so
// a million rows take seconds rather than a million commits.
#include <sqlite3.h>

#include <iostream>
#include <random>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "google/protobuf/util/time_util.h"
#include "services/catalogue/catalogue_loader.h"
#include "services/referrals/sqlite_referral_store.h"

ABSL_FLAG(std::string, database, "", "The SQLite file to create (must not exist).");
ABSL_FLAG(int, count, 1000000, "How many referrals to store.");

namespace {

using google::protobuf::util::TimeUtil;
using probation::referrals::v1::ReferralState;

void Check(int code, sqlite3* db) {
  if (code != SQLITE_OK && code != SQLITE_DONE && code != SQLITE_ROW) {
    std::cerr << "seed_referrals: " << sqlite3_errmsg(db) << "\n";
    std::exit(1);
  }
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const std::string path = absl::GetFlag(FLAGS_database);
  {
    // Creates the schema exactly as the service does.
    auto store = probation::referrals::SqliteReferralStore::Open(path);
    if (!store.ok()) {
      std::cerr << "seed_referrals: " << store.status() << "\n";
      return 1;
    }
  }
  auto catalogue = probation::catalogue::LoadCatalogue(
      probation::catalogue::EmbeddedCatalogueText(), "embedded");
  if (!catalogue.ok()) {
    std::cerr << "seed_referrals: " << catalogue.status() << "\n";
    return 1;
  }
  std::vector<const probation::catalogue::v1::Intervention*> referable;
  for (const auto& intervention : catalogue->interventions()) {
    if (intervention.kind() == probation::catalogue::v1::INTERVENTION_KIND_ACCREDITED_PROGRAMME ||
        intervention.kind() ==
            probation::catalogue::v1::INTERVENTION_KIND_STRUCTURED_INTERVENTION ||
        intervention.kind() ==
            probation::catalogue::v1::INTERVENTION_KIND_COMMISSIONED_REHABILITATIVE_SERVICE) {
      referable.push_back(&intervention);
    }
  }
  std::vector<std::string> regions;
  for (const auto& region : catalogue->regions()) regions.push_back(region.id());
  // No drafts: the service purges those untouched for 90 days, and these are years old.
  const ReferralState states[] = {
      probation::referrals::v1::REFERRAL_STATE_SUBMITTED,
      probation::referrals::v1::REFERRAL_STATE_AWAITING_ASSESSMENT,
      probation::referrals::v1::REFERRAL_STATE_ON_PROGRAMME,
      probation::referrals::v1::REFERRAL_STATE_PROGRAMME_COMPLETE,
      probation::referrals::v1::REFERRAL_STATE_ALLOCATED,
      probation::referrals::v1::REFERRAL_STATE_COMPLETED,
      probation::referrals::v1::REFERRAL_STATE_ASSIGNED,
      probation::referrals::v1::REFERRAL_STATE_IN_DELIVERY,
      probation::referrals::v1::REFERRAL_STATE_CONCLUDED,
  };

  sqlite3* db = nullptr;
  Check(sqlite3_open(path.c_str(), &db), db);
  Check(sqlite3_exec(db, "PRAGMA journal_mode=WAL; BEGIN", nullptr, nullptr, nullptr), db);
  sqlite3_stmt* insert = nullptr;
  Check(sqlite3_prepare_v2(db,
                           "INSERT INTO referrals (id, reference, crn, intervention, region, "
                           "provider, state, is_open, version, create_time_us, update_time_us, "
                           "body) VALUES (?, ?, ?, ?, ?, ?, ?, 0, 1, ?, ?, ?)",
                           -1, &insert, nullptr),
        db);
  std::mt19937_64 random(7);
  const int count = absl::GetFlag(FLAGS_count);
  const int64_t now_us = absl::ToUnixMicros(absl::Now());
  const int64_t span_us = int64_t{3} * 365 * 24 * 3600 * 1000000;
  for (int i = 0; i < count; ++i) {
    const auto& intervention = *referable[random() % referable.size()];
    probation::referrals::v1::Referral referral;
    referral.set_id(absl::StrFormat("%016x%016x", random(), random()));
    referral.set_name(absl::StrCat("referrals/", referral.id()));
    referral.set_reference(absl::StrFormat("%c%c%06d", 'A' + i % 26, 'A' + (i / 26) % 26, i));
    referral.set_intervention(intervention.name());
    referral.set_kind(intervention.kind());
    auto* person = referral.mutable_person();
    person->set_crn(absl::StrFormat("%c%06d", 'A' + (i / 1000000) % 26, i % 1000000));
    person->set_date_of_birth(absl::StrFormat("19%02d-%02d-%02d", 50 + random() % 55,
                                              1 + random() % 12, 1 + random() % 28));
    referral.set_region(regions[random() % regions.size()]);
    person->set_region(referral.region());
    if (intervention.kind() ==
        probation::catalogue::v1::INTERVENTION_KIND_COMMISSIONED_REHABILITATIVE_SERVICE) {
      referral.set_provider(std::string("provider-") + static_cast<char>('a' + random() % 3));
    }
    referral.set_state(states[random() % std::size(states)]);
    referral.set_etag("1");
    referral.set_reason_for_referral("Generated for the list benchmark.");
    // Spread over three years, in creation order.
    const int64_t created_us = now_us - span_us + span_us / count * i;
    *referral.mutable_create_time() = TimeUtil::MicrosecondsToTimestamp(created_us);
    *referral.mutable_update_time() = referral.create_time();
    const std::string body = referral.SerializeAsString();
    sqlite3_reset(insert);
    sqlite3_bind_text(insert, 1, referral.id().c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(insert, 2, referral.reference().c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(insert, 3, person->crn().c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(insert, 4, referral.intervention().c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(insert, 5, referral.region().c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(insert, 6, referral.provider().c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(insert, 7, referral.state());
    sqlite3_bind_int64(insert, 8, created_us);
    sqlite3_bind_int64(insert, 9, created_us);
    sqlite3_bind_blob(insert, 10, body.data(), static_cast<int>(body.size()), SQLITE_TRANSIENT);
    Check(sqlite3_step(insert), db);
  }
  sqlite3_finalize(insert);
  Check(sqlite3_exec(db, "COMMIT; PRAGMA wal_checkpoint(TRUNCATE); ANALYZE", nullptr, nullptr,
                     nullptr),
        db);
  sqlite3_close(db);
  std::cout << "seeded " << count << " referrals into " << path << "\n";
  return 0;
}
