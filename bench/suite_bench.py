"""Measures the running suite against its limits and prints every figure beside its target.

Started by bench/run.sh with an optimised build. It runs the four services as operators do
(each its own process, SQLite for referrals), drives them with h2load (HTTP/2: a gRPC unary
call is a POST of a length-prefixed protobuf) and compares, in the same run, with a chain of
trivial echo servers that has the gateway path's hops and the same message sizes: what gRPC
alone costs. It also times start-up and idle memory, a 240,000-person ScreenCaseload, and
list latency with 1,000,000 referrals stored.

Every figure is printed as `name: value (target ...): OK|MISSED`, or `name: value (no target)`
(bench/figure.py); --sections picks which are taken.
"""

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request

import grpc

from figure import line as figure_line

INTERNAL_SECRET = "bench-internal-secret-0123456789abcdefgh"
TOKEN_SECRET = "bench-token-secret-0123456789abcdefghij"
ISSUER = "probation-bench"
GATEWAY = "probation.gateway.v1.InterventionsGateway"

results = []
# What --sections may name: start-up and idle memory, gateway throughput beside the echo
# chain, a ScreenCaseload, and list latency with a million referrals stored.
SECTIONS = ("startup", "throughput", "screening", "listing")


def report(name, value, unit, target=None, ok=None):
    """Prints one figure, with its target and verdict when it has one."""
    text = f"{name}: {value:,.3f} {unit}" if isinstance(value, float) else f"{name}: {value} {unit}"
    print(figure_line(text.rstrip(), target, ok), flush=True)
    results.append({"name": name, "value": value, "unit": unit, "target": target, "ok": ok})


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Suite:
    """The four services as processes, configured through their environment variables."""

    def __init__(self, build, workdir):
        self.build = build
        self.workdir = workdir
        self.processes = {}
        self.ports = {}
        self.metrics_ports = {}

    def binary(self, service):
        return {"catalogue": "services/catalogue/catalogue",
                "eligibility": "services/eligibility/eligibility",
                "referrals": "services/referrals/referrals",
                "gateway": "gateway/gateway"}[service]

    def environment(self, service, port, metrics_port, database=None):
        prefix = service.upper() + "_"
        env = {"HOST": "127.0.0.1", "PORT": str(port), "METRICS_PORT": str(metrics_port),
               "INTERNAL_SECRET": INTERNAL_SECRET}
        catalogue = f"127.0.0.1:{self.ports.get('catalogue', 0)}"
        if service in ("eligibility", "referrals", "gateway"):
            env["CATALOGUE_ADDRESS"] = catalogue
        if service in ("referrals", "gateway"):
            env["ELIGIBILITY_ADDRESS"] = f"127.0.0.1:{self.ports.get('eligibility', 0)}"
        if service == "referrals":
            env["DATABASE"] = database or os.path.join(self.workdir, "referrals.db")
        if service == "gateway":
            env["REFERRALS_ADDRESS"] = f"127.0.0.1:{self.ports.get('referrals', 0)}"
            env["JWT_ISSUER"] = ISSUER
            env["JWT_HS256_SECRET"] = TOKEN_SECRET
            # One token drives the whole load: the per-caller limit would measure itself.
            env["CALLER_RATE_LIMIT"] = "0"
        full = {k: v for k, v in os.environ.items() if not k.startswith(prefix)}
        full.update({prefix + k: v for k, v in env.items()})
        return full

    def spawn(self, service, port, metrics_port, database=None, log_name=None):
        log = open(os.path.join(self.workdir, (log_name or service) + ".log"), "ab")
        return subprocess.Popen([os.path.join(self.build, self.binary(service))],
                                env=self.environment(service, port, metrics_port, database),
                                stdout=log, stderr=subprocess.STDOUT)

    def start(self, service, database=None):
        self.ports[service] = free_port()
        self.metrics_ports[service] = free_port()
        self.processes[service] = self.spawn(service, self.ports[service],
                                             self.metrics_ports[service], database)
        wait_serving(self.ports[service], 30)

    def stop(self, service):
        process = self.processes.pop(service, None)
        if process:
            process.terminate()
            process.wait(20)

    def stop_all(self):
        for service in ["gateway", "referrals", "eligibility", "catalogue"]:
            self.stop(service)


