"""Two referrals replicas on one PostgreSQL database behind one gateway, each service on its
own host (netns_hosts.py), the gateway's --referrals_address naming both replicas
(ipv4:A:50053,B:50053). Client threads drive referrals through the gateway as the chaos
test's do (tests/chaos/chaos.py: creates retried with their request_id, updates,
submissions, moves), and its watcher follows WatchReferralEvents, while replica A is:

1. left alone: both replicas take calls (round-robin; pick_first would send all to A);
2. killed (SIGKILL): calls go on through B, none failing once a second has passed;
3. started again on its address: the gateway calls it within a second of its being ready;
4. cut off (its link taken down: no reset, no FIN, silence): calls go on through B, none
   failing once the gateway's keepalive has given A up (1 s of silence, 1 s for the ping);
5. reconnected, and called again; then killed for good.

With the load stopped, everything is read back through B alone with the chaos test's
checks: every acknowledged write stored at its version with its event and history entry,
events 1..N with no gap or duplicate and the same as the watcher saw, every referral in a
state of its machine. Prints what it measured.

Needs root (ip netns) and PROBATION_TEST_POSTGRES (a libpq connection string, as
scripts/test-postgres.sh prints: its Unix socket reaches every namespace); exits 77
(skipped) without either.
Usage: replica_failover_test.py --build DIR
"""

import argparse
import dataclasses
import os
import random
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import types
import urllib.request

import grpc

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "chaos"))
import chaos  # noqa: E402  (the load, the watcher and the checks)
from netns_hosts import Hosts, available, run  # noqa: E402

SKIP = 77
HOSTS = ["catalogue", "eligibility", "referrals-a", "referrals-b", "gateway"]
PORTS = {"catalogue": 50051, "eligibility": 50052, "referrals-a": 50053, "referrals-b": 50053,
         "gateway": 50050}
METRICS_PORT = 9460
BINARIES = {"catalogue": "services/catalogue/catalogue",
            "eligibility": "services/eligibility/eligibility",
            "referrals-a": "services/referrals/referrals",
            "referrals-b": "services/referrals/referrals",
            "gateway": "gateway/gateway"}
PROBE = "tools/health_probe/probation-health-probe"
CLIENTS = 4
# After A goes, calls succeed again within this, and none started this long after fails (one
# in flight on A may).
KILL_RECOVERY = 1.0
# A silent peer is given up after kPeerSilence + kPeerTimeout (libs/client/service_channel.h):
# until then a call sent to A waits; reads then go to B, writes fail UNAVAILABLE.
CUT_RECOVERY = 2.5
# A replica back (ready, or its link up again) is called within this.
RECONNECT = 1.0


def slack(build):
    """How many times the limits above a build is given: ASan and UBSan make every process
    some times slower (and a loaded CI machine more so), which is not what these measure."""
    with open(os.path.join(build, "CMakeCache.txt")) as cache:
        sanitized = "PROBATION_SANITIZE:BOOL=ON" in cache.read()
    return 3.0 if sanitized else 1.0


@dataclasses.dataclass
class Call:
    start: float
    end: float
    code: grpc.StatusCode


class TimedStub:
    """The gateway stub a chaos client uses, timing every call it makes."""

    def __init__(self, stub, calls):
        self.stub = stub
        self.calls = calls

    def __getattr__(self, name):
        method = getattr(self.stub, name)

        def timed(*args, **kwargs):
            start = time.monotonic()
            try:
                answer = method(*args, **kwargs)
                self.calls.append(Call(start, time.monotonic(), grpc.StatusCode.OK))
                return answer
            except grpc.RpcError as error:
                self.calls.append(Call(start, time.monotonic(), error.code()))
                raise
        return timed


