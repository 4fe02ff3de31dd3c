#include "gateway/gateway_server.h"

#include <atomic>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "gateway/find_interventions_response.h"
#include "gateway/routes.h"
#include "gateway/stream_proxies.h"
#include "libs/server/raw_request.h"
#include "libs/status/grpc_status.h"

namespace probation::gateway {
namespace {

// "/package.Service/Method", as gRPC names a method on the wire.
std::string MethodPath(absl::string_view service, absl::string_view method) {
  return absl::StrCat("/", service, "/", method);
}

// The catalogue's largest page; FindInterventions follows page tokens past it.
constexpr int kCataloguePage = 100;

// State of one FindInterventions call: the catalogue's interventions (unless the cache has
// them), the verdicts and the places arrive concurrently; whichever finishes last joins them
// and finishes the call.
struct FindCall {
  FindCall(grpc::ServerUnaryReactor* reactor, grpc::ByteBuffer* response,
           std::shared_ptr<const EncodedInterventions> cached,
           std::unique_ptr<grpc::ClientContext> catalogue_context,
           std::unique_ptr<grpc::ClientContext> eligibility_context,
           std::unique_ptr<grpc::ClientContext> availability_context)
      : reactor(reactor),
        response(response),
        interventions(std::move(cached)),
        catalogue_context(std::move(catalogue_context)),
        eligibility_context(std::move(eligibility_context)),
        availability_context(std::move(availability_context)),
        pending(1 + (this->catalogue_context == nullptr ? 0 : 1) +
                (this->availability_context == nullptr ? 0 : 1)) {}

  grpc::ServerUnaryReactor* reactor;
  grpc::ByteBuffer* response;
  // From the cache, or once every catalogue page has arrived.
  std::shared_ptr<const EncodedInterventions> interventions;
  // Null when the cache had the interventions.
  std::unique_ptr<grpc::ClientContext> catalogue_context;
  std::unique_ptr<grpc::ClientContext> eligibility_context;
  // Null when the person has no region to look for places in.
  std::unique_ptr<grpc::ClientContext> availability_context;
  catalogue::v1::ListInterventionsRequest catalogue_request;
  catalogue::v1::ListInterventionsResponse catalogue_page;
  EncodedInterventions fetched;
  eligibility::v1::FindEligibleInterventionsRequest eligibility_request;
  grpc::ByteBuffer eligibility_request_bytes;
  grpc::ByteBuffer verdicts_bytes;
  referrals::v1::BatchGetAvailabilityRequest availability_request;
  referrals::v1::BatchGetAvailabilityResponse availability;
  grpc::Status catalogue_status;
  grpc::Status eligibility_status;
  grpc::Status availability_status;
  std::atomic<int> pending;

