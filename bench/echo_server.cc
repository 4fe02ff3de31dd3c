// A trivial gRPC server for the benchmarks' baseline: answers Echo with a fixed-size reply,
// after forwarding the call to each --forward_to server at once (as the gateway does to its
// backends). Plain gRPC, callback API like the suite's services, with nothing of ours in the
// path: no authentication, logging, metrics or validation.
#include <atomic>
#include <csignal>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_split.h"
#include "echo.grpc.pb.h"
#include "grpcpp/grpcpp.h"

ABSL_FLAG(int, port, 0, "Port to listen on (0 picks one; the chosen port is printed).");
ABSL_FLAG(std::vector<std::string>, forward_to, {},
          "Servers to call, concurrently, before answering (host:port, comma-separated).");
ABSL_FLAG(int, reply_bytes, 0, "Size of each reply's payload.");

namespace probation::bench {
namespace {

class EchoServer final : public v1::Echo::CallbackService {
 public:
  EchoServer(const std::vector<std::string>& forward_to, int reply_bytes)
      : reply_(reply_bytes, 'r') {
    for (const std::string& address : forward_to) {
      backends_.push_back(
          v1::Echo::NewStub(grpc::CreateChannel(address, grpc::InsecureChannelCredentials())));
    }
  }

  grpc::ServerUnaryReactor* Echo(grpc::CallbackServerContext* context,
                                 const v1::EchoRequest* request, v1::EchoReply* reply) override {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    if (backends_.empty()) {
      reply->set_payload(reply_);
      reactor->Finish(grpc::Status::OK);
      return reactor;
    }
    auto* call = new ForwardedCall(reactor, reply, reply_, backends_.size());
    for (size_t i = 0; i < backends_.size(); ++i) {
      call->contexts[i].set_deadline(context->deadline());
      backends_[i]->async()->Echo(&call->contexts[i], request, &call->replies[i],
                                  [call](grpc::Status status) { call->Done(status); });
    }
    return reactor;
  }

 private:
  struct ForwardedCall {
    ForwardedCall(grpc::ServerUnaryReactor* reactor, v1::EchoReply* reply,
                  const std::string& payload, size_t backends)
        : reactor(reactor),
          reply(reply),
          payload(payload),
          contexts(backends),
          replies(backends),
          pending(static_cast<int>(backends)) {}

    void Done(const grpc::Status& status) {
      if (!status.ok()) failed.store(true);
      if (--pending > 0) return;
      reply->set_payload(payload);
      reactor->Finish(failed ? grpc::Status(grpc::StatusCode::UNAVAILABLE, "backend failed")
                             : grpc::Status::OK);
      delete this;
    }

    grpc::ServerUnaryReactor* reactor;
    v1::EchoReply* reply;
    const std::string& payload;
    std::vector<grpc::ClientContext> contexts;
    std::vector<v1::EchoReply> replies;
    std::atomic<int> pending;
    std::atomic<bool> failed{false};
  };

  const std::string reply_;
  std::vector<std::unique_ptr<v1::Echo::Stub>> backends_;
};

}  // namespace
}  // namespace probation::bench

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  probation::bench::EchoServer service(absl::GetFlag(FLAGS_forward_to),
                                       absl::GetFlag(FLAGS_reply_bytes));
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:" + std::to_string(absl::GetFlag(FLAGS_port)),
                           grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr) {
    std::cerr << "echo_server: cannot listen\n";
    return 1;
  }
  std::cout << "serving " << port << std::endl;
  int signal_number = 0;
  sigwait(&signals, &signal_number);
  server->Shutdown();
  return 0;
}
