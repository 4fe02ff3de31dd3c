// How far a subscription may be acknowledged. Events are received in sequence order but
// finish out of order across lanes; the subscription may only be acknowledged up to the
// highest sequence S such that every event received up to S is done (delivered or
// dead-lettered), or a restart would skip one. Dead letters travel with the acknowledgement
// that covers them. Not thread-safe: its owner holds a lock.
#ifndef PROBATION_SERVICES_RELAY_ACK_WATERMARK_H_
#define PROBATION_SERVICES_RELAY_ACK_WATERMARK_H_

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace probation::relay {

// An event given up on, as AcknowledgeEvents takes it.
struct DeadLetterRecord {
  int64_t sequence = 0;
  int attempts = 0;
  std::string last_error;
};

// One AcknowledgeEvents call's worth.
struct PendingAck {
  int64_t sequence = 0;
  std::vector<DeadLetterRecord> dead_letters;
};

class AckWatermark {
 public:
  // Records an event read from the stream. False (and nothing recorded) for one at or below
  // the last received: a repeat from a misbehaving stream, which must not be delivered twice.
  bool Received(int64_t sequence);
  // Marks a received event done; a dead letter also waits to be sent with an acknowledgement.
  void Delivered(int64_t sequence);
  void DeadLettered(DeadLetterRecord dead_letter);

  // The highest S with every received event up to S done; 0 before any is.
  int64_t watermark() const { return watermark_; }
  int64_t last_received() const { return last_received_; }
  // Received and not yet done.
  int64_t in_flight() const { return in_flight_; }
  // Received and held: not done, or done behind one that is not (what memory is spent on).
  int64_t held() const { return static_cast<int64_t>(window_.size()); }
  // Done since the last acknowledgement (for acknowledging early, after a burst).
  int64_t done_since_ack() const { return done_since_ack_; }

  // What to acknowledge now: the watermark, if it has moved since the last acknowledgement or
  // dead letters wait at or below it, with at most `max_dead_letters` of them (lowest first;
  // when more wait, the sequence stops just below the first left out); nullopt when there is
  // nothing to say.
  std::optional<PendingAck> NextAck(size_t max_dead_letters) const;
  // Whether NextAck has something to say.
  bool AckDue() const;
  // `ack` was applied by the server: its dead letters are sent.
  void Acknowledged(const PendingAck& ack);
  int64_t acknowledged() const { return acknowledged_; }

 private:
  struct Entry {
    int64_t sequence;
    bool done;
  };
  void MarkDone(int64_t sequence);

  // Received events from the oldest not yet done on, in sequence order.
  std::deque<Entry> window_;
  std::map<int64_t, DeadLetterRecord> dead_letters_;
  int64_t watermark_ = 0;
  int64_t last_received_ = 0;
  int64_t in_flight_ = 0;
  int64_t done_since_ack_ = 0;
  int64_t acknowledged_ = 0;
};

}  // namespace probation::relay

#endif  // PROBATION_SERVICES_RELAY_ACK_WATERMARK_H_