  void Done() {
    if (--pending > 0) return;
    if (!eligibility_status.ok()) {
      reactor->Finish(eligibility_status);
    } else if (!catalogue_status.ok()) {
      reactor->Finish(catalogue_status);
    } else {
      // Places matter only where the person could go; without the referrals service the
      // matches still stand.
      PlacesByIntervention places;
      if (availability_context != nullptr && availability_status.ok()) {
        for (referrals::v1::Availability& entry : *availability.mutable_availabilities()) {
          places[entry.intervention()].push_back(&entry);
        }
      }
      internal::EncodedVerdicts verdicts;
      absl::StatusOr<std::string> encoded =
          grpc::SerializationTraits<internal::EncodedVerdicts>::Deserialize(&verdicts_bytes,
                                                                            &verdicts)
                  .ok()
              ? EncodeFindInterventionsResponse(
                    *interventions, verdicts, places,
                    availability_context != nullptr && !availability_status.ok())
              : absl::InternalError("the eligibility service's answer is malformed");
      if (encoded.ok()) {
        grpc::Slice bytes(*encoded);
        *response = grpc::ByteBuffer(&bytes, 1);
      }
      reactor->Finish(ToGrpcStatus(encoded.status()));
    }
    delete this;
  }
};

void FetchCataloguePage(catalogue::v1::CatalogueService::Stub* stub, CatalogueCache* cache,
                        FindCall* call) {
  stub->async()->ListInterventions(
      call->catalogue_context.get(), &call->catalogue_request, &call->catalogue_page,
      [stub, cache, call](grpc::Status status) {
        if (!status.ok()) {
          call->catalogue_status = status;
          return call->Done();
        }
        for (const catalogue::v1::Intervention& intervention :
             call->catalogue_page.interventions()) {
          call->fetched.emplace(intervention.name(), intervention.SerializeAsString());
        }
        if (call->catalogue_page.next_page_token().empty()) {
          call->interventions =
              std::make_shared<const EncodedInterventions>(std::move(call->fetched));
          cache->Put(call->catalogue_request.kind(), call->catalogue_request.need_area(),
                     call->interventions, absl::Now());
          return call->Done();
        }
        // A ClientContext serves one call: the next page needs a fresh one, same deadline.
        auto next = std::make_unique<grpc::ClientContext>();
        next->set_deadline(call->catalogue_context->deadline());
        call->catalogue_context = std::move(next);
        call->catalogue_request.set_page_token(call->catalogue_page.next_page_token());
        call->catalogue_page.Clear();
        FetchCataloguePage(stub, cache, call);
      });
}

// State of one GetReferral call: the referral first, then its intervention's title and the
// caller's allowed transitions, both at once.
struct GetReferralCall {
  GetReferralCall(grpc::ServerUnaryReactor* reactor, referrals::v1::Referral* response,
                  std::unique_ptr<grpc::ClientContext> referral_context,
                  std::unique_ptr<grpc::ClientContext> transitions_context,
                  std::unique_ptr<grpc::ClientContext> title_context)
      : reactor(reactor),
        response(response),
        referral_context(std::move(referral_context)),
        transitions_context(std::move(transitions_context)),
        title_context(std::move(title_context)) {}

  grpc::ServerUnaryReactor* reactor;
  referrals::v1::Referral* response;
  std::unique_ptr<grpc::ClientContext> referral_context;
  std::unique_ptr<grpc::ClientContext> transitions_context;
  std::unique_ptr<grpc::ClientContext> title_context;
  referrals::v1::GetReferralRequest request;
  referrals::v1::ListAllowedTransitionsRequest transitions_request;
  referrals::v1::ListAllowedTransitionsResponse transitions;
  catalogue::v1::GetInterventionRequest intervention_request;
  catalogue::v1::Intervention intervention;
  grpc::Status transitions_status;
  std::atomic<int> pending{2};

  void Finish(const grpc::Status& status) {
    reactor->Finish(status);
    delete this;
  }

