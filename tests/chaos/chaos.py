"""Chaos test: load through the gateway while random services are killed and restarted.

Starts the catalogue, eligibility, referrals and gateway binaries as processes (the flags
scripts/run.sh gives them, on free loopback ports, referrals on a SQLite file in a temporary
directory or on a throwaway PostgreSQL database), then for --seconds:

- client threads, through the gateway only, create referrals (retrying a failed create with
  the same request_id, and sometimes replaying a successful one), update and submit drafts,
  and walk each referral through its state machine with the moves GetReferral's
  allowed_transitions offers, every call with a deadline; each acknowledged write (an OK
  answer) is recorded: referral, version (etag), resulting state, move;
- a watcher follows WatchReferralEvents and resumes from its last sequence after failures;
- a chaos thread every few seconds kills a service (SIGKILL, sometimes SIGTERM), waits a
  little and restarts it with the same flags, on the same database.

Then, with every service back, it checks through the gateway with an admin token:

- every acknowledged write is stored: the referral exists at that version or later, the
  event of that version carries the acknowledged state, and its history entry the move;
- the events read from sequence 0 are exactly 1..N, N being the number of writes the stored
  versions account for, with no gap or duplicate, each referral's in version order, and the
  live watcher saw the same events;
- every referral is in a state of its kind's machine (GetStateMachine), and each history
  step is a transition of that machine, from the state before it, by a role allowed to make
  it; a retried create never made a second referral;
- no service died but those the chaos thread killed, each stopped by SIGTERM exited 0, and
  no log holds a sanitizer report.

Client errors while services are down (UNAVAILABLE, DEADLINE_EXCEEDED, ...) are expected and
counted. Prints a summary; exits 1 on any violation (the logs are then kept).

Usage: chaos.py --build_dir=DIR [--seconds=300] [--database=postgresql://...]
"""

import argparse
import collections
import dataclasses
import importlib
import os
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import types
import urllib.parse
import uuid

import grpc
from google.protobuf import field_mask_pb2

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SERVICES = ("catalogue", "eligibility", "referrals", "gateway")
BINARIES = {
    "catalogue": "services/catalogue/catalogue",
    "eligibility": "services/eligibility/eligibility",
    "referrals": "services/referrals/referrals",
    "gateway": "gateway/gateway",
}
CLI = "tools/probation/probation"
ISSUER = "probation-chaos"
REGION = "london"
PROVIDER = "provider-a"

# What a client must expect while services are killed and restarted: the call did not
# reach a live service, or its answer was lost with the process.
OUTAGE_CODES = {grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED,
                grpc.StatusCode.CANCELLED}
# Quick reconnection, so that a restarted gateway is found within a second, not after
# grpc's default backoff of up to two minutes.
CHANNEL_OPTIONS = [("grpc.initial_reconnect_backoff_ms", 100),
                   ("grpc.min_reconnect_backoff_ms", 100),
                   ("grpc.max_reconnect_backoff_ms", 1000),
                   ("grpc.enable_http_proxy", 0)]
SANITIZER_REPORT = re.compile(
    r"ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|SUMMARY: \w+Sanitizer|"
    r"terminate called|Segmentation fault")
# A SIGTERM'd service drains for --drain_timeout (10 s by default) before it exits.
STOP_TIMEOUT = 30
START_TIMEOUT = 60
CREATE_ATTEMPTS = 10
MAX_PRINTED_VIOLATIONS = 40

pb = None  # The generated stubs (see load_stubs), once main has generated them.


def load_stubs(directory):
    """Generates Python stubs from proto/ as tests/python does and imports them. Returns a
    namespace holding every message, enum value and stub of the modules the test uses."""
    proto_root = os.path.join(REPO, "proto")
    protos = sorted(os.path.relpath(os.path.join(folder, name), proto_root)
                    for folder, _, names in os.walk(proto_root)
                    for name in names if name.endswith(".proto"))
    plugin = shutil.which("grpc_python_plugin")
    if plugin is None or shutil.which("protoc") is None:
        sys.exit("chaos: protoc and grpc_python_plugin are needed (scripts/install-deps.sh)")
    os.makedirs(directory, exist_ok=True)
    subprocess.run(["protoc", f"-I{proto_root}", f"--python_out={directory}",
                    f"--grpc_python_out={directory}",
                    f"--plugin=protoc-gen-grpc_python={plugin}", *protos],
                   check=True, cwd=proto_root)
    sys.path.insert(0, directory)
    names = {}
    for module in ("probation.common.v1.person_profile_pb2",
                   "probation.common.v1.role_pb2",
                   "probation.catalogue.v1.intervention_pb2",
                   "probation.catalogue.v1.catalogue_service_pb2",
                   "probation.referrals.v1.state_machine_pb2",
                   "probation.referrals.v1.referral_pb2",
                   "probation.referrals.v1.referral_service_pb2",
                   "probation.eligibility.v1.verdict_pb2",
                   "probation.gateway.v1.gateway_service_pb2",
                   "probation.gateway.v1.gateway_service_pb2_grpc"):
        loaded = importlib.import_module(module)
        names.update((name, getattr(loaded, name)) for name in dir(loaded)
                     if not name.startswith("_") and name != "DESCRIPTOR")
    return types.SimpleNamespace(**names)


def state_name(state):
    return pb.ReferralState.Name(state).removeprefix("REFERRAL_STATE_")


# --- findings ------------------------------------------------------------------------------


