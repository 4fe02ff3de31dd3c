// The event watches the gateway is relaying now. A watch never ends by itself, so on SIGTERM
// the gateway ends them at once (their callers watch again, elsewhere, from their last
// sequence) rather than holding its drain open until the timeout for streams that will not
// finish.
#ifndef PROBATION_GATEWAY_OPEN_WATCHES_H_
#define PROBATION_GATEWAY_OPEN_WATCHES_H_

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/client_context.h"

namespace probation::gateway {

class OpenWatches {
 public:
  // Registers the backend call of a new watch; false once draining (refuse the watch).
  bool Add(grpc::ClientContext* backend);
  // The watch is over; its context may go.
  void Remove(grpc::ClientContext* backend);
  // Cancels every open watch and refuses new ones.
  void Drain();
  bool draining();

 private:
  absl::Mutex mu_;
  bool draining_ ABSL_GUARDED_BY(mu_) = false;
  absl::flat_hash_set<grpc::ClientContext*> open_ ABSL_GUARDED_BY(mu_);
};

}  // namespace probation::gateway

#endif  // PROBATION_GATEWAY_OPEN_WATCHES_H_