  void Done() {
    if (--pending > 0) return;
    if (!transitions_status.ok()) return Finish(transitions_status);
    // The title is a convenience: a referral without it beats no referral while the
    // catalogue is unreachable.
    response->set_intervention_title(intervention.title());
    *response->mutable_allowed_transitions() = std::move(*transitions.mutable_transitions());
    Finish(grpc::Status::OK);
  }
};

}  // namespace

GatewayServer::GatewayServer(JwtVerifier verifier, BackendCallOptions options,
                             const Backends& backends, absl::Duration catalogue_cache_ttl,
                             const CallerRateLimit& rate_limit)
    : verifier_(std::move(verifier)),
      rate_limiter_(rate_limit),
      authenticate_(BearerTokenAuthenticator(verifier_, &rate_limiter_)),
      options_(std::move(options)),
      catalogue_cache_(catalogue_cache_ttl),
      catalogue_(catalogue::v1::CatalogueService::NewStub(backends.catalogue)),
      eligibility_(eligibility::v1::EligibilityService::NewStub(backends.eligibility)),
      referrals_(referrals::v1::ReferralService::NewStub(backends.referrals)),
      catalogue_bytes_(backends.catalogue),
      eligibility_bytes_(backends.eligibility),
      referrals_bytes_(backends.referrals) {}

grpc::ServerUnaryReactor* GatewayServer::PassThrough(grpc::CallbackServerContext* context,
                                                     const grpc::ByteBuffer* request,
                                                     grpc::ByteBuffer* response,
                                                     absl::string_view method) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  std::optional<Identity> caller = IdentifyOrFinish(*context, authenticate_, reactor);
  if (!caller.has_value()) return reactor;
  // A call that ended without its message gives no bytes to forward, and gRPC aborts the
  // process on a call started with none.
  if (!request->Valid()) {
    reactor->Finish(ToGrpcStatus(absl::InvalidArgumentError(kNoRequestMessage)));
    return reactor;
  }
  const auto route = GatewayRoutes().find(method);
  if (route == GatewayRoutes().end()) {
    reactor->Finish(grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "no route"));
    return reactor;
  }
  absl::StatusOr<std::unique_ptr<grpc::ClientContext>> backend_context =
      BackendContext(*context, *caller, options_);
  if (!backend_context.ok()) {
    reactor->Finish(ToGrpcStatus(backend_context.status()));
    return reactor;
  }
  grpc::ClientContext* call_context = backend_context->release();
  BytesStub(route->second.backend)
      .UnaryCall(call_context, route->second.path, grpc::StubOptions(), request, response,
                 [reactor, call_context](grpc::Status status) {
                   delete call_context;
                   reactor->Finish(status);
                 });
  return reactor;
}

grpc::GenericStub& GatewayServer::BytesStub(Backend backend) {
  switch (backend) {
    case Backend::kCatalogue:
      return catalogue_bytes_;
    case Backend::kEligibility:
      return eligibility_bytes_;
    case Backend::kReferrals:
      break;
  }
  return referrals_bytes_;
}

grpc::ServerUnaryReactor* GatewayServer::ListInterventions(grpc::CallbackServerContext* context,
                                                           const grpc::ByteBuffer* request,
                                                           grpc::ByteBuffer* response) {
  return PassThrough(context, request, response, "ListInterventions");
}

grpc::ServerUnaryReactor* GatewayServer::GetIntervention(grpc::CallbackServerContext* context,
                                                         const grpc::ByteBuffer* request,
                                                         grpc::ByteBuffer* response) {
  return PassThrough(context, request, response, "GetIntervention");
}

grpc::ServerUnaryReactor* GatewayServer::ListRegions(grpc::CallbackServerContext* context,
                                                     const grpc::ByteBuffer* request,
                                                     grpc::ByteBuffer* response) {
  return PassThrough(context, request, response, "ListRegions");
}

grpc::ServerUnaryReactor* GatewayServer::GetRegionalOffer(grpc::CallbackServerContext* context,
                                                          const grpc::ByteBuffer* request,
                                                          grpc::ByteBuffer* response) {
  return PassThrough(context, request, response, "GetRegionalOffer");
}

grpc::ServerUnaryReactor* GatewayServer::CheckEligibility(grpc::CallbackServerContext* context,
                                                          const grpc::ByteBuffer* request,
                                                          grpc::ByteBuffer* response) {
  return PassThrough(context, request, response, "CheckEligibility");
}