class Findings:
    """Everything the run counts and every violation, shared by all threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.violations = []
        self.errors = collections.Counter()  # (method, code) -> count
        self.writes = collections.Counter()  # kind of write -> acknowledged count
        self.kills = collections.Counter()  # (service, signal name) -> count
        self.crashes = collections.Counter()  # service -> unexpected exits
        self.start_seconds = []
        self.replays = 0  # successful creates sent again with the same request_id
        self.create_retries = 0  # creates retried after an error

    def violation(self, message):
        with self.lock:
            self.violations.append(message)
        print(f"chaos: VIOLATION: {message}", file=sys.stderr, flush=True)

    def error(self, method, code):
        with self.lock:
            self.errors[(method, code.name)] += 1

    def count(self, counter, key, amount=1):
        with self.lock:
            getattr(self, counter)[key] += amount


# --- the suite's processes -------------------------------------------------------------------


def free_ports(count):
    """Free loopback ports below the kernel's ephemeral range: while a killed service is down,
    no process that asked for port 0 (a test running beside this one) can be given its port."""
    with open("/proc/sys/net/ipv4/ip_local_port_range", encoding="ascii") as file:
        ephemeral_low = int(file.read().split()[0])
    ports = []
    while len(ports) < count:
        port = random.randrange(min(20000, ephemeral_low - 1000), ephemeral_low)
        if port in ports:
            continue
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        ports.append(port)
    return ports


def serving(address):
    """grpc.health.v1.Health/Check of the whole server, without generated stubs: the request
    is empty and SERVING is field 1 = 1."""
    with grpc.insecure_channel(address, options=CHANNEL_OPTIONS) as channel:
        check = channel.unary_unary("/grpc.health.v1.Health/Check")
        try:
            return check(b"", timeout=1) == b"\x08\x01"
        except grpc.RpcError:
            return False


class Service:
    """One service binary: started, killed and restarted with the same command line, its
    output (stdout and stderr) appended to one log file across restarts."""

    def __init__(self, name, command, log_path, environment):
        self.name = name
        self.command = command
        self.log_path = log_path
        self.environment = environment
        self.process = None
        self.starts = 0

    def start(self):
        self.starts += 1
        self.process = None
        with open(self.log_path, "a", encoding="utf-8") as log:
            log.write(f"--- chaos: start {self.starts} of {self.name}\n")
            log.flush()
            self.process = subprocess.Popen(self.command, stdout=log, stderr=subprocess.STDOUT,
                                            stdin=subprocess.DEVNULL, env=self.environment)

    def log_tail(self, size=4000):
        with open(self.log_path, "rb") as log:
            log.seek(max(0, os.path.getsize(self.log_path) - size))
            return log.read().decode("utf-8", errors="replace")


class Suite:
    """The four services as operators run them (scripts/run.sh), on loopback ports."""

    def __init__(self, build_dir, work_dir, database, findings):
        self.build_dir = build_dir
        self.findings = findings
        self.internal_secret = secrets.token_urlsafe(32)
        self.jwt_secret = secrets.token_urlsafe(32)
        ports = dict(zip(SERVICES, free_ports(len(SERVICES))))
        self.addresses = {name: f"127.0.0.1:{port}" for name, port in ports.items()}
        environment = os.environ.copy()
        # A SIGKILL'd process never reports leaks, and leaks are the other tests' business;
        # the last detect_leaks wins over any given in ASAN_OPTIONS.
        environment["ASAN_OPTIONS"] = ":".join(
            filter(None, [environment.get("ASAN_OPTIONS"), "detect_leaks=0"]))
        environment.setdefault("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1")
        self.environment = environment
        common = ["--host=127.0.0.1", "--metrics_port=0",
                  f"--internal_secret={self.internal_secret}"]
        catalogue = f"--catalogue_address={self.addresses['catalogue']}"
        eligibility = f"--eligibility_address={self.addresses['eligibility']}"
        flags = {
            "catalogue": [],
            "eligibility": [catalogue],
            "referrals": [f"--database={database}", catalogue, eligibility],
            "gateway": [catalogue, eligibility,
                        f"--referrals_address={self.addresses['referrals']}",
                        f"--jwt_issuer={ISSUER}", f"--jwt_hs256_secret={self.jwt_secret}",
                        # A few tokens drive the whole load; the per-caller limit is not
                        # what this test is about.
                        "--caller_rate_limit=0"],
        }
        self.services = {
            name: Service(name,
                          [os.path.join(build_dir, BINARIES[name]),
                           f"--port={ports[name]}", *common, *flags[name]],
                          os.path.join(work_dir, f"{name}.log"), environment)
            for name in SERVICES}

    def start_all(self):
        for name in SERVICES:
            if not self.start(name):
                raise RuntimeError(f"{name} did not start:\n{self.services[name].log_tail()}")

    def start(self, name):
        """Starts a service and waits until it reports SERVING; False (a violation) if it
        exits or never does."""
        service = self.services[name]
        began = time.monotonic()
        try:
            service.start()
        except OSError as error:
            self.findings.violation(f"{name} could not be started: {error}")
            return False
        while time.monotonic() - began < START_TIMEOUT:
            if service.process.poll() is not None:
                self.record_crash(name, f"exited with {service.process.returncode} while "
                                        f"starting (start {service.starts})")
                return False
            if serving(self.addresses[name]):
                self.findings.start_seconds.append(time.monotonic() - began)
                return True
            time.sleep(0.1)
        self.findings.violation(f"{name} was not SERVING {START_TIMEOUT} s after start "
                                f"{service.starts}; log tail:\n{service.log_tail()}")
        return False

    def stop(self, name, signal_number):
        """Sends the signal and waits for the exit. After SIGTERM the service must drain and
        exit 0; after SIGKILL it dies at once."""
        service = self.services[name]
        process = service.process
        if not self.alive(name):
            return
        process.send_signal(signal_number)
        try:
            code = process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.findings.violation(f"{name} had not exited {STOP_TIMEOUT} s after "
                                    f"{signal.Signals(signal_number).name}; killed")
            process.kill()
            process.wait()
            return
        expected = 0 if signal_number == signal.SIGTERM else -signal_number
        if code != expected:
            self.findings.violation(
                f"{name} exited with {code} after {signal.Signals(signal_number).name} "
                f"(expected {expected}); log tail:\n{service.log_tail()}")

    def alive(self, name):
        """True while the service runs. A service that exited although nobody stopped it
        crashed: that is a violation (revive_crashed starts it again, so the run goes on)."""
        service = self.services[name]
        if service.process is None:
            return False
        if service.process.poll() is None:
            return True
        self.record_crash(name, f"died by itself with exit status {service.process.returncode}")
        return False

    def record_crash(self, name, what):
        """Counts and reports a service that exited although nobody stopped it."""
        service = self.services[name]
        self.findings.count("crashes", name)
        self.findings.violation(f"{name} {what}; log tail:\n{service.log_tail()}")
        service.process = None

    def revive_crashed(self):
        for name in SERVICES:
            if not self.alive(name):
                self.start(name)

    def stop_all(self):
        """The final, orderly stop: the gateway first, as an operator would."""
        for name in reversed(SERVICES):
            self.stop(name, signal.SIGTERM)
            self.services[name].process = None

    def kill_all(self):
        for service in self.services.values():
            if service.process is not None and service.process.poll() is None:
                service.process.kill()
                service.process.wait()

    def scan_logs(self):
        """Sanitizer reports anywhere in any log, from any start."""
        for name, service in self.services.items():
            with open(service.log_path, encoding="utf-8", errors="replace") as log:
                lines = log.read().splitlines()
            for index, line in enumerate(lines):
                if SANITIZER_REPORT.search(line):
                    context = "\n".join(lines[max(0, index - 5):index + 25])
                    self.findings.violation(f"{name} log has a sanitizer report:\n{context}")
                    break

    def token(self, role, **claims):
        arguments = [os.path.join(self.build_dir, CLI), "token", f"--issuer={ISSUER}",
                     f"--sub=chaos-{role}", f"--roles={role}"]
        arguments += [f"--{claim}={value}" for claim, value in claims.items()]
        environment = dict(self.environment, PROBATION_JWT_SECRET=self.jwt_secret)
        return subprocess.run(arguments, check=True, capture_output=True, text=True,
                              env=environment).stdout.strip()


# --- the chaos thread ------------------------------------------------------------------------


class Chaos(threading.Thread):
    """Every few seconds: kill a service, wait a little, start it again. Services are taken
    in shuffled rounds, so that even a short run kills each of them."""

    def __init__(self, suite, findings, stopping, rng, interval, downtime, sigterm_share):
        super().__init__(name="chaos", daemon=True)
        self.suite = suite
        self.findings = findings
        self.stopping = stopping
        self.rng = rng
        self.interval = interval
        self.downtime = downtime
        self.sigterm_share = sigterm_share

    def run(self):
        victims = []
        try:
            while not self.stopping.wait(self.rng.uniform(*self.interval)):
                self.suite.revive_crashed()
                if not victims:
                    victims = list(SERVICES)
                    self.rng.shuffle(victims)
                self.kill_and_restart(victims.pop())
            self.suite.revive_crashed()
        except Exception:  # a bug here must fail the run, not just end the kills
            self.findings.violation("the chaos thread failed:\n" + traceback.format_exc())

    def kill_and_restart(self, name):
        signal_number = (signal.SIGTERM if self.rng.random() < self.sigterm_share
                         else signal.SIGKILL)
        signal_name = signal.Signals(signal_number).name
        print(f"chaos: {signal_name} {name}", flush=True)
        self.findings.count("kills", (name, signal_name))
        self.suite.stop(name, signal_number)
        time.sleep(self.rng.uniform(*self.downtime))
        self.suite.start(name)


# --- the clients ---------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Ack:
    """One acknowledged write: after it the referral was at `version` in `state`; its history
    entry (none for an update) records `action` from `from_state`."""
    name: str
    version: int
    state: int
    event_type: int
    action: str
    from_state: int


@dataclasses.dataclass
class Tracked:
    """A referral a client thread created and works on (only that thread writes to it)."""
    name: str
    kind: int
    # Until then a write of ours whose outcome we never learned (its answer was lost) may
    # still land, so the referral may have moved under us.
    uncertain_until: float = 0.0
    needs_override: bool = False


class Machine:
    """A kind's state machine, from GetStateMachine."""

    def __init__(self, message):
        self.message = message
        self.initial = message.initial_state
        self.states = {info.state: info for info in message.states}
        self.submission = next(t for t in message.transitions if t.submission)

    def terminal(self, state):
        return state in self.states and self.states[state].terminal

    def holding(self, state):
        return state in self.states and self.states[state].holding

    def transition(self, action, from_state):
        for transition in self.message.transitions:
            # `from` is a Python keyword: the field is reached with getattr.
            if transition.action == action and from_state in getattr(transition, "from"):
                return transition
        return None


