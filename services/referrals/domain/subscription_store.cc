#include "services/referrals/domain/subscription_store.h"

#include "absl/strings/str_cat.h"

namespace probation::referrals {

std::string DeadLetterName(absl::string_view subscription_id, int64_t sequence) {
  return absl::StrCat(kSubscriptions, "/", subscription_id, "/deadLetters/", sequence);
}

}  // namespace probation::referrals