grpc::ServerUnaryReactor* GatewayServer::FindInterventions(grpc::CallbackServerContext* context,
                                                           const grpc::ByteBuffer* request_bytes,
                                                           grpc::ByteBuffer* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  std::optional<Identity> caller = IdentifyOrFinish(*context, authenticate_, reactor);
  if (!caller.has_value()) return reactor;
  v1::FindInterventionsRequest request;
  if (absl::Status status = ParseRawRequest(*request_bytes, request); !status.ok()) {
    reactor->Finish(ToGrpcStatus(status));
    return reactor;
  }
  std::shared_ptr<const EncodedInterventions> cached =
      catalogue_cache_.Find(request.kind(), request.need_area(), absl::Now());
  // The catalogue (unless cached), eligibility, and availability (when the person has a
  // region to look for places in).
  std::unique_ptr<grpc::ClientContext> contexts[3];
  const bool wanted[3] = {cached == nullptr, true, !request.person().region().empty()};
  for (int i = 0; i < 3; ++i) {
    if (!wanted[i]) continue;
    absl::StatusOr<std::unique_ptr<grpc::ClientContext>> made =
        BackendContext(*context, *caller, options_);
    if (!made.ok()) {
      reactor->Finish(ToGrpcStatus(made.status()));
      return reactor;
    }
    contexts[i] = *std::move(made);
  }
  auto* call = new FindCall(reactor, response, std::move(cached), std::move(contexts[0]),
                            std::move(contexts[1]), std::move(contexts[2]));
  call->catalogue_request.set_page_size(kCataloguePage);
  call->catalogue_request.set_kind(request.kind());
  call->catalogue_request.set_need_area(request.need_area());
  *call->eligibility_request.mutable_person() = std::move(*request.mutable_person());
  call->eligibility_request.set_kind(request.kind());
  call->eligibility_request.set_need_area(request.need_area());
  call->eligibility_request.set_view(eligibility::v1::VERDICT_VIEW_FULL);
  // Every backend at once.
  if (call->availability_context != nullptr) {
    call->availability_request.set_region(call->eligibility_request.person().region());
    referrals_->async()->BatchGetAvailability(call->availability_context.get(),
                                              &call->availability_request, &call->availability,
                                              [call](grpc::Status status) {
                                                call->availability_status = status;
                                                call->Done();
                                              });
  }
  if (call->catalogue_context != nullptr) {
    FetchCataloguePage(catalogue_.get(), &catalogue_cache_, call);
  }
  // The verdicts stay encoded: the answer carries them as eligibility wrote them.
  bool own_buffer = false;
  if (grpc::Status encoded =
          grpc::SerializationTraits<eligibility::v1::FindEligibleInterventionsRequest>::Serialize(
              call->eligibility_request, &call->eligibility_request_bytes, &own_buffer);
      !encoded.ok()) {
    call->eligibility_status = encoded;
    call->Done();
    return reactor;
  }
  eligibility_bytes_.UnaryCall(call->eligibility_context.get(),
                               MethodPath(eligibility::v1::EligibilityService::service_full_name(),
                                          "FindEligibleInterventions"),
                               grpc::StubOptions(), &call->eligibility_request_bytes,
                               &call->verdicts_bytes, [call](grpc::Status status) {
                                 call->eligibility_status = status;
                                 call->Done();
                               });
  return reactor;
}

grpc::ServerUnaryReactor* GatewayServer::CreateReferral(grpc::CallbackServerContext* context,
                                                        const grpc::ByteBuffer* request,
                                                        grpc::ByteBuffer* response) {
  return PassThrough(context, request, response, "CreateReferral");
}

grpc::ServerUnaryReactor* GatewayServer::ListReferrals(grpc::CallbackServerContext* context,
                                                       const grpc::ByteBuffer* request,
                                                       grpc::ByteBuffer* response) {
  return PassThrough(context, request, response, "ListReferrals");
}

grpc::ServerUnaryReactor* GatewayServer::UpdateReferral(grpc::CallbackServerContext* context,
                                                        const grpc::ByteBuffer* request,
                                                        grpc::ByteBuffer* response) {
  return PassThrough(context, request, response, "UpdateReferral");
}

grpc::ServerUnaryReactor* GatewayServer::SubmitReferral(grpc::CallbackServerContext* context,
                                                        const grpc::ByteBuffer* request,
                                                        grpc::ByteBuffer* response) {
  return PassThrough(context, request, response, "SubmitReferral");
}