class Run:
    """What every thread shares: the gateway, tokens, machines, the ledger of acks."""

    def __init__(self, suite, findings, args):
        self.suite = suite
        self.findings = findings
        self.args = args
        self.address = suite.addresses["gateway"]
        self.tokens = {
            "practitioner": suite.token("probation_practitioner", region=REGION),
            "team": suite.token("programme_team", region=REGION),
            "provider": suite.token("service_provider", provider=PROVIDER),
            "admin": suite.token("admin"),
        }
        self.lock = threading.Lock()
        self.acks = []
        self.crns = {}  # CRN -> the request_id that creates it; one create per person
        self.next_crn = 0
        channel = grpc.insecure_channel(self.address, options=CHANNEL_OPTIONS)
        self.stub = pb.InterventionsGatewayStub(channel)
        self.machines = {}
        self.interventions = []
        kinds = (pb.INTERVENTION_KIND_ACCREDITED_PROGRAMME,
                 pb.INTERVENTION_KIND_STRUCTURED_INTERVENTION,
                 pb.INTERVENTION_KIND_COMMISSIONED_REHABILITATIVE_SERVICE)
        for kind in kinds:
            machine = Machine(self.call(self.stub.GetStateMachine,
                                        pb.GetStateMachineRequest(kind=kind)))
            self.machines[kind] = machine
            # The load's person is eligible for some; the others are submitted with an
            # override_reason, as SubmitReferral asks.
            found = self.call(self.stub.FindInterventions, pb.FindInterventionsRequest(
                person=person("X000000"), kind=kind), token="practitioner")
            self.interventions += [
                (match.intervention.name, kind, match.verdict.outcome == pb.OUTCOME_NOT_ELIGIBLE)
                for match in found.matches[:3]]
        if len(self.interventions) < len(kinds):
            raise RuntimeError("the catalogue offers too few interventions in " + REGION)

    def metadata(self, token):
        return (("authorization", "Bearer " + self.tokens[token]),
                ("x-request-id", "chaos-" + uuid.uuid4().hex))

    def call(self, method, request, token="admin", attempts=30):
        """A read that must succeed (the suite is up): retried through outages."""
        for attempt in range(attempts):
            try:
                return method(request, timeout=self.args.deadline,
                              metadata=self.metadata(token))
            except grpc.RpcError as error:
                if error.code() not in OUTAGE_CODES or attempt + 1 == attempts:
                    raise
                time.sleep(0.5)
        raise AssertionError("unreachable")

    def new_crn(self, request_id):
        with self.lock:
            self.next_crn += 1
            crn = f"C{self.next_crn:06d}"
            self.crns[crn] = request_id
            return crn

    def acknowledge(self, ack, kind):
        with self.lock:
            self.acks.append(ack)
        self.findings.count("writes", kind)


