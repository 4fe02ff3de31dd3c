#include "services/relay/ack_watermark.h"

#include <algorithm>
#include <utility>

namespace probation::relay {

bool AckWatermark::Received(int64_t sequence) {
  if (sequence <= last_received_) return false;
  last_received_ = sequence;
  window_.push_back({sequence, false});
  ++in_flight_;
  return true;
}

void AckWatermark::MarkDone(int64_t sequence) {
  const auto it =
      std::lower_bound(window_.begin(), window_.end(), sequence,
                       [](const Entry& entry, int64_t wanted) { return entry.sequence < wanted; });
  // Not received here, or done already: nothing changes.
  if (it == window_.end() || it->sequence != sequence || it->done) return;
  it->done = true;
  --in_flight_;
  ++done_since_ack_;
  while (!window_.empty() && window_.front().done) {
    watermark_ = window_.front().sequence;
    window_.pop_front();
  }
}

void AckWatermark::Delivered(int64_t sequence) { MarkDone(sequence); }

void AckWatermark::DeadLettered(DeadLetterRecord dead_letter) {
  const int64_t sequence = dead_letter.sequence;
  const int64_t done_before = done_since_ack_;
  MarkDone(sequence);
  if (done_since_ack_ != done_before) dead_letters_[sequence] = std::move(dead_letter);
}

std::optional<PendingAck> AckWatermark::NextAck(size_t max_dead_letters) const {
  PendingAck ack;
  ack.sequence = watermark_;
  // Only those at or below the watermark: the server refuses a dead letter above the
  // acknowledged sequence, and one above it is not acknowledged yet.
  for (auto it = dead_letters_.begin(); it != dead_letters_.end() && it->first <= watermark_;
       ++it) {
    if (ack.dead_letters.size() == max_dead_letters) {
      // The rest go with the next call: until they are recorded, the acknowledgement stops
      // short of them, or a failure between the two calls would lose them.
      ack.sequence = it->first - 1;
      break;
    }
    ack.dead_letters.push_back(it->second);
  }
  if (ack.sequence <= acknowledged_ && ack.dead_letters.empty()) return std::nullopt;
  return ack;
}

bool AckWatermark::AckDue() const {
  return watermark_ > acknowledged_ ||
         (!dead_letters_.empty() && dead_letters_.begin()->first <= watermark_);
}

void AckWatermark::Acknowledged(const PendingAck& ack) {
  acknowledged_ = std::max(acknowledged_, ack.sequence);
  for (const DeadLetterRecord& dead_letter : ack.dead_letters) {
    dead_letters_.erase(dead_letter.sequence);
  }
  done_since_ack_ = 0;
}

}  // namespace probation::relay