grpc::ServerUnaryReactor* GatewayServer::TransitionReferral(grpc::CallbackServerContext* context,
                                                            const grpc::ByteBuffer* request,
                                                            grpc::ByteBuffer* response) {
  return PassThrough(context, request, response, "TransitionReferral");
}

grpc::ServerUnaryReactor* GatewayServer::ListAllowedTransitions(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  return PassThrough(context, request, response, "ListAllowedTransitions");
}

grpc::ServerUnaryReactor* GatewayServer::GetReferralHistory(grpc::CallbackServerContext* context,
                                                            const grpc::ByteBuffer* request,
                                                            grpc::ByteBuffer* response) {
  return PassThrough(context, request, response, "GetReferralHistory");
}

grpc::ServerUnaryReactor* GatewayServer::GetStateMachine(grpc::CallbackServerContext* context,
                                                         const grpc::ByteBuffer* request,
                                                         grpc::ByteBuffer* response) {
  return PassThrough(context, request, response, "GetStateMachine");
}

grpc::ServerUnaryReactor* GatewayServer::ExportPersonData(grpc::CallbackServerContext* context,
                                                          const grpc::ByteBuffer* request,
                                                          grpc::ByteBuffer* response) {
  return PassThrough(context, request, response, "ExportPersonData");
}

grpc::ServerUnaryReactor* GatewayServer::SetCaseAccess(grpc::CallbackServerContext* context,
                                                       const grpc::ByteBuffer* request,
                                                       grpc::ByteBuffer* response) {
  return PassThrough(context, request, response, "SetCaseAccess");
}

grpc::ServerUnaryReactor* GatewayServer::GetCaseAccess(grpc::CallbackServerContext* context,
                                                       const grpc::ByteBuffer* request,
                                                       grpc::ByteBuffer* response) {
  return PassThrough(context, request, response, "GetCaseAccess");
}

grpc::ServerUnaryReactor* GatewayServer::DeleteCaseAccess(grpc::CallbackServerContext* context,
                                                          const grpc::ByteBuffer* request,
                                                          grpc::ByteBuffer* response) {
  return PassThrough(context, request, response, "DeleteCaseAccess");
}

grpc::ServerUnaryReactor* GatewayServer::ListAccessRecords(grpc::CallbackServerContext* context,
                                                           const grpc::ByteBuffer* request,
                                                           grpc::ByteBuffer* response) {
  return PassThrough(context, request, response, "ListAccessRecords");
}

grpc::ServerUnaryReactor* GatewayServer::CreateSubscription(grpc::CallbackServerContext* context,
                                                            const grpc::ByteBuffer* request,
                                                            grpc::ByteBuffer* response) {
  return PassThrough(context, request, response, "CreateSubscription");
}

grpc::ServerUnaryReactor* GatewayServer::GetSubscription(grpc::CallbackServerContext* context,
                                                         const grpc::ByteBuffer* request,
                                                         grpc::ByteBuffer* response) {
  return PassThrough(context, request, response, "GetSubscription");
}

grpc::ServerUnaryReactor* GatewayServer::ListSubscriptions(grpc::CallbackServerContext* context,
                                                           const grpc::ByteBuffer* request,
                                                           grpc::ByteBuffer* response) {
  return PassThrough(context, request, response, "ListSubscriptions");
}

grpc::ServerUnaryReactor* GatewayServer::DeleteSubscription(grpc::CallbackServerContext* context,
                                                            const grpc::ByteBuffer* request,
                                                            grpc::ByteBuffer* response) {
  return PassThrough(context, request, response, "DeleteSubscription");
}

grpc::ServerUnaryReactor* GatewayServer::AcknowledgeEvents(grpc::CallbackServerContext* context,
                                                           const grpc::ByteBuffer* request,
                                                           grpc::ByteBuffer* response) {
  return PassThrough(context, request, response, "AcknowledgeEvents");
}