def person(crn):
    return pb.PersonProfile(
        crn=crn, date_of_birth="1986-02-11", sex=pb.SEX_MALE, region=REGION,
        sentence=pb.SENTENCE_TYPE_COMMUNITY_ORDER, has_rar=True,
        risk_of_reoffending=pb.RISK_LEVEL_MEDIUM, offences=[pb.OFFENCE_CATEGORY_ACQUISITIVE],
        needs=[pb.Need(area=pb.NEED_AREA_ATTITUDES_THINKING_BEHAVIOUR)])


class Client(threading.Thread):
    """Creates referrals and moves its own referrals on, through the gateway. Each referral is
    written by one thread only, so any conflict it meets is the suite's, not the load's."""

    def __init__(self, index, run, stopping, rng):
        super().__init__(name=f"client-{index}", daemon=True)
        self.run_state = run
        self.findings = run.findings
        self.stopping = stopping
        self.rng = rng
        channel = grpc.insecure_channel(run.address, options=CHANNEL_OPTIONS)
        self.stub = pb.InterventionsGatewayStub(channel)
        self.open = []  # Tracked referrals not yet in a terminal state
        self.deadline = run.args.deadline

    def run(self):
        try:
            while not self.stopping.is_set():
                if len(self.open) < 3 or self.rng.random() < 0.2:
                    self.create()
                else:
                    self.advance(self.rng.choice(self.open))
                time.sleep(self.rng.uniform(0, self.run_state.args.think))
        except Exception:  # a bug here must fail the run, not just stop this client
            self.findings.violation(f"{self.name} failed:\n" + traceback.format_exc())

    # Calls and their failures.

    def rpc(self, name, request, token, tracked=None, write=False):
        """One call of the gateway's method `name`, with a deadline. Returns the answer, or
        None after counting the error; an error the chaos cannot explain is a violation."""
        try:
            return getattr(self.stub, name)(request, timeout=self.deadline,
                                            metadata=self.run_state.metadata(token))
        except grpc.RpcError as error:
            code = error.code()
            self.findings.error(name, code)
            if code in OUTAGE_CODES:
                if write and tracked is not None:
                    # Its answer is lost, but the write may have landed or still land.
                    tracked.uncertain_until = time.monotonic() + 2 * self.deadline + 5
                time.sleep(self.rng.uniform(0.1, 0.5))
            elif self.explained(name, code, error, tracked):
                pass
            else:
                where = f" on {tracked.name}" if tracked else ""
                self.findings.violation(
                    f"{name}{where} failed with {code.name}: {error.details()}")
            return None

    def explained(self, method, code, error, tracked):
        if method == "CreateReferral" and code == grpc.StatusCode.ABORTED:
            return True  # a reference clash, or (PostgreSQL) our own retry still in flight
        if (method == "SubmitReferral" and code == grpc.StatusCode.FAILED_PRECONDITION
                and "not eligible" in (error.details() or "")):
            tracked.needs_override = True
            return True
        # After a write whose outcome we never learned, the referral may have moved on; but
        # once created it exists.
        return (tracked is not None and time.monotonic() < tracked.uncertain_until
                and code != grpc.StatusCode.NOT_FOUND)

    # Writes.

    def create(self):
        run = self.run_state
        request_id = str(uuid.uuid4())
        intervention, kind, needs_override = self.rng.choice(run.interventions)
        crs = kind == pb.INTERVENTION_KIND_COMMISSIONED_REHABILITATIVE_SERVICE
        request = pb.CreateReferralRequest(
            request_id=request_id,
            referral=pb.Referral(intervention=intervention, person=person(run.new_crn(request_id)),
                                 region=REGION, provider=PROVIDER if crs else "",
                                 reason_for_referral="Chaos load"))
        created = None
        for attempt in range(CREATE_ATTEMPTS):
            if attempt > 0:
                if self.stopping.is_set():
                    return  # an unacknowledged create may be stored or not: both are fine
                with self.findings.lock:
                    self.findings.create_retries += 1
            created = self.rpc("CreateReferral", request, "practitioner")
            if created is not None:
                break
        if created is None:
            return
        tracked = Tracked(created.name, created.kind, needs_override=needs_override)
        if (created.state != run.machines[kind].initial or created.etag != "1"
                or created.kind != kind):
            self.findings.violation(f"CreateReferral answered {created.name} in "
                                    f"{state_name(created.state)} at etag {created.etag}")
        run.acknowledge(Ack(created.name, int(created.etag), created.state,
                            pb.ReferralEvent.TYPE_CREATED, "create",
                            pb.REFERRAL_STATE_UNSPECIFIED), "create")
        self.open.append(tracked)
        if self.rng.random() < 0.2:
            # A retry of a create that succeeded must return that referral, not a new one.
            replayed = self.rpc("CreateReferral", request, "practitioner", tracked)
            if replayed is not None:
                with self.findings.lock:
                    self.findings.replays += 1
                if replayed.name != created.name:
                    self.findings.violation(
                        f"CreateReferral replayed with request_id {request_id} made "
                        f"{replayed.name}; the first call made {created.name}")

    def advance(self, tracked):
        machine = self.run_state.machines[tracked.kind]
        if self.rng.random() < 0.1:
            roles = ["admin"]  # an admin may make any move
        elif tracked.kind == pb.INTERVENTION_KIND_COMMISSIONED_REHABILITATIVE_SERVICE:
            roles = self.rng.sample(["practitioner", "provider"], 2)
        else:
            roles = self.rng.sample(["practitioner", "team"], 2)
        for role in roles:
            referral = self.rpc("GetReferral", pb.GetReferralRequest(name=tracked.name),
                                role, tracked)
            if referral is None:
                return
            if machine.terminal(referral.state):
                # A move whose answer was lost closed it.
                return self.open.remove(tracked)
            if referral.state == machine.initial:
                if self.rng.random() < 0.3:
                    return self.update(tracked, referral)
                return self.submit(tracked, referral, machine)
            if referral.allowed_transitions:
                return self.transition(tracked, referral, machine, role)

    def update(self, tracked, referral):
        changed = pb.Referral(name=referral.name, etag=referral.etag,
                              reason_for_referral=f"Chaos load, revised {uuid.uuid4().hex[:8]}")
        updated = self.rpc("UpdateReferral", pb.UpdateReferralRequest(
            referral=changed, update_mask=field_mask_pb2.FieldMask(paths=["reason_for_referral"])),
            "practitioner", tracked, write=True)
        if updated is not None:
            self.acknowledged(tracked, referral, updated, pb.ReferralEvent.TYPE_UPDATED, "",
                              "update")

    def submit(self, tracked, referral, machine):
        override = "Chaos load: not eligible, referred anyway" if tracked.needs_override else ""
        submitted = self.rpc("SubmitReferral", pb.SubmitReferralRequest(
            name=referral.name, etag=referral.etag, override_reason=override),
            "practitioner", tracked, write=True)
        if submitted is not None:
            self.acknowledged(tracked, referral, submitted, pb.ReferralEvent.TYPE_SUBMITTED,
                              machine.submission.action, "submit")

    def transition(self, tracked, referral, machine, role):
        # Prefer moves that keep the referral open, so that referrals walk long paths.
        moves = list(referral.allowed_transitions)
        weights = [1 if machine.terminal(move.to_state) else 4 for move in moves]
        move = self.rng.choices(moves, weights)[0]
        reason = ""
        if move.reason_codes and (move.reason_required or self.rng.random() < 0.3):
            reason = self.rng.choice(move.reason_codes).code
        notes = "Chaos load notes" if move.notes_required or self.rng.random() < 0.2 else ""
        moved = self.rpc("TransitionReferral", pb.TransitionReferralRequest(
            name=referral.name, etag=referral.etag, to_state=move.to_state, reason_code=reason,
            notes=notes), role, tracked, write=True)
        if moved is None:
            return
        if moved.state != move.to_state:
            self.findings.violation(f"TransitionReferral {move.action} of {referral.name} "
                                    f"answered {state_name(moved.state)}, not "
                                    f"{state_name(move.to_state)}")
        self.acknowledged(tracked, referral, moved, pb.ReferralEvent.TYPE_TRANSITIONED,
                          move.action, "transition")

    def acknowledged(self, tracked, before, after, event_type, action, kind):
        """Records an OK write: the version must have gone up by exactly one."""
        if int(after.etag) != int(before.etag) + 1:
            self.findings.violation(f"{kind} of {before.name} at etag {before.etag} answered "
                                    f"etag {after.etag}")
        self.run_state.acknowledge(Ack(after.name, int(after.etag), after.state, event_type,
                                       action, before.state), kind)
        if self.run_state.machines[tracked.kind].terminal(after.state):
            self.open.remove(tracked)


