// One webhook delivery as the lanes carry it: the encoded body and what orders and names it.
#ifndef PROBATION_SERVICES_RELAY_OUTGOING_EVENT_H_
#define PROBATION_SERVICES_RELAY_OUTGOING_EVENT_H_

#include <cstdint>
#include <string>

namespace probation::relay {

struct OutgoingEvent {
  int64_t sequence = 0;
  // "referrals/{id}": events of one referral share a lane, so they arrive in order.
  std::string referral;
  // The CloudEvents id (and webhook-id).
  std::string id;
  // The CloudEvents JSON message.
  std::string body;
};

}  // namespace probation::relay

#endif  // PROBATION_SERVICES_RELAY_OUTGOING_EVENT_H_