grpc::ServerUnaryReactor* GatewayServer::ListDeadLetters(grpc::CallbackServerContext* context,
                                                         const grpc::ByteBuffer* request,
                                                         grpc::ByteBuffer* response) {
  return PassThrough(context, request, response, "ListDeadLetters");
}

grpc::ServerUnaryReactor* GatewayServer::ReplayDeadLetter(grpc::CallbackServerContext* context,
                                                          const grpc::ByteBuffer* request,
                                                          grpc::ByteBuffer* response) {
  return PassThrough(context, request, response, "ReplayDeadLetter");
}

grpc::ServerUnaryReactor* GatewayServer::DeleteDeadLetter(grpc::CallbackServerContext* context,
                                                          const grpc::ByteBuffer* request,
                                                          grpc::ByteBuffer* response) {
  return PassThrough(context, request, response, "DeleteDeadLetter");
}

grpc::ServerUnaryReactor* GatewayServer::ScheduleAppointment(grpc::CallbackServerContext* context,
                                                             const grpc::ByteBuffer* request,
                                                             grpc::ByteBuffer* response) {
  return PassThrough(context, request, response, "ScheduleAppointment");
}

grpc::ServerUnaryReactor* GatewayServer::RescheduleAppointment(grpc::CallbackServerContext* context,
                                                               const grpc::ByteBuffer* request,
                                                               grpc::ByteBuffer* response) {
  return PassThrough(context, request, response, "RescheduleAppointment");
}

grpc::ServerUnaryReactor* GatewayServer::RecordAttendance(grpc::CallbackServerContext* context,
                                                          const grpc::ByteBuffer* request,
                                                          grpc::ByteBuffer* response) {
  return PassThrough(context, request, response, "RecordAttendance");
}

grpc::ServerUnaryReactor* GatewayServer::GetAppointment(grpc::CallbackServerContext* context,
                                                        const grpc::ByteBuffer* request,
                                                        grpc::ByteBuffer* response) {
  return PassThrough(context, request, response, "GetAppointment");
}

grpc::ServerUnaryReactor* GatewayServer::ListAppointments(grpc::CallbackServerContext* context,
                                                          const grpc::ByteBuffer* request,
                                                          grpc::ByteBuffer* response) {
  return PassThrough(context, request, response, "ListAppointments");
}

grpc::ServerUnaryReactor* GatewayServer::GetActionPlan(grpc::CallbackServerContext* context,
                                                       const grpc::ByteBuffer* request,
                                                       grpc::ByteBuffer* response) {
  return PassThrough(context, request, response, "GetActionPlan");
}

grpc::ServerUnaryReactor* GatewayServer::UpdateActionPlan(grpc::CallbackServerContext* context,
                                                          const grpc::ByteBuffer* request,
                                                          grpc::ByteBuffer* response) {
  return PassThrough(context, request, response, "UpdateActionPlan");
}

grpc::ServerUnaryReactor* GatewayServer::SubmitActionPlan(grpc::CallbackServerContext* context,
                                                          const grpc::ByteBuffer* request,
                                                          grpc::ByteBuffer* response) {
  return PassThrough(context, request, response, "SubmitActionPlan");
}

grpc::ServerUnaryReactor* GatewayServer::ApproveActionPlan(grpc::CallbackServerContext* context,
                                                           const grpc::ByteBuffer* request,
                                                           grpc::ByteBuffer* response) {
  return PassThrough(context, request, response, "ApproveActionPlan");
}

grpc::ServerUnaryReactor* GatewayServer::RequestActionPlanChanges(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  return PassThrough(context, request, response, "RequestActionPlanChanges");
}

grpc::ServerUnaryReactor* GatewayServer::GetEndOfServiceReport(grpc::CallbackServerContext* context,
                                                               const grpc::ByteBuffer* request,
                                                               grpc::ByteBuffer* response) {
  return PassThrough(context, request, response, "GetEndOfServiceReport");
}