class Watcher(threading.Thread):
    """Follows WatchReferralEvents through the gateway as an integrator would: resumes after
    every failure from the last sequence it saw, and expects each event to be the next."""

    def __init__(self, run):
        super().__init__(name="watcher", daemon=True)
        self.run_state = run
        self.findings = run.findings
        channel = grpc.insecure_channel(run.address, options=CHANNEL_OPTIONS)
        self.stub = pb.InterventionsGatewayStub(channel)
        self.lock = threading.Lock()
        self.stopping = False
        self.call = None
        self.last = 0
        self.seen = {}  # sequence -> (referral name, etag)
        self.resumes = 0

    def run(self):
        while True:
            with self.lock:
                if self.stopping:
                    return
                # No deadline: the stream lives until it fails; a stall is caught at the end.
                self.call = self.stub.WatchReferralEvents(
                    pb.WatchReferralEventsRequest(after_sequence=self.last),
                    metadata=self.run_state.metadata("admin"))
            try:
                for event in self.call:
                    self.receive(event)
                self.findings.violation("WatchReferralEvents ended without an error")
            except grpc.RpcError as error:
                with self.lock:
                    if self.stopping:
                        return
                self.findings.error("WatchReferralEvents", error.code())
                self.resumes += 1
                time.sleep(0.3)

    def receive(self, event):
        if event.sequence != self.last + 1:
            self.findings.violation(f"the watcher, after sequence {self.last}, was sent "
                                    f"{event.sequence}")
        self.seen[event.sequence] = (event.referral.name, event.referral.etag)
        self.last = max(self.last, event.sequence)

    def stop(self):
        with self.lock:
            self.stopping = True
            if self.call is not None:
                self.call.cancel()