class Suite:
    def __init__(self, build, database):
        self.build = build
        self.slack = slack(build)
        self.database = database
        self.work = tempfile.mkdtemp(prefix="replica-failover-")
        self.hosts = Hosts(HOSTS)
        self.internal_secret = secrets.token_urlsafe(32)
        self.jwt_secret = secrets.token_urlsafe(32)
        self.processes = {}
        environment = os.environ.copy()
        # A SIGKILL'd process never reports leaks; leaks are the other tests' business.
        environment["ASAN_OPTIONS"] = ":".join(
            filter(None, [environment.get("ASAN_OPTIONS"), "detect_leaks=0"]))
        self.environment = environment
        # What chaos.Run asks of a suite.
        self.addresses = {"gateway": self.address("gateway")}

    def address(self, host):
        return f"{self.hosts.addresses[host]}:{PORTS[host]}"

    def flags(self, host):
        common = ["--host=0.0.0.0", f"--port={PORTS[host]}", f"--metrics_port={METRICS_PORT}",
                  f"--internal_secret={self.internal_secret}"]
        catalogue = f"--catalogue_address={self.address('catalogue')}"
        eligibility = f"--eligibility_address={self.address('eligibility')}"
        if host == "catalogue":
            return common
        if host == "eligibility":
            return [*common, catalogue]
        if host.startswith("referrals"):
            return [*common, catalogue, eligibility, f"--database={self.database}"]
        referrals = (f"ipv4:{self.address('referrals-a')},"
                     f"{self.address('referrals-b')}")
        return [*common, catalogue, eligibility, f"--referrals_address={referrals}",
                f"--jwt_issuer={chaos.ISSUER}", f"--jwt_hs256_secret={self.jwt_secret}",
                "--caller_rate_limit=0"]

    def start(self, host):
        """Starts the host's service; returns when it was started and when it was ready."""
        started = time.monotonic()
        with open(self.log_path(host), "a", encoding="utf-8") as log:
            self.processes[host] = self.hosts.popen(
                host, [os.path.join(self.build, BINARIES[host]), *self.flags(host)],
                env=self.environment, stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL)
        try:
            self.hosts.wait_until(host, [os.path.join(self.build, PROBE),
                                         f"--addr=127.0.0.1:{PORTS[host]}"],
                                  self.processes[host], timeout=60)
        except AssertionError as error:
            raise AssertionError(f"{error}:\n{self.log(host)[-3000:]}") from None
        return started, time.monotonic()

    def kill(self, host):
        process = self.processes.pop(host)
        process.kill()
        process.wait()

    def stop_all(self):
        for host in reversed(HOSTS):
            process = self.processes.pop(host, None)
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()

    def log_path(self, host):
        return os.path.join(self.work, f"{host}.log")

    def log(self, host):
        with open(self.log_path(host), encoding="utf-8", errors="replace") as file:
            return file.read()

    def served(self, host):
        """Referral calls the replica has answered (its Prometheus endpoint)."""
        url = f"http://{self.hosts.addresses[host]}:{METRICS_PORT}/metrics"
        with urllib.request.urlopen(url, timeout=2) as answer:
            text = answer.read().decode()
        return sum(float(value) for value in re.findall(
            r'^grpc_server_handled_total\{[^}]*grpc_service="probation\.referrals\.v1\.'
            r'ReferralService"[^}]*\} (\S+)$', text, re.M))

    def token(self, role, **claims):
        arguments = [os.path.join(self.build, chaos.CLI), "token", f"--issuer={chaos.ISSUER}",
                     f"--sub=failover-{role}", f"--roles={role}"]
        arguments += [f"--{claim}={value}" for claim, value in claims.items()]
        return run(*arguments, env=dict(self.environment, PROBATION_JWT_SECRET=self.jwt_secret)
                   ).stdout.strip()


def check(condition, message):
    if not condition:
        raise AssertionError(message)