grpc::ServerUnaryReactor* GatewayServer::UpdateEndOfServiceReport(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  return PassThrough(context, request, response, "UpdateEndOfServiceReport");
}

grpc::ServerUnaryReactor* GatewayServer::SubmitEndOfServiceReport(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  return PassThrough(context, request, response, "SubmitEndOfServiceReport");
}

grpc::ServerUnaryReactor* GatewayServer::CreateGroup(grpc::CallbackServerContext* context,
                                                     const grpc::ByteBuffer* request,
                                                     grpc::ByteBuffer* response) {
  return PassThrough(context, request, response, "CreateGroup");
}

grpc::ServerUnaryReactor* GatewayServer::GetGroup(grpc::CallbackServerContext* context,
                                                  const grpc::ByteBuffer* request,
                                                  grpc::ByteBuffer* response) {
  return PassThrough(context, request, response, "GetGroup");
}

grpc::ServerUnaryReactor* GatewayServer::ListGroups(grpc::CallbackServerContext* context,
                                                    const grpc::ByteBuffer* request,
                                                    grpc::ByteBuffer* response) {
  return PassThrough(context, request, response, "ListGroups");
}

grpc::ServerUnaryReactor* GatewayServer::RescheduleGroupSession(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  return PassThrough(context, request, response, "RescheduleGroupSession");
}

grpc::ServerUnaryReactor* GatewayServer::ListWaitingList(grpc::CallbackServerContext* context,
                                                         const grpc::ByteBuffer* request,
                                                         grpc::ByteBuffer* response) {
  return PassThrough(context, request, response, "ListWaitingList");
}

grpc::ServerUnaryReactor* GatewayServer::AllocateToGroup(grpc::CallbackServerContext* context,
                                                         const grpc::ByteBuffer* request,
                                                         grpc::ByteBuffer* response) {
  return PassThrough(context, request, response, "AllocateToGroup");
}

grpc::ServerUnaryReactor* GatewayServer::RemoveFromGroup(grpc::CallbackServerContext* context,
                                                         const grpc::ByteBuffer* request,
                                                         grpc::ByteBuffer* response) {
  return PassThrough(context, request, response, "RemoveFromGroup");
}

grpc::ServerUnaryReactor* GatewayServer::RecordGroupAttendance(grpc::CallbackServerContext* context,
                                                               const grpc::ByteBuffer* request,
                                                               grpc::ByteBuffer* response) {
  return PassThrough(context, request, response, "RecordGroupAttendance");
}

grpc::ServerUnaryReactor* GatewayServer::AmendReferral(grpc::CallbackServerContext* context,
                                                       const grpc::ByteBuffer* request,
                                                       grpc::ByteBuffer* response) {
  return PassThrough(context, request, response, "AmendReferral");
}

grpc::ServerUnaryReactor* GatewayServer::GetReferralChangelog(grpc::CallbackServerContext* context,
                                                              const grpc::ByteBuffer* request,
                                                              grpc::ByteBuffer* response) {
  return PassThrough(context, request, response, "GetReferralChangelog");
}

grpc::ServerUnaryReactor* GatewayServer::UpdateCapacity(grpc::CallbackServerContext* context,
                                                        const grpc::ByteBuffer* request,
                                                        grpc::ByteBuffer* response) {
  return PassThrough(context, request, response, "UpdateCapacity");
}

grpc::ServerUnaryReactor* GatewayServer::GetCapacity(grpc::CallbackServerContext* context,
                                                     const grpc::ByteBuffer* request,
                                                     grpc::ByteBuffer* response) {
  return PassThrough(context, request, response, "GetCapacity");
}