# --- the checks ------------------------------------------------------------------------------


def read_all_events(run, total):
    """Every event from sequence 0, resuming after failures. Once sequence `total` has come,
    waits two more seconds for any event beyond it, then ends the stream."""
    events = []
    for _ in range(10):
        call = run.stub.WatchReferralEvents(
            pb.WatchReferralEventsRequest(after_sequence=events[-1].sequence if events else 0),
            timeout=300, metadata=run.metadata("admin"))
        timer = None

        def finish_soon():
            nonlocal timer
            timer = threading.Timer(2.0, call.cancel)
            timer.start()

        if total == 0 or events and events[-1].sequence >= total:
            finish_soon()
        try:
            for event in call:
                events.append(event)
                if timer is None and event.sequence >= total:
                    finish_soon()
        except grpc.RpcError as error:
            if error.code() == grpc.StatusCode.CANCELLED and timer is not None:
                return events
            run.findings.error("WatchReferralEvents (final read)", error.code())
            time.sleep(0.5)
        finally:
            if timer is not None:
                timer.cancel()
    run.findings.violation(f"could not read the events to {total}: got {len(events)}")
    return events


def list_referrals(run):
    stored = {}
    page_token = ""
    while True:
        page = run.call(run.stub.ListReferrals,
                        pb.ListReferralsRequest(page_size=100, page_token=page_token))
        stored.update((referral.name, referral) for referral in page.referrals)
        page_token = page.next_page_token
        if not page_token:
            return stored


def check_history(machine, referral, entries, violation):
    """Each step a transition of the machine, from the state before it, by an allowed role."""
    name = referral.name
    if not entries:
        return violation(f"{name} has no history")
    first = entries[0]
    if (first.action, first.from_state, first.to_state) != (
            "create", pb.REFERRAL_STATE_UNSPECIFIED, machine.initial):
        violation(f"{name} history starts with {first.action} to {state_name(first.to_state)}")
    state, held_from = first.to_state, pb.REFERRAL_STATE_UNSPECIFIED
    for index, entry in enumerate(entries[1:], start=1):
        step = f"{name} history[{index}] {entry.action} {state_name(entry.from_state)} -> " \
               f"{state_name(entry.to_state)}"
        if entry.from_state != state:
            violation(f"{step}: the referral was in {state_name(state)}")
        if machine.terminal(state):
            violation(f"{step}: a move out of the terminal state {state_name(state)}")
        transition = machine.transition(entry.action, entry.from_state)
        if transition is None:
            violation(f"{step}: the machine has no such move")
        else:
            target = held_from if transition.to_held_from else transition.to
            if entry.to_state != target:
                violation(f"{step}: the move leads to {state_name(target)}")
            if entry.role != pb.ROLE_ADMIN and entry.role not in transition.roles:
                violation(f"{step}: made by {pb.Role.Name(entry.role)}, which may not")
            if transition.submission != (entry.action == machine.submission.action):
                violation(f"{step}: the submission move out of place")
        if machine.holding(entry.to_state):
            held_from = entry.from_state
        elif machine.holding(entry.from_state):
            held_from = pb.REFERRAL_STATE_UNSPECIFIED
        state = entry.to_state
    if state != referral.state:
        violation(f"{name} is {state_name(referral.state)} but its history ends in "
                  f"{state_name(state)}")
    if machine.holding(referral.state) and referral.held_from != held_from:
        violation(f"{name} is held from {state_name(referral.held_from)}, its history says "
                  f"{state_name(held_from)}")


def settle(watcher, deadline):
    """Waits until writes whose callers gave up have landed: the referrals service finishes
    a call it has started even after the caller's deadline, so a write may commit after the
    clients stop. Done when the events the watcher follows have been still for 3 s."""
    began = time.monotonic()
    last, still_since = watcher.last, began
    while time.monotonic() - began < 60:
        time.sleep(0.2)
        if watcher.last != last:
            last, still_since = watcher.last, time.monotonic()
        elif time.monotonic() - still_since >= 3 and time.monotonic() - began >= deadline + 1:
            return