def wait_until_served(suite, host, since, timeout=5):
    """Seconds from `since` until the replica has answered a referral call."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if suite.served(host) > 0:
                return time.monotonic() - since
        except OSError:
            pass
        time.sleep(0.02)
    raise AssertionError(f"{host} was not called within {timeout} s")


def outage(calls, what, began, seconds, recovery):
    """Of the calls started in the `seconds` after `began` (all ended by now): one succeeded
    within `recovery` seconds, none started `recovery` seconds or more after it failed for
    want of a replica, and none waited much longer than that (a second more, for a slow
    sanitizer build). Returns what it measured."""
    window = [c for c in calls if began <= c.start <= began + seconds]
    failed = [c for c in window if c.code in chaos.OUTAGE_CODES]
    resumed = min((c.end - began for c in window if c.code == grpc.StatusCode.OK),
                  default=None)
    slow = [c for c in window if c.end - c.start > recovery + 1]
    late = [c for c in failed if c.start - began >= recovery]
    check(resumed is not None and resumed <= recovery,
          f"{what}: no call started after it succeeded within {recovery} s")
    check(not slow, f"{what}: {len(slow)} calls took more than {recovery + 1} s (" + ", ".join(
        f"{c.code.name} after {c.end - c.start:.2f} s" for c in slow[:5]) + ")")
    check(not late, f"{what}: {len(late)} calls started {recovery} s or more after it failed ("
          + ", ".join(f"{c.code.name} at +{c.start - began:.2f} s" for c in late[:5]) + ")")
    stalled = max((c.end - began for c in window if c.start <= began + 1), default=0)
    return (f"{what}: {len(window)} calls started in the next {seconds} s, {len(failed)} "
            f"failed (" + (f"the last started at +{max(c.start - began for c in failed):.2f} s"
                           if failed else "none") + f"); the first success at "
            f"+{resumed:.2f} s; calls started in its first second had all ended by "
            f"+{stalled:.2f} s; the slowest call took "
            f"{max((c.end - c.start for c in window), default=0):.2f} s")


def scenario(suite, figures):
    suite.hosts.create()
    for host in HOSTS:
        suite.start(host)
    run_state = chaos.Run(suite, chaos.Findings(), types.SimpleNamespace(deadline=5, think=0.02))
    findings = run_state.findings
    stopping = threading.Event()
    calls = []
    watcher = chaos.Watcher(run_state)
    clients = [chaos.Client(i, run_state, stopping, random.Random(i)) for i in range(CLIENTS)]
    for client in clients:
        client.stub = TimedStub(client.stub, calls)
    for thread in [watcher, *clients]:
        thread.start()
    disruptions = []  # (what, when, seconds watched, recovery allowed)
    try:
        # 1. Both replicas take calls.
        time.sleep(3)
        shares = {host: suite.served(host) for host in ("referrals-a", "referrals-b")}
        total = sum(shares.values())
        figures.append("both up: " + ", ".join(f"{host} answered {n:.0f}"
                                               for host, n in shares.items()))
        check(total > 0 and all(n >= 0.25 * total for n in shares.values()),
              f"the calls were not shared between the replicas: {shares}")

        # 2. A killed.
        disruptions.append(("A killed", time.monotonic(), 3, KILL_RECOVERY * suite.slack))
        suite.kill("referrals-a")
        time.sleep(3)

        # 3. A back on its address.
        started, ready = suite.start("referrals-a")
        took = wait_until_served(suite, "referrals-a", started)
        figures.append(f"A restarted: ready {ready - started:.2f} s after it was started, "
                       f"called at {took:.2f} s")
        check(took - (ready - started) <= RECONNECT * suite.slack,
              f"A restarted was first called {took - (ready - started):.2f} s after it was ready")
        time.sleep(2)

        # 4. A cut off.
        disruptions.append(("A cut off", time.monotonic(), 5, CUT_RECOVERY * suite.slack))
        suite.hosts.cut("referrals-a")
        time.sleep(5)

        # 5. A reconnected, then killed for good.
        suite.hosts.restore("referrals-a")
        restored = time.monotonic()
        before = suite.served("referrals-a")
        deadline = restored + 10
        while suite.served("referrals-a") <= before and time.monotonic() < deadline:
            time.sleep(0.02)
        check(suite.served("referrals-a") > before, "A reconnected was never called again")
        figures.append(f"A reconnected: called {time.monotonic() - restored:.2f} s after its "
                       f"link came back")
        time.sleep(1)
        disruptions.append(("A killed for good", time.monotonic(), 3, KILL_RECOVERY * suite.slack))
        suite.kill("referrals-a")
        time.sleep(3)
    finally:
        stopping.set()
        for client in clients:
            client.join(timeout=60)
    for disruption in disruptions:
        figures.append(outage(calls, *disruption))

    # Everything read back through B alone.
    chaos.settle(watcher, 5)
    checked = chaos.verify(run_state, watcher)
    acknowledged = sum(findings.writes.values())
    figures.append(f"load: {len(calls)} calls, {acknowledged} writes acknowledged, "
                   f"{sum(findings.errors.values())} errors; read back through B: "
                   f"{checked['referrals']} referrals, {checked['events']} events; the watcher "
                   f"resumed {watcher.resumes} times")
    check(acknowledged > 0, "no write was acknowledged")
    for host in HOSTS:
        for line in suite.log(host).splitlines():
            if chaos.SANITIZER_REPORT.search(line):
                findings.violation(f"{host} log has a sanitizer report: {line}")
    check(not findings.violations, f"{len(findings.violations)} violations:\n"
          + "\n".join(v.splitlines()[0] for v in findings.violations[:20]))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", required=True)
    args = parser.parse_args()
    if not available():
        print("skipped: network namespaces need root")
        return SKIP
    server = os.environ.get("PROBATION_TEST_POSTGRES")
    if not server:
        print("skipped: PROBATION_TEST_POSTGRES is not set (scripts/test-postgres.sh start)")
        return SKIP
    work = tempfile.mkdtemp(prefix="replica-failover-stubs-")
    chaos.pb = chaos.load_stubs(work)
    database, drop_database = chaos.postgres_database(server, work)
    suite = Suite(os.path.abspath(args.build), database)
    figures = []
    try:
        scenario(suite, figures)
    except Exception:
        for host in HOSTS:
            if os.path.exists(suite.log_path(host)):
                print(f"--- {host} log (tail)", file=sys.stderr)
                print(suite.log(host)[-3000:], file=sys.stderr)
        raise
    finally:
        print("\n".join(figures))
        stopped = threading.Thread(target=suite.stop_all)
        stopped.start()
        stopped.join(timeout=60)
        suite.hosts.destroy()
        drop_database()
        shutil.rmtree(suite.work, ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)
    print("1 passed, 0 failed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