def health(port, timeout=0.2):
    """SERVING, NOT_SERVING, or None when nothing answers."""
    from grpc_health.health.v1 import health_pb2, health_pb2_grpc  # noqa: E402 (generated)
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        try:
            response = health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(), timeout=timeout)
            return health_pb2.HealthCheckResponse.ServingStatus.Name(response.status)
        except grpc.RpcError:
            return None


def wait_serving(port, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if health(port) == "SERVING":
            return
        time.sleep(0.05)
    raise RuntimeError(f"port {port} never reported SERVING")


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def mint_token(build, role, region="", provider="", sub=None):
    args = [os.path.join(build, "tools/probation/probation"), "token", f"--issuer={ISSUER}",
            f"--sub={sub or 'bench-' + role}", f"--roles={role}"]
    if region:
        args.append(f"--region={region}")
    if provider:
        args.append(f"--provider={provider}")
    env = dict(os.environ, PROBATION_JWT_SECRET=TOKEN_SECRET)
    return subprocess.run(args, env=env, check=True, capture_output=True,
                          text=True).stdout.strip()


def grpc_frame(message_bytes):
    return b"\x00" + struct.pack(">I", len(message_bytes)) + message_bytes


def echo_request(size):
    """An EchoRequest whose serialised size is `size` bytes (payload = field 1, bytes)."""
    payload = max(size - 4, 0)
    header = b"\x0a" + encode_varint(payload)
    return header + b"p" * payload


def encode_varint(value):
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def metric_counts(port, method):
    """grpc_server_handled_total for one method, by code, from a Prometheus endpoint."""
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    counts = {}
    pattern = re.compile(r'^grpc_server_handled_total\{grpc_code="([A-Z_]+)",grpc_method="'
                         + method + r'",[^}]*\} ([0-9.e+]+)$', re.M)
    for code, value in pattern.findall(text):
        counts[code] = counts.get(code, 0) + float(value)
    return counts


def h2load(url, body, seconds, connections, streams, token=None, requests=None):
    """Runs h2load; returns requests/s, the latency percentiles (ms) and requests done."""
    workdir = tempfile.mkdtemp(prefix="h2load-")
    try:
        data = os.path.join(workdir, "body")
        with open(data, "wb") as f:
            f.write(body)
        log = os.path.join(workdir, "log")
        args = ["h2load", "-t", "1", "-c", str(connections), "-m", str(streams),
                f"--data={data}", "-H", "content-type: application/grpc", "-H", "te: trailers",
                f"--log-file={log}"]
        if token:
            args += ["-H", f"authorization: Bearer {token}"]
        if requests:
            args += ["-n", str(requests)]
        else:
            args += ["-D", str(seconds), "--warm-up-time=2"]
        out = subprocess.run(args + [url], check=True, capture_output=True, text=True).stdout
        done = int(re.search(r"requests: \d+ total, \d+ started, (\d+) done", out).group(1))
        succeeded = int(re.search(r"(\d+) succeeded", out).group(1))
        rps = float(re.search(r"finished in [0-9.]+m?s, ([0-9.]+) req/s", out).group(1))
        latencies = []
        with open(log) as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 3:
                    latencies.append(int(parts[2]) / 1000.0)
        latencies.sort()

        def pct(p):
            return latencies[min(len(latencies) - 1, int(len(latencies) * p))] if latencies else 0

        if succeeded != done:
            raise RuntimeError(f"h2load: {done - succeeded} of {done} requests failed\n{out}")
        return {"rps": rps, "done": done, "p50": pct(0.50), "p99": pct(0.99),
                "seconds": done / rps if rps else 0, "latencies": latencies}
    finally:
        shutil.rmtree(workdir)


def import_stubs(build):
    sys.path.insert(0, os.path.join(build, "tests/python/generated"))
    sys.path.insert(0, os.path.join(build, "bench/generated_health"))
    health_out = os.path.join(build, "bench/generated_health")
    if not os.path.exists(os.path.join(health_out, "grpc_health/health/v1/health_pb2_grpc.py")):
        os.makedirs(health_out, exist_ok=True)
        subprocess.run(["protoc", "-I/usr/share/grpc-proto", f"--python_out={health_out}",
                        f"--grpc_python_out={health_out}",
                        f"--plugin=protoc-gen-grpc_python={shutil.which('grpc_python_plugin')}",
                        "grpc/health/v1/health.proto"], check=True)
        # The generated code imports grpc.health.v1; Debian's grpcio has no such module, so
        # give it a package of its own.
        os.rename(os.path.join(health_out, "grpc"), os.path.join(health_out, "grpc_health"))
        for root, _, files in os.walk(os.path.join(health_out, "grpc_health")):
            open(os.path.join(root, "__init__.py"), "a").close()
            for name in files:
                path = os.path.join(root, name)
                with open(path) as f:
                    text = f.read()
                with open(path, "w") as f:
                    f.write(text.replace("from grpc.health.v1", "from grpc_health.health.v1"))


def person(pb):
    p = pb["person"]
    return p.PersonProfile(
        crn="B123456", date_of_birth="1988-05-17", sex=p.SEX_MALE, region="london",
        sentence=p.SENTENCE_TYPE_COMMUNITY_ORDER, has_rar=True,
        risk_of_reoffending=p.RISK_LEVEL_MEDIUM, rosh=p.RISK_LEVEL_MEDIUM,
        offences=[p.OFFENCE_CATEGORY_ACQUISITIVE],
        needs=[p.Need(area=p.NEED_AREA_ATTITUDES_THINKING_BEHAVIOUR),
               p.Need(area=p.NEED_AREA_ACCOMMODATION)])


def bench_startup(suite, rounds):
    """Start-up to SERVING and idle RSS, per service, as the median of `rounds` starts."""
    for service in ["catalogue", "eligibility", "referrals", "gateway"]:
        startup_ms, rss = [], []
        for round_number in range(rounds):
            port, metrics_port = free_port(), free_port()
            database = os.path.join(suite.workdir, f"startup-{round_number}.db")
            started = time.monotonic()
            process = suite.spawn(service, port, metrics_port, database, f"startup-{service}")
            deadline = started + 10
            while time.monotonic() < deadline and health(port, 0.05) != "SERVING":
                time.sleep(0.001)
            startup_ms.append((time.monotonic() - started) * 1000)
            time.sleep(2)  # idle: what it holds between calls
            rss.append(rss_mb(process.pid))
            process.terminate()
            process.wait(20)
        ms = statistics.median(startup_ms)
        mb = statistics.median(rss)
        report(f"{service}: start to SERVING", ms, "ms", "< 100 ms", ms < 100)
        report(f"{service}: idle RSS", mb, "MB", "< 30 MB", mb < 30)


def combined(runs):
    """One figure from several h2load runs: all their calls over all their time."""
    latencies = sorted(ms for run in runs for ms in run["latencies"])
    done = sum(run["done"] for run in runs)

    def pct(p):
        return latencies[min(len(latencies) - 1, int(len(latencies) * p))] if latencies else 0

    return {"rps": done / sum(run["seconds"] for run in runs), "done": done,
            "p50": pct(0.50), "p99": pct(0.99)}


def bench_throughput(suite, pb, token, seconds, connections, streams, build, rounds):
    gateway_pb, catalogue_pb = pb["gateway"], pb["catalogue"]
    channel = grpc.insecure_channel(f"127.0.0.1:{suite.ports['gateway']}")
    stub = pb["gateway_grpc"].InterventionsGatewayStub(channel)
    auth = (("authorization", "Bearer " + token),)
    listed = stub.ListInterventions(catalogue_pb.ListInterventionsRequest(page_size=100),
                                    metadata=auth, timeout=10)
    first = listed.interventions[0].name
    get_request = catalogue_pb.GetInterventionRequest(name=first)
    got = stub.GetIntervention(get_request, metadata=auth, timeout=10)
    find_request = gateway_pb.FindInterventionsRequest(person=person(pb))
    found = stub.FindInterventions(find_request, metadata=auth, timeout=10)
    sizes = {"intervention": got.ByteSize(), "catalogue page": listed.ByteSize(),
             "find": found.ByteSize()}
    sizes["verdicts"] = max(sizes["find"] - sizes["catalogue page"], 100)
    # The referrals service's answer about places in the person's region.
    sizes["availability"] = max(
        sum(a.ByteSize() for m in found.matches for a in m.availability), 10)

    echo = os.path.join(build, "bench/echo_server")
    echo_processes = []

    def start_echo(reply_bytes, forward_to=()):
        process = subprocess.Popen([echo, f"--reply_bytes={reply_bytes}",
                                    "--forward_to=" + ",".join(forward_to)],
                                   stdout=subprocess.PIPE, text=True)
        port = int(process.stdout.readline().split()[1])
        echo_processes.append(process)
        return f"127.0.0.1:{port}"

    try:
        # GetIntervention: client -> gateway -> catalogue. FindInterventions: client ->
        # gateway -> {catalogue, eligibility, referrals (availability)} at once.
        leaf = start_echo(sizes["intervention"])
        get_chain = start_echo(sizes["intervention"], [leaf])
        find_leaves = [start_echo(sizes["catalogue page"]), start_echo(sizes["verdicts"]),
                       start_echo(sizes["availability"])]
        find_chain = start_echo(sizes["find"], find_leaves)
        gateway_url = f"http://127.0.0.1:{suite.ports['gateway']}/{GATEWAY}/"
        # A fixed number of calls rather than a duration: h2load stopped by the clock cuts the
        # calls in flight, which the gateway would count as failures. Each run is warmed up.
        cases = [
            ("GetIntervention", get_request.SerializeToString(), get_chain, 10000 * seconds),
            ("FindInterventions", find_request.SerializeToString(), find_chain, 800 * seconds),
        ]
        for method, body, chain, calls in cases:
            gateway_call = gateway_url + method, grpc_frame(body)
            echo_url = f"http://{chain}/probation.bench.v1.Echo/Echo"
            # The same request on the wire: a body of the same size and the same bearer token
            # (h2load sends its headers unindexed, so every call's token is decoded at the
            # first hop), which the echo server ignores.
            echo_call = echo_url, grpc_frame(echo_request(len(body)))
            for url, frame in (gateway_call, echo_call):
                h2load(url, frame, 0, connections, streams, token, requests=calls // 10)
            # The two take turns, so a drift in the machine's speed (another tenant, the CPU's
            # clock) falls on both; each figure is its calls over its time, all turns summed.
            before = metric_counts(suite.metrics_ports["gateway"], method)
            turns = {"gateway": [], "echo": []}
            for _ in range(rounds):
                for side, (url, frame) in (("gateway", gateway_call), ("echo", echo_call)):
                    turns[side].append(h2load(url, frame, 0, connections, streams, token,
                                              requests=calls // rounds))
            after = metric_counts(suite.metrics_ports["gateway"], method)
            real, limit = (combined(turns[side]) for side in ("gateway", "echo"))
            not_ok = {code: after.get(code, 0) - before.get(code, 0) for code in after
                      if code != "OK" and after.get(code, 0) != before.get(code, 0)}
            ok_calls = after.get("OK", 0) - before.get("OK", 0)
            if not_ok or ok_calls != real["done"]:
                raise RuntimeError(f"{method}: the gateway answered {not_ok} besides "
                                   f"{ok_calls} OK for {real['done']} requests")
            ratio = real["rps"] / limit["rps"]
            report(f"{method} through the gateway", real["rps"], "calls/s")
            report(f"{method}: echo chain with the same hops and sizes", limit["rps"], "calls/s")
            report(f"{method}: gateway / echo chain", ratio, "", ">= 0.80", ratio >= 0.8)
            report(f"{method}: p50 / p99 latency", f"{real['p50']:.2f} / {real['p99']:.2f}",
                   f"ms (echo chain {limit['p50']:.2f} / {limit['p99']:.2f} ms; "
                   f"{connections} connections x {streams} streams)")
    finally:
        for process in echo_processes:
            process.terminate()
            process.wait(10)


def bench_screening(suite, token, build, profiles):
    out = subprocess.run([os.path.join(build, "bench/screen_caseload_client"),
                          f"--address=127.0.0.1:{suite.ports['gateway']}", f"--token={token}",
                          f"--profiles={profiles}"], capture_output=True, text=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    if out.returncode != 0:
        raise RuntimeError(f"ScreenCaseload failed: {result}")
    seconds = result["seconds"]
    report(f"ScreenCaseload of {profiles:,} people through the gateway", seconds, "s",
           "< 10 s", seconds < 10)
    report("  screened per second", profiles / seconds, "people/s")


def load_pb():
    from probation.catalogue.v1 import catalogue_service_pb2
    from probation.common.v1 import person_profile_pb2
    from probation.gateway.v1 import gateway_service_pb2, gateway_service_pb2_grpc
    from probation.referrals.v1 import referral_service_pb2
    return {"catalogue": catalogue_service_pb2, "person": person_profile_pb2,
            "gateway": gateway_service_pb2, "gateway_grpc": gateway_service_pb2_grpc,
            "referrals": referral_service_pb2}


def bench_listing(suite, pb, build, count):
    """List latency with `count` referrals stored: the referrals service on a seeded file."""
    database = os.path.join(suite.workdir, "million.db")
    started = time.monotonic()
    subprocess.run([os.path.join(build, "bench/caseload_bench"), f"--sqlite={database}",
                    f"--count={count}", "--load_only"], check=True)
    report(f"seeding {count:,} referrals", time.monotonic() - started, "s")
    suite.stop("gateway")
    suite.stop("referrals")
    suite.start("referrals", database)
    suite.start("gateway")
    admin = mint_token(build, "admin")
    practitioner = mint_token(build, "probation_practitioner", region="london")
    referrals_pb = pb["referrals"]
    url = f"http://127.0.0.1:{suite.ports['gateway']}/{GATEWAY}/ListReferrals"
    channel = grpc.insecure_channel(f"127.0.0.1:{suite.ports['gateway']}")
    stub = pb["gateway_grpc"].InterventionsGatewayStub(channel)
    first_page = stub.ListReferrals(referrals_pb.ListReferralsRequest(page_size=50),
                                    metadata=(("authorization", "Bearer " + admin),), timeout=30)
    sample = first_page.referrals[0]
    cases = [
        ("newest 50, admin", admin, referrals_pb.ListReferralsRequest(page_size=50)),
        ("second page, admin", admin, referrals_pb.ListReferralsRequest(
            page_size=50, page_token=first_page.next_page_token)),
        ("by state", admin, referrals_pb.ListReferralsRequest(page_size=50,
                                                              state=sample.state)),
        ("by intervention", admin, referrals_pb.ListReferralsRequest(
            page_size=50, intervention=sample.intervention)),
        ("by CRN", admin, referrals_pb.ListReferralsRequest(page_size=50,
                                                            crn=sample.person.crn)),
        ("practitioner's region", practitioner, referrals_pb.ListReferralsRequest(page_size=50)),
    ]
    for name, token, request in cases:
        timing = h2load(url, grpc_frame(request.SerializeToString()), 0, 1, 1, token,
                        requests=200)
        report(f"ListReferrals with {count:,} stored, {name}: p50 / p99",
               f"{timing['p50']:.2f} / {timing['p99']:.2f}", "ms")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build_dir", required=True)
    parser.add_argument("--seconds", type=int, default=10,
                        help="roughly how long each side of a throughput comparison runs")
    parser.add_argument("--rounds", type=int, default=4,
                        help="turns the gateway and its echo chain take, per method")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--streams", type=int, default=16)
    parser.add_argument("--profiles", type=int, default=240000)
    parser.add_argument("--referrals", type=int, default=1000000)
    parser.add_argument("--startup_rounds", type=int, default=5)
    parser.add_argument("--json", help="also write the figures here")
    parser.add_argument("--sections", default=",".join(SECTIONS),
                        help="which figures to take, comma-separated: " + ", ".join(SECTIONS))
    args = parser.parse_args()
    sections = args.sections.split(",")
    unknown = [s for s in sections if s not in SECTIONS]
    if unknown:
        parser.error(f"no section {', '.join(unknown)}; sections: {', '.join(SECTIONS)}")
    build = os.path.abspath(args.build_dir)
    import_stubs(build)
    pb = load_pb()
    workdir = tempfile.mkdtemp(prefix="probation-bench-")
    suite = Suite(build, workdir)
    try:
        for service in ["catalogue", "eligibility", "referrals", "gateway"]:
            suite.start(service)
        print(f"suite running from {build} (logs in {workdir})", flush=True)
        token = mint_token(build, "probation_practitioner", region="london")
        if "startup" in sections:
            bench_startup(suite, args.startup_rounds)
        if "throughput" in sections:
            bench_throughput(suite, pb, token, args.seconds, args.connections, args.streams,
                             build, args.rounds)
        if "screening" in sections:
            bench_screening(suite, token, build, args.profiles)
        if "listing" in sections:
            bench_listing(suite, pb, build, args.referrals)
    finally:
        suite.stop_all()
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)
    shutil.rmtree(workdir, ignore_errors=True)
    missed = [r["name"] for r in results if r["ok"] is False]
    print(f"suite benchmarks: {len(missed)} missed" + (": " + ", ".join(missed) if missed else ""))


if __name__ == "__main__":
    main()
