"""How fast the relay drains a backlog: the suite running as processes (bench/suite_bench.py's
Suite), a BASIC subscription with `--events` events already waiting in it, then the relay
started against a receiver that answers 204 at once (webhook_sink.py), timed until the
subscription's acknowledged sequence reaches the newest event. Prints events/s beside the
target (1,000 events/s on a 2-core machine), as bench/figure.py formats every figure.

Usage: relay_bench.py --build_dir=build-bench [--events=20000] [--lanes=16]
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import suite_bench  # noqa: E402 (the suite's processes, tokens and stubs)
from figure import line as figure_line  # noqa: E402

SUBSCRIPTION_ID = "bench-relay"
TARGET_EVENTS_PER_SECOND = 1000
# Each referral: created, submitted, put on hold, back to submitted, allocated.
EVENTS_PER_REFERRAL = 5


def seed(stub, pb, practitioner, team, referrals, intervention):
    """Writes `referrals` * EVENTS_PER_REFERRAL events through the gateway, 32 calls at once."""
    rpb, person_pb = pb["referrals"], pb["person"]
    practitioner_auth = (("authorization", "Bearer " + practitioner),)
    team_auth = (("authorization", "Bearer " + team),)
    from probation.referrals.v1 import referral_pb2, state_machine_pb2

    def walk(i):
        person = suite_bench.person(pb)
        person.crn = f"B{i:06d}"
        person.risk_of_reoffending = person_pb.RISK_LEVEL_LOW
        referral = stub.CreateReferral(rpb.CreateReferralRequest(
            request_id=f"relay-bench-{i}", referral=referral_pb2.Referral(
                intervention=intervention, person=person, region="london")),
            metadata=practitioner_auth, timeout=30)
        referral = stub.SubmitReferral(rpb.SubmitReferralRequest(
            name=referral.name, etag=referral.etag), metadata=practitioner_auth, timeout=30)
        for state, reason, auth in (
                (state_machine_pb2.REFERRAL_STATE_ON_HOLD, "awaiting-information",
                 practitioner_auth),
                (state_machine_pb2.REFERRAL_STATE_SUBMITTED, "", team_auth),
                (state_machine_pb2.REFERRAL_STATE_ALLOCATED, "", team_auth)):
            referral = stub.TransitionReferral(rpb.TransitionReferralRequest(
                name=referral.name, etag=referral.etag, to_state=state, reason_code=reason),
                metadata=auth, timeout=30)

    with ThreadPoolExecutor(32) as pool:
        list(pool.map(walk, range(referrals)))


def structured_intervention(stub, pb, token):
    person = suite_bench.person(pb)
    person.risk_of_reoffending = pb["person"].RISK_LEVEL_LOW
    found = stub.FindInterventions(pb["gateway"].FindInterventionsRequest(person=person),
                                   metadata=(("authorization", "Bearer " + token),), timeout=10)
    from probation.catalogue.v1 import intervention_pb2
    from probation.eligibility.v1 import verdict_pb2
    for match in found.matches:
        if match.intervention.kind == intervention_pb2.INTERVENTION_KIND_STRUCTURED_INTERVENTION \
                and match.verdict.outcome == verdict_pb2.OUTCOME_ELIGIBLE:
            return match.intervention.name
    raise RuntimeError("no structured intervention for the bench person")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build_dir", default="build-bench")
    parser.add_argument("--events", type=int, default=20000)
    parser.add_argument("--lanes", type=int, default=16)
    args = parser.parse_args()
    build = os.path.abspath(args.build_dir)
    suite_bench.import_stubs(build)
    pb = suite_bench.load_pb()
    import grpc
    from probation.referrals.v1 import subscription_pb2

    workdir = tempfile.mkdtemp(prefix="relay-bench-")
    suite = suite_bench.Suite(build, workdir)
    processes = []
    try:
        for service in ["catalogue", "eligibility", "referrals", "gateway"]:
            suite.start(service)
        stub = pb["gateway_grpc"].InterventionsGatewayStub(
            grpc.insecure_channel(f"127.0.0.1:{suite.ports['gateway']}"))
        admin = suite_bench.mint_token(build, "admin")
        practitioner = suite_bench.mint_token(build, "probation_practitioner", region="london")
        team = suite_bench.mint_token(build, "programme_team", region="london")
        admin_auth = (("authorization", "Bearer " + admin),)
        stub.CreateSubscription(pb["referrals"].CreateSubscriptionRequest(
            subscription=subscription_pb2.Subscription(
                display_name="relay bench", view=subscription_pb2.EVENT_VIEW_BASIC),
            subscription_id=SUBSCRIPTION_ID, start_after_sequence=0),
            metadata=admin_auth, timeout=10)

        referrals = max(1, args.events // EVENTS_PER_REFERRAL)
        started = time.monotonic()
        seed(stub, pb, practitioner, team, referrals,
             structured_intervention(stub, pb, practitioner))
        events = referrals * EVENTS_PER_REFERRAL
        print(figure_line(f"relay: seeding {events:,} events: "
                          f"{time.monotonic() - started:.1f} s"), flush=True)

        sink = subprocess.Popen([sys.executable, os.path.join(HERE, "webhook_sink.py")],
                                stdout=subprocess.PIPE, text=True)
        processes.append(sink)
        sink_port = int(sink.stdout.readline().split()[1])
        token_file = os.path.join(workdir, "token")
        secret_file = os.path.join(workdir, "secret")
        with open(token_file, "w") as f:
            f.write(admin)
        with open(secret_file, "w") as f:
            f.write("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
        relay_env = dict(os.environ, RELAY_HOST="127.0.0.1", RELAY_PORT="0",
                         RELAY_METRICS_PORT="0",
                         RELAY_SUBSCRIPTIONS=f"subscriptions/{SUBSCRIPTION_ID}",
                         RELAY_GATEWAY_ADDRESS=f"127.0.0.1:{suite.ports['gateway']}",
                         RELAY_TOKEN_FILE=token_file, RELAY_SIGNING_SECRET_FILE=secret_file,
                         RELAY_WEBHOOK_URL=f"http://127.0.0.1:{sink_port}/events",
                         RELAY_LANES=str(args.lanes))
        started = time.monotonic()
        relay = subprocess.Popen([os.path.join(build, "services/relay/relay")], env=relay_env,
                                 stdout=subprocess.DEVNULL,
                                 stderr=open(os.path.join(workdir, "relay.log"), "w"))
        processes.append(relay)
        newest = 0
        deadline = started + 600
        while time.monotonic() < deadline:
            subscription = stub.GetSubscription(
                pb["referrals"].GetSubscriptionRequest(name=f"subscriptions/{SUBSCRIPTION_ID}"),
                metadata=admin_auth, timeout=10)
            newest = subscription.acknowledged_sequence
            if newest >= events:
                break
            time.sleep(0.05)
        elapsed = time.monotonic() - started
        rate = events / elapsed
        print(figure_line(f"relay: {events:,} backlogged events delivered and acknowledged: "
                          f"{rate:,.0f} events/s ({elapsed:.1f} s, {args.lanes} lanes)",
                          f">= {TARGET_EVENTS_PER_SECOND:,} events/s",
                          newest >= events and rate >= TARGET_EVENTS_PER_SECOND), flush=True)
        relay.terminate()
        relay.wait(30)
        sink.terminate()
        received = int(sink.stdout.readline().split()[1])
        print(figure_line(f"relay: requests the receiver answered: {received:,} "
                          f"for {events:,} events"), flush=True)
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
        suite.stop_all()


if __name__ == "__main__":
    main()