grpc::ServerUnaryReactor* GatewayServer::BatchGetAvailability(grpc::CallbackServerContext* context,
                                                              const grpc::ByteBuffer* request,
                                                              grpc::ByteBuffer* response) {
  return PassThrough(context, request, response, "BatchGetAvailability");
}

grpc::ServerUnaryReactor* GatewayServer::GetReferral(
    grpc::CallbackServerContext* context, const referrals::v1::GetReferralRequest* request,
    referrals::v1::Referral* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  std::optional<Identity> caller = IdentifyOrFinish(*context, authenticate_, reactor);
  if (!caller.has_value()) return reactor;
  std::unique_ptr<grpc::ClientContext> contexts[3];
  for (auto& backend : contexts) {
    absl::StatusOr<std::unique_ptr<grpc::ClientContext>> made =
        BackendContext(*context, *caller, options_);
    if (!made.ok()) {
      reactor->Finish(ToGrpcStatus(made.status()));
      return reactor;
    }
    backend = *std::move(made);
  }
  auto* call = new GetReferralCall(reactor, response, std::move(contexts[0]),
                                   std::move(contexts[1]), std::move(contexts[2]));
  call->request = *request;
  referrals_->async()->GetReferral(
      call->referral_context.get(), &call->request, response, [this, call](grpc::Status status) {
        if (!status.ok()) return call->Finish(status);
        call->transitions_request.set_name(call->response->name());
        call->intervention_request.set_name(call->response->intervention());
        referrals_->async()->ListAllowedTransitions(
            call->transitions_context.get(), &call->transitions_request, &call->transitions,
            [call](grpc::Status transitions_status) {
              call->transitions_status = std::move(transitions_status);
              call->Done();
            });
        catalogue_->async()->GetIntervention(call->title_context.get(), &call->intervention_request,
                                             &call->intervention,
                                             [call](grpc::Status) { call->Done(); });
      });
  return reactor;
}

absl::StatusOr<std::unique_ptr<grpc::ClientContext>> GatewayServer::StreamContext(
    const grpc::CallbackServerContext& context) {
  absl::StatusOr<Identity> caller = authenticate_(context);
  if (!caller.ok()) return caller.status();
  return BackendContext(context, *caller, options_, BackendCallKind::kStream);
}

grpc::ServerBidiReactor<eligibility::v1::ScreenCaseloadRequest,
                        eligibility::v1::ScreenCaseloadResponse>*
GatewayServer::ScreenCaseload(grpc::CallbackServerContext* context) {
  absl::StatusOr<std::unique_ptr<grpc::ClientContext>> backend = StreamContext(*context);
  return StartScreenProxy(eligibility_.get(), backend.ok() ? *std::move(backend) : nullptr,
                          backend.status());
}

grpc::ServerWriteReactor<referrals::v1::ReferralEvent>* GatewayServer::WatchReferralEvents(
    grpc::CallbackServerContext* context,
    const referrals::v1::WatchReferralEventsRequest* request) {
  absl::StatusOr<std::unique_ptr<grpc::ClientContext>> backend = StreamContext(*context);
  return StartWatchProxy(referrals_.get(), backend.ok() ? *std::move(backend) : nullptr, *request,
                         backend.status(), watches_);
}

grpc::ServerWriteReactor<referrals::v1::ExportReferralsResponse>* GatewayServer::ExportReferrals(
    grpc::CallbackServerContext* context, const referrals::v1::ExportReferralsRequest* request) {
  absl::StatusOr<std::unique_ptr<grpc::ClientContext>> backend = StreamContext(*context);
  return StartExportProxy(referrals_.get(), backend.ok() ? *std::move(backend) : nullptr, *request,
                          backend.status());
}

grpc::ServerUnaryReactor* GatewayServer::GetReferralReport(grpc::CallbackServerContext* context,
                                                           const grpc::ByteBuffer* request,
                                                           grpc::ByteBuffer* response) {
  return PassThrough(context, request, response, "GetReferralReport");
}

}  // namespace probation::gateway