def verify(run, watcher):
    """The end-state checks. Returns figures for the summary."""
    findings = run.findings
    violation = findings.violation
    stored = list_referrals(run)
    total = sum(int(referral.etag) for referral in stored.values())
    events = read_all_events(run, total)

    # Sequences: exactly 1..N, where N is one event per write the stored versions count.
    sequences = [event.sequence for event in events]
    if sequences != list(range(1, len(sequences) + 1)):
        duplicates = [s for s, n in collections.Counter(sequences).items() if n > 1]
        gaps = sorted(set(range(1, max(sequences, default=0) + 1)) - set(sequences))
        violation(f"event sequences are not 1..{len(sequences)}: gaps {gaps[:20]}, "
                  f"duplicates {duplicates[:20]}, out of order "
                  f"{sum(1 for a, b in zip(sequences, sequences[1:]) if b <= a)} times")
    if len(events) != total:
        violation(f"{len(events)} events, but the stored referrals' versions add up to {total}")

    # Each referral's events: versions 1..its version, in order, the last its stored state.
    by_referral = collections.defaultdict(list)
    for event in events:
        by_referral[event.referral.name].append(event)
    for name, referral_events in by_referral.items():
        versions = [int(event.referral.etag) for event in referral_events]
        if name not in stored:
            violation(f"events {versions} are about {name}, which is not stored")
            continue
        if versions != list(range(1, int(stored[name].etag) + 1)):
            violation(f"{name} is at version {stored[name].etag} but its events carry "
                      f"versions {versions}")
        elif referral_events[-1].referral.state != stored[name].state:
            violation(f"{name}'s last event says {state_name(referral_events[-1].referral.state)}"
                      f", the referral {state_name(stored[name].state)}")
    for name in stored.keys() - by_referral.keys():
        violation(f"{name} is stored but has no events")

    # The live watcher saw the same events as this read from 0, and caught up.
    final = max(sequences, default=0)
    caught_up = time.monotonic() + 30
    while watcher.last < final and time.monotonic() < caught_up:
        time.sleep(0.2)
    watcher.stop()
    watcher.join(timeout=10)
    if watcher.last < final:
        violation(f"the live watcher stalled at sequence {watcher.last} of {final}")
    for event in events:
        seen = watcher.seen.get(event.sequence)
        if seen is not None and seen != (event.referral.name, event.referral.etag):
            violation(f"sequence {event.sequence} was {seen} live, {event.referral.name} "
                      f"at {event.referral.etag} when read again")

    # Histories against the machines, and each history entry against its event: every write
    # but an update adds one of each.
    history_entries = 0
    entry_of_event = {}  # sequence -> the history entry written with that event
    for name, referral in stored.items():
        machine = run.machines.get(referral.kind)
        if machine is None:
            violation(f"{name} is of kind {referral.kind}, which has no machine")
            continue
        if referral.state not in machine.states:
            violation(f"{name} ({pb.InterventionKind.Name(referral.kind)}) is in "
                      f"{state_name(referral.state)}, not a state of its kind's machine")
        entries = run.call(run.stub.GetReferralHistory,
                           pb.GetReferralHistoryRequest(name=name)).entries
        history_entries += len(entries)
        check_history(machine, referral, entries, violation)
        moves = [event for event in by_referral.get(name, [])
                 if event.type != pb.ReferralEvent.TYPE_UPDATED]
        if len(moves) != len(entries) or any(
                event.referral.state != entry.to_state for event, entry in zip(moves, entries)):
            violation(f"{name}: history {[state_name(e.to_state) for e in entries]} does not "
                      f"match its events {[state_name(e.referral.state) for e in moves]}")
        entry_of_event.update((event.sequence, entry) for event, entry in zip(moves, entries))

    # Every acknowledged write is there: the version, its event, its history entry.
    event_at = {(event.referral.name, int(event.referral.etag)): event for event in events}
    for ack in run.acks:
        referral = stored.get(ack.name)
        what = f"acknowledged {ack.action or 'update'} of {ack.name} to version {ack.version} " \
               f"({state_name(ack.state)})"
        if referral is None:
            violation(f"{what}: the referral is not stored")
            continue
        if int(referral.etag) < ack.version:
            violation(f"{what}: the referral is only at version {referral.etag}")
        event = event_at.get((ack.name, ack.version))
        if event is None:
            violation(f"{what}: no event carries that version")
            continue
        if event.referral.state != ack.state or event.type != ack.event_type:
            violation(f"{what}: its event says {pb.ReferralEvent.Type.Name(event.type)} to "
                      f"{state_name(event.referral.state)}")
        if ack.event_type == pb.ReferralEvent.TYPE_UPDATED:
            continue
        entry = entry_of_event.get(event.sequence)
        if entry is None:
            violation(f"{what}: not in its history")
        elif (entry.action, entry.from_state, entry.to_state) != (
                ack.action, ack.from_state, ack.state):
            violation(f"{what}: its history entry is {entry.action} "
                      f"{state_name(entry.from_state)} -> {state_name(entry.to_state)}")

    # Idempotent creates: one referral per person, each from a create the clients sent.
    per_crn = collections.Counter(referral.person.crn for referral in stored.values())
    for crn, count in per_crn.items():
        if crn not in run.crns:
            violation(f"a referral for {crn}, which no client created")
        elif count > 1:
            violation(f"{count} referrals for {crn}, from one create request "
                      f"{run.crns[crn]} and its retries")
    acked = {ack.name for ack in run.acks}
    return {"referrals": len(stored), "events": len(events), "total": total, "final": final,
            "unacknowledged creates stored": len(stored.keys() - acked),
            "history entries": history_entries}


# --- main ----------------------------------------------------------------------------------


