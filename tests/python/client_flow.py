"""One full referral flow through the gateway with Python's grpcio, from stubs generated from
proto/ by protoc and grpc_python_plugin: proof that the public API works from another gRPC
implementation, not only from the C++ one it is written in.

Environment: GATEWAY_ADDRESS, PRACTITIONER_TOKEN, PROGRAMME_TEAM_TOKEN.
"""

import os
import sys
import uuid

import grpc

from probation.catalogue.v1 import catalogue_service_pb2, intervention_pb2
from probation.common.v1 import person_profile_pb2
from probation.eligibility.v1 import verdict_pb2
from probation.gateway.v1 import gateway_service_pb2, gateway_service_pb2_grpc
from probation.referrals.v1 import referral_pb2, referral_service_pb2, state_machine_pb2


def metadata(token):
    return (("authorization", "Bearer " + token), ("x-request-id", "python-" + uuid.uuid4().hex))


def expect(condition, message):
    if not condition:
        print("FAILED: " + message, file=sys.stderr)
        sys.exit(1)


def main():
    address = os.environ["GATEWAY_ADDRESS"]
    practitioner = os.environ["PRACTITIONER_TOKEN"]
    team = os.environ["PROGRAMME_TEAM_TOKEN"]
    channel = grpc.insecure_channel(address)
    gateway = gateway_service_pb2_grpc.InterventionsGatewayStub(channel)

    # Without a token: UNAUTHENTICATED.
    try:
        gateway.ListRegions(catalogue_service_pb2.ListRegionsRequest(), timeout=5)
        expect(False, "a call without a token succeeded")
    except grpc.RpcError as error:
        expect(error.code() == grpc.StatusCode.UNAUTHENTICATED, "expected UNAUTHENTICATED")

    regions = gateway.ListRegions(catalogue_service_pb2.ListRegionsRequest(), timeout=5,
                                  metadata=metadata(practitioner))
    expect(any(region.id == "london" for region in regions.regions), "london is a region")

    person = person_profile_pb2.PersonProfile(
        crn="P314159", date_of_birth="1986-02-11", sex=person_profile_pb2.SEX_MALE,
        region="london", sentence=person_profile_pb2.SENTENCE_TYPE_COMMUNITY_ORDER,
        has_rar=True, risk_of_reoffending=person_profile_pb2.RISK_LEVEL_MEDIUM,
        offences=[person_profile_pb2.OFFENCE_CATEGORY_ACQUISITIVE],
        needs=[person_profile_pb2.Need(area=person_profile_pb2.NEED_AREA_ATTITUDES_THINKING_BEHAVIOUR)])
    found = gateway.FindInterventions(
        gateway_service_pb2.FindInterventionsRequest(
            person=person, kind=intervention_pb2.INTERVENTION_KIND_ACCREDITED_PROGRAMME),
        timeout=10, metadata=metadata(practitioner))
    eligible = [match for match in found.matches
                if match.verdict.outcome == verdict_pb2.OUTCOME_ELIGIBLE]
    expect(eligible, "an eligible accredited programme")
    intervention = eligible[0].intervention

    draft = gateway.CreateReferral(
        referral_service_pb2.CreateReferralRequest(
            request_id=str(uuid.uuid4()),
            referral=referral_pb2.Referral(intervention=intervention.name, person=person,
                                           region="london",
                                           reason_for_referral="Thinking skills")),
        timeout=10, metadata=metadata(practitioner))
    expect(draft.state == state_machine_pb2.REFERRAL_STATE_DRAFT, "a new referral is a draft")
    submitted = gateway.SubmitReferral(
        referral_service_pb2.SubmitReferralRequest(name=draft.name, etag=draft.etag),
        timeout=10, metadata=metadata(practitioner))
    expect(submitted.state == state_machine_pb2.REFERRAL_STATE_SUBMITTED, "submitted")

    # A stale etag is ABORTED.
    try:
        gateway.TransitionReferral(
            referral_service_pb2.TransitionReferralRequest(
                name=draft.name, etag=draft.etag,
                to_state=state_machine_pb2.REFERRAL_STATE_AWAITING_ASSESSMENT),
            timeout=10, metadata=metadata(team))
        expect(False, "a stale etag was accepted")
    except grpc.RpcError as error:
        expect(error.code() == grpc.StatusCode.ABORTED, "expected ABORTED")

    moved = gateway.TransitionReferral(
        referral_service_pb2.TransitionReferralRequest(
            name=submitted.name, etag=submitted.etag,
            to_state=state_machine_pb2.REFERRAL_STATE_AWAITING_ASSESSMENT),
        timeout=10, metadata=metadata(team))
    expect(moved.state == state_machine_pb2.REFERRAL_STATE_AWAITING_ASSESSMENT, "moved on")

    read = gateway.GetReferral(referral_service_pb2.GetReferralRequest(name=moved.name),
                               timeout=10, metadata=metadata(team))
    expect(read.intervention_title == intervention.title, "the title is filled in")
    expect(any(t.to_state == state_machine_pb2.REFERRAL_STATE_ASSESSMENT_STARTED
               for t in read.allowed_transitions), "the team may start the assessment")

    history = gateway.GetReferralHistory(
        referral_service_pb2.GetReferralHistoryRequest(name=moved.name), timeout=10,
        metadata=metadata(practitioner))
    expect(len(history.entries) == 3, "create, submit, move")

    events = gateway.WatchReferralEvents(
        referral_service_pb2.WatchReferralEventsRequest(after_sequence=0), timeout=10,
        metadata=metadata(practitioner))
    types = []
    for event in events:
        if event.referral.id == draft.id:
            types.append(event.type)
        if len(types) == 3:
            events.cancel()
            break
    expect(types == [referral_pb2.ReferralEvent.TYPE_CREATED,
                     referral_pb2.ReferralEvent.TYPE_SUBMITTED,
                     referral_pb2.ReferralEvent.TYPE_TRANSITIONED], "the events, in order")
    print("python client flow: ok")


if __name__ == "__main__":
    main()
