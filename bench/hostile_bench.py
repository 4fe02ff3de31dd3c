"""What hostile callers cost the running suite (issue: no single request or caller can crash,
starve or see past its scope). Starts the four services (Release build), then prints:

- the gateway's memory and metric series after 20,000 calls to random method names, no token;
- with 3,000 event watches open and 20 exports that are never read, through the gateway: how
  many of each the limits let in, the referrals process's threads, and ListReferrals latency
  beside the same calls made before.

Usage: hostile_bench.py --build_dir=build-bench
"""

import argparse
import os
import random
import string
import sys
import tempfile
import threading
import time
import urllib.request

import grpc

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import suite_bench as sb  # noqa: E402 (the suite's processes, tokens and stubs)

WATCHES = 3000
EXPORTS = 20
WATCH_CALLERS = 40  # each may hold 100 watches
SEEDED = 20000      # referrals stored, so an unread export stalls rather than finishing


def threads_of(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("Threads:"):
                return int(line.split()[1])
    return 0


def unknown_series(metrics_port):
    text = urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5).read()
    lines = [line for line in text.decode().splitlines()
             if line.startswith("grpc_server_handled_total")]
    unknown = [line for line in lines if 'grpc_service="unknown"' in line]
    return len(lines), len(unknown)


def random_methods(port, count):
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    letters = string.ascii_letters
    for i in range(count):
        name = "".join(random.choices(letters, k=24))
        call = channel.unary_unary(f"/{name}.Service/{name}{i}")
        try:
            call(b"", timeout=2)
        except grpc.RpcError:
            pass
    channel.close()


def list_latencies(stub, pb, token, calls=200):
    request = pb["referrals"].ListReferralsRequest(page_size=20)
    metadata = (("authorization", "Bearer " + token),)
    latencies = []
    for _ in range(calls):
        started = time.perf_counter()
        stub.ListReferrals(request, metadata=metadata, timeout=10)
        latencies.append((time.perf_counter() - started) * 1000)
    latencies.sort()
    return latencies[len(latencies) // 2], latencies[int(len(latencies) * 0.99) - 1]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build_dir", required=True)
    args = parser.parse_args()
    build = os.path.abspath(args.build_dir)
    sb.import_stubs(build)
    pb = sb.load_pb()
    workdir = tempfile.mkdtemp(prefix="hostile-bench-")
    database = os.path.join(workdir, "seeded.db")
    import subprocess
    subprocess.run([os.path.join(build, "bench/caseload_bench"), f"--sqlite={database}",
                    f"--count={SEEDED}", "--load_only"], check=True, stdout=subprocess.DEVNULL)
    suite = sb.Suite(build, workdir)
    try:
        for service in ("catalogue", "eligibility"):
            suite.start(service)
        suite.start("referrals", database)
        suite.start("gateway")
        gateway = suite.processes["gateway"].pid
        referrals = suite.processes["referrals"].pid

        # 1. Random method names, no token.
        time.sleep(0.5)
        before = sb.rss_mb(gateway)
        random_methods(suite.ports["gateway"], 20000)
        after = sb.rss_mb(gateway)
        series, unknown = unknown_series(suite.metrics_ports["gateway"])
        sb.report("gateway RSS growth after 20,000 random method names", after - before, "MB",
                  "<= 10 MB", after - before <= 10)
        sb.report("  unknown-method series in the gateway's metrics", unknown, "series",
                  "1", unknown == 1)
        sb.report("  all grpc_server_handled_total series", series, "series")

        # 2. Watches and exports nobody reads.
        channel = grpc.insecure_channel(f"127.0.0.1:{suite.ports['gateway']}")
        stub = pb["gateway_grpc"].InterventionsGatewayStub(channel)
        admin = sb.mint_token(build, "admin")
        p50_before, p99_before = list_latencies(stub, pb, admin)
        threads_before = threads_of(referrals)
        tokens = [sb.mint_token(build, "admin", sub=f"watcher-{i}") for i in range(WATCH_CALLERS)]
        watches = []
        for i in range(WATCHES):
            metadata = (("authorization", "Bearer " + tokens[i % WATCH_CALLERS]),)
            watches.append(stub.WatchReferralEvents(
                pb["referrals"].WatchReferralEventsRequest(after_sequence=10 ** 9),
                metadata=metadata))
        exports = []
        export_request = pb["referrals"].ExportReferralsRequest()
        # The longest range an export may cover: ten years, to tomorrow.
        export_request.filter.start_time.FromSeconds(int(time.time()) - 9 * 365 * 86400)
        export_request.filter.end_time.FromSeconds(int(time.time()) + 86400)
        for i in range(EXPORTS):
            metadata = (("authorization", "Bearer " + sb.mint_token(build, "admin",
                                                                     sub=f"exporter-{i}")),)
            exports.append(stub.ExportReferrals(export_request, metadata=metadata))
        time.sleep(3)
        # A refused stream has ended already; an open one has not.
        ended = [e for e in exports if e.done()]
        refused_exports = sum(1 for e in ended if e.code() == grpc.StatusCode.RESOURCE_EXHAUSTED)
        if len(ended) != refused_exports:
            print("exports ended otherwise:", {str(e.code()) for e in ended})
        refused_watches = sum(1 for w in watches if w.done())
        threads_during = threads_of(referrals)
        p50_during, p99_during = list_latencies(stub, pb, admin)
        sb.report("watches open (of 3,000 asked for)", WATCHES - refused_watches, "watches")
        sb.report("unread exports running (of 20 asked for)", EXPORTS - refused_exports,
                  "exports", "<= 8 (--max_exports)", EXPORTS - refused_exports <= 8)
        sb.report("referrals threads: idle / with the streams open",
                  f"{threads_before} / {threads_during}", "threads", "< 100",
                  threads_during < 100)
        sb.report("ListReferrals p50 / p99 before", f"{p50_before:.2f} / {p99_before:.2f}", "ms")
        sb.report("ListReferrals p50 / p99 with the streams open",
                  f"{p50_during:.2f} / {p99_during:.2f}", "ms", "p99 <= 2x before + 5 ms",
                  p99_during <= 2 * p99_before + 5)
        for stream in watches + exports:
            stream.cancel()
        channel.close()
    finally:
        suite.stop_all()


if __name__ == "__main__":
    main()