def postgres_database(database, work_dir):
    """A throwaway database on the server `database` names (a postgresql:// URL or a libpq
    key=value string such as scripts/test-postgres.sh prints), so that the run starts from
    sequence 0 whatever else that server holds. Returns (URL for --database, drop function)."""
    if "://" in database:
        url = urllib.parse.urlsplit(database)
        params = dict(urllib.parse.parse_qsl(url.query))
        if url.hostname:
            params["host"] = url.hostname
        if url.port:
            params["port"] = str(url.port)
        if url.username:
            params["user"] = urllib.parse.unquote(url.username)
        if url.password:
            params["password"] = urllib.parse.unquote(url.password)
        params["dbname"] = url.path.lstrip("/") or params.get("user", "postgres")
    else:
        params = dict(pair.split("=", 1) for pair in database.split())
    server = " ".join(f"{key}={value}" for key, value in params.items())
    name = f"chaos_{os.getpid()}_{secrets.token_hex(4)}"
    subprocess.run(["psql", server, "-v", "ON_ERROR_STOP=1", "-qc", f"CREATE DATABASE {name}"],
                   check=True, cwd=work_dir)
    params["dbname"] = name
    query = urllib.parse.urlencode({k: v for k, v in params.items() if k != "dbname"})
    url = f"postgresql:///{name}?{query}"

    def drop():
        subprocess.run(["psql", server, "-qc", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"],
                       check=False, cwd=work_dir)
    return url, drop


def summary(args, findings, figures, watcher, elapsed, database_kind):
    errors = collections.Counter()
    for (_, code), count in findings.errors.items():
        errors[code] += count
    kills = collections.defaultdict(list)
    for (service, signal_name), count in sorted(findings.kills.items()):
        kills[service].append(f"{signal_name} {count}")
    starts = findings.start_seconds
    lines = [
        f"chaos: {elapsed:.0f} s of load ({args.clients} clients) through the gateway, "
        f"referrals on {database_kind}, seed {args.seed}",
        f"  writes acknowledged: {sum(findings.writes.values())} ("
        + ", ".join(f"{kind} {n}" for kind, n in sorted(findings.writes.items())) + ")",
        f"  creates retried after an error: {findings.create_retries}; successful creates "
        f"replayed with their request_id: {findings.replays}",
        "  errors by code: " + (", ".join(f"{code} {n}" for code, n in errors.most_common())
                                or "none"),
        "  errors by call: " + (", ".join(f"{method} {code} {n}" for (method, code), n in
                                          sorted(findings.errors.items())) or "none"),
        f"  kills: {sum(findings.kills.values())}" + "".join(
            f", {service} ({', '.join(kills[service])})" for service in SERVICES
            if kills[service]),
        f"  start to SERVING: mean {sum(starts) / max(len(starts), 1):.1f} s, max "
        f"{max(starts, default=0):.1f} s; crashes: {sum(findings.crashes.values())}",
    ]
    if figures:
        lines += [
            f"  events checked: {figures['events']} (sequences up to {figures['final']}; the "
            f"stored versions account for {figures['total']}); the live watcher saw "
            f"{len(watcher.seen)}, resuming {watcher.resumes} times",
            f"  referrals checked: {figures['referrals']} ({figures['history entries']} history "
            f"entries); stored without an acknowledged create: "
            f"{figures['unacknowledged creates stored']}",
        ]
    lines.append(f"  violations: {len(findings.violations)}")
    print("\n".join(lines), flush=True)
    for violation in findings.violations[:MAX_PRINTED_VIOLATIONS]:
        print(f"  - {violation.splitlines()[0]}")
    if len(findings.violations) > MAX_PRINTED_VIOLATIONS:
        print(f"  ... and {len(findings.violations) - MAX_PRINTED_VIOLATIONS} more")


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build_dir", required=True, help="where the binaries were built")
    parser.add_argument("--seconds", type=float, default=300, help="how long the load runs")
    parser.add_argument("--database", default="",
                        help="a PostgreSQL server (postgresql:// URL or libpq key=value) to "
                             "create a throwaway database on; default SQLite in the temp dir")
    parser.add_argument("--clients", type=int, default=4, help="client threads")
    parser.add_argument("--deadline", type=float, default=5, help="seconds per client call")
    parser.add_argument("--think", type=float, default=0.02,
                        help="longest pause, in seconds, between a client's calls")
    parser.add_argument("--kill_interval", type=float, nargs=2, default=(1.5, 4.5),
                        metavar=("MIN", "MAX"), help="seconds between kills")
    parser.add_argument("--downtime", type=float, nargs=2, default=(0.1, 2.0),
                        metavar=("MIN", "MAX"), help="seconds a killed service stays down")
    parser.add_argument("--sigterm_share", type=float, default=0.25,
                        help="share of kills that are SIGTERM rather than SIGKILL")
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: new)")
    parser.add_argument("--keep", action="store_true", help="keep the logs even on success")
    args = parser.parse_args()
    if args.seed is None:
        args.seed = secrets.randbelow(2**31)
    return args


def main():
    global pb
    args = parse_arguments()
    build_dir = os.path.abspath(args.build_dir)
    for path in [*BINARIES.values(), CLI]:
        if not os.access(os.path.join(build_dir, path), os.X_OK):
            sys.exit(f"chaos: {os.path.join(build_dir, path)} is missing: build first")
    random.seed(args.seed)
    work_dir = tempfile.mkdtemp(prefix="probation-chaos-")
    findings = Findings()
    drop_database = None
    if args.database:
        database, drop_database = postgres_database(args.database, work_dir)
        database_kind = "PostgreSQL"
    else:
        database, database_kind = os.path.join(work_dir, "referrals.db"), "SQLite"
    # ctest and Ctrl-C end the run through the finally clause below, which stops the services.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("chaos: terminated"))
    suite = Suite(build_dir, work_dir, database, findings)
    watcher, figures, elapsed = None, None, 0.0
    try:
        pb = load_stubs(os.path.join(work_dir, "stubs"))
        suite.start_all()
        run = Run(suite, findings, args)
        stopping = threading.Event()
        watcher = Watcher(run)
        clients = [Client(i, run, stopping, random.Random(args.seed + i))
                   for i in range(args.clients)]
        chaos = Chaos(suite, findings, stopping, random.Random(args.seed - 1),
                      args.kill_interval, args.downtime, args.sigterm_share)
        print(f"chaos: the suite is up ({suite.addresses['gateway']}); {args.seconds:.0f} s of "
              f"load and kills, logs in {work_dir}", flush=True)
        began = time.monotonic()
        for thread in [watcher, *clients, chaos]:
            thread.start()
        stopping.wait(args.seconds)
        stopping.set()
        for thread in [chaos, *clients]:
            thread.join(timeout=STOP_TIMEOUT + START_TIMEOUT)
            if thread.is_alive():
                findings.violation(f"the {thread.name} thread did not stop")
        elapsed = time.monotonic() - began
        # Everything back: the gateway SERVING means every service behind it is.
        suite.revive_crashed()
        ready = time.monotonic() + START_TIMEOUT
        while not serving(suite.addresses["gateway"]) and time.monotonic() < ready:
            time.sleep(0.2)
        settle(watcher, args.deadline)
        try:
            figures = verify(run, watcher)
        except grpc.RpcError as error:
            findings.violation(f"a check's call failed with {error.code().name}: "
                               f"{error.details()}")
        suite.stop_all()
        suite.scan_logs()
    finally:
        if watcher is not None:
            watcher.stop()
        suite.kill_all()
        if drop_database is not None:
            drop_database()
    summary(args, findings, figures, watcher or types.SimpleNamespace(seen={}, resumes=0),
            elapsed, database_kind)
    if findings.violations or args.keep:
        print(f"chaos: logs kept in {work_dir}")
    else:
        shutil.rmtree(work_dir, ignore_errors=True)
    return 1 if findings.violations else 0


if __name__ == "__main__":
    sys.exit(main())
