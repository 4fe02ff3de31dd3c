// Screens a whole caseload of generated people through the gateway's ScreenCaseload stream and
// prints one JSON line: how many were sent and answered, how many were eligible for something,
// and the wall-clock seconds from the first write to the last answer. The profiles are built
// (and serialised once) before the clock starts, so the figure is the suite's, not the client's
// generator's.
#include <iostream>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "nlohmann/json.hpp"
#include "probation/gateway/v1/gateway_service.grpc.pb.h"
#include "tests/support/profile_generator.h"

ABSL_FLAG(std::string, address, "127.0.0.1:50050", "The gateway.");
ABSL_FLAG(std::string, token, "", "Bearer token for the gateway.");
ABSL_FLAG(int, profiles, 240000, "How many people to screen.");

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  using probation::eligibility::v1::ScreenCaseloadRequest;
  using probation::eligibility::v1::ScreenCaseloadResponse;
  const int count = absl::GetFlag(FLAGS_profiles);
  // A few thousand distinct people, repeated: generating 240,000 takes longer than screening.
  const std::vector<probation::common::v1::PersonProfile> people =
      probation::testing::GenerateProfiles(std::min(count, 4096));
  std::vector<ScreenCaseloadRequest> requests(people.size());
  for (size_t i = 0; i < people.size(); ++i) {
    *requests[i].mutable_person() = people[i];
    requests[i].set_eligible_only(true);
    requests[i].set_include_pathway(true);
  }

  auto stub = probation::gateway::v1::InterventionsGateway::NewStub(
      grpc::CreateChannel(absl::GetFlag(FLAGS_address), grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.AddMetadata("authorization", "Bearer " + absl::GetFlag(FLAGS_token));
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Minutes(5)));
  const absl::Time start = absl::Now();
  auto stream = stub->ScreenCaseload(&context);
  std::thread writer([&] {
    for (int i = 0; i < count; ++i) {
      if (!stream->Write(requests[i % requests.size()])) break;
    }
    stream->WritesDone();
  });
  int answers = 0;
  int errors = 0;
  int with_matches = 0;
  ScreenCaseloadResponse response;
  while (stream->Read(&response)) {
    ++answers;
    errors += response.has_error() ? 1 : 0;
    with_matches += response.verdicts().empty() ? 0 : 1;
  }
  writer.join();
  const grpc::Status status = stream->Finish();
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  std::cout << nlohmann::json{{"profiles", count},  {"answers", answers},
                              {"errors", errors},   {"with_matches", with_matches},
                              {"seconds", seconds}, {"status", status.error_message()},
                              {"ok", status.ok()}}
                   .dump()
            << std::endl;
  return status.ok() && answers == count && errors == 0 ? 0 : 1;
}
