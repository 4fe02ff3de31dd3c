"""The HTTP/2 edge (deploy/edge/haproxy.cfg, run by Debian's haproxy) in front of the real
suite on loopback: the four service binaries, configured through the environment as the
suite tests configure them, and HAProxy with the repository's configuration file.

Through the edge, with a raw HTTP/2 client (python3-h2) as an attacker would:
  1. the CVE-2023-1428 request (a real gRPC method, `te: x`, then more than 8 KB of headers)
     and its neighbours (`grpclb_client_stats`, 9 KB of headers alone, a call with no
     message, which aborts the gateway) are refused by the edge and never reach the gateway
     (its own log shows no trace of them);
  2. a rapid-reset flood (CVE-2023-44487): thousands of streams on one connection, each
     HEADERS for ListRegions and at once RST_STREAM, as fast as the socket takes them;
  3. the suite still serves: a grpcio client lists the regions through the edge, the
     flooder's address is answered RESOURCE_EXHAUSTED (the request rate cap) without the
     gateway seeing those calls, and the gateway is ready.
Then the same hostile request sent to the gateway directly does reach its HTTP/2 parser
(what the edge exists to stop).

Exits 77 (skipped) when haproxy or python3-h2 is absent; scripts/install-deps.sh installs both.
Usage: edge_test.py --repo DIR --build DIR
"""

import argparse
import json
import os
import re
import secrets
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

SKIP = 77
FLOOD_STREAMS = 5000
PADDING = [(f"x-padding-{index}", "a" * 200) for index in range(45)]  # 9.5 KB of headers
REGIONS_PATH = "/probation.gateway.v1.InterventionsGateway/ListRegions"
EMPTY_MESSAGE = b"\x00\x00\x00\x00\x00"  # a gRPC frame holding an empty request

try:
    import h2.config
    import h2.connection
    import h2.events
    import h2.settings
    import hpack
except ImportError:  # pragma: no cover - reported as a skip below
    h2 = None


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Process:
    """A child process whose combined output is collected line by line."""

    def __init__(self, name, command, environment):
        self.name = name
        self.lines = []
        self.process = subprocess.Popen(
            command, env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", **environment},
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace")
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    def output(self):
        return "\n".join(self.lines)

    def wait_for(self, predicate, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            for line in list(self.lines):
                if predicate(line):
                    return line
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError(f"{self.name}: no expected line\n{self.output()[-3000:]}")

    def alive(self):
        return self.process.poll() is None

    def stop(self):
        if self.alive():
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.reader.join(timeout=5)


def event_line(event):
    return lambda line: f'"event":"{event}"' in line


def serving_port(process):
    return json.loads(process.wait_for(event_line("serving")))["port"]


class Suite:
    """The four services and the edge, on loopback."""

    def __init__(self, repo, build):
        self.repo = repo
        self.build = build
        self.work = tempfile.mkdtemp(prefix="edge-test-")
        self.internal_secret = secrets.token_urlsafe(32)
        self.jwt_secret = secrets.token_urlsafe(32)
        self.processes = {}

    def start_service(self, name, binary, prefix, settings):
        environment = {f"{prefix}_HOST": "127.0.0.1", f"{prefix}_PORT": "0",
                       f"{prefix}_METRICS_PORT": "0",
                       f"{prefix}_INTERNAL_SECRET": self.internal_secret, **settings}
        process = Process(name, [os.path.join(self.build, binary)], environment)
        self.processes[name] = process
        return serving_port(process)

    def start(self):
        catalogue = self.start_service("catalogue", "services/catalogue/catalogue",
                                       "CATALOGUE", {})
        eligibility = self.start_service(
            "eligibility", "services/eligibility/eligibility", "ELIGIBILITY",
            {"ELIGIBILITY_CATALOGUE_ADDRESS": f"127.0.0.1:{catalogue}"})
        referrals = self.start_service(
            "referrals", "services/referrals/referrals", "REFERRALS",
            {"REFERRALS_DATABASE": os.path.join(self.work, "referrals.db"),
             "REFERRALS_CATALOGUE_ADDRESS": f"127.0.0.1:{catalogue}",
             "REFERRALS_ELIGIBILITY_ADDRESS": f"127.0.0.1:{eligibility}"})
        self.gateway_port = self.start_service(
            "gateway", "gateway/gateway", "GATEWAY",
            {"GATEWAY_CATALOGUE_ADDRESS": f"127.0.0.1:{catalogue}",
             "GATEWAY_ELIGIBILITY_ADDRESS": f"127.0.0.1:{eligibility}",
             "GATEWAY_REFERRALS_ADDRESS": f"127.0.0.1:{referrals}",
             "GATEWAY_JWT_ISSUER": "probation-edge-test",
             "GATEWAY_JWT_HS256_SECRET": self.jwt_secret,
             "GATEWAY_HEALTH_CHECK_INTERVAL": "200ms"})
        self.processes["gateway"].wait_for(event_line("ready"))
        # The edge, configured only through the environment its configuration file reads.
        self.edge_port, self.edge_metrics_port = free_port(), free_port()
        self.processes["edge"] = Process(
            "edge", ["haproxy", "-f", os.path.join(self.repo, "deploy/edge/haproxy.cfg")],
            {"EDGE_BIND": f"127.0.0.1:{self.edge_port}",
             "EDGE_GATEWAY_ADDRESS": f"127.0.0.1:{self.gateway_port}",
             "EDGE_METRICS_BIND": f"127.0.0.1:{self.edge_metrics_port}"})
        deadline = time.time() + 15
        while self.edge_health() != 200:
            assert self.processes["edge"].alive(), self.processes["edge"].output()
            assert time.time() < deadline, "the edge never found the gateway healthy\n" + \
                self.processes["edge"].output()
            time.sleep(0.1)

    def edge_health(self):
        """The edge's /healthz: 200 while its gRPC health check of the gateway passes."""
        try:
            with urllib.request.urlopen(
                    f"http://127.0.0.1:{self.edge_metrics_port}/healthz", timeout=2) as reply:
                return reply.status
        except urllib.error.HTTPError as error:
            return error.code
        except OSError:
            return None

    def token(self):
        return subprocess.run(
            [os.path.join(self.build, "tools/probation/probation"), "token",
             "--issuer=probation-edge-test", "--sub=edge-test", "--roles=probation_practitioner",
             "--region=london"], env={"PROBATION_JWT_SECRET": self.jwt_secret},
            capture_output=True, text=True, check=True).stdout.strip()

    def stop(self):
        for name in ("edge", "gateway", "referrals", "eligibility", "catalogue"):
            if name in self.processes:
                self.processes[name].stop()


# --- a raw HTTP/2 client ------------------------------------------------------------------


def h2_call(port, headers, body=EMPTY_MESSAGE, source="127.0.0.1", timeout=5):
    """One request on a new connection, exactly as given (no header validation or
    normalisation): the events the server answered with and the settings it announced."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout,
                                    source_address=(source, 0))
    config = h2.config.H2Configuration(client_side=True, validate_outbound_headers=False,
                                       normalize_outbound_headers=False,
                                       validate_inbound_headers=False)
    connection = h2.connection.H2Connection(config)
    connection.initiate_connection()
    stream = connection.get_next_available_stream_id()
    connection.send_headers(stream, headers, end_stream=body is None)
    if body is not None:
        connection.send_data(stream, body, end_stream=True)
    sock.sendall(connection.data_to_send())
    events = []
    try:
        while not any(isinstance(event, (h2.events.StreamEnded, h2.events.StreamReset,
                                         h2.events.ConnectionTerminated)) for event in events):
            data = sock.recv(65536)
            if not data:
                break
            events += connection.receive_data(data)
            sock.sendall(connection.data_to_send())
    finally:
        sock.close()
    return events, dict(connection.remote_settings)


def request_headers(authority, path, token=None, extra=()):
    headers = [(":method", "POST"), (":scheme", "http"), (":path", path),
               (":authority", authority), ("content-type", "application/grpc")]
    if token:
        headers.append(("authorization", f"Bearer {token}"))
    return headers + list(extra)


def answer(events):
    """What the server answered: ("reset", code), ("http", status, grpc-status) or None."""
    status, grpc_status = None, None
    for event in events:
        if isinstance(event, h2.events.StreamReset):
            return ("reset", int(event.error_code))
        if isinstance(event, (h2.events.ResponseReceived, h2.events.TrailersReceived)):
            fields = {name.decode(): value.decode() for name, value in event.headers}
            status = fields.get(":status", status)
            grpc_status = fields.get("grpc-status", grpc_status)
        if isinstance(event, h2.events.ConnectionTerminated):
            return ("goaway", int(event.error_code))
    return ("http", status, grpc_status) if status else None


def frame(kind, flags, stream, payload=b""):
    return struct.pack(">I", len(payload))[1:] + bytes([kind, flags]) + struct.pack(
        ">I", stream) + payload


HEADERS, RST_STREAM, SETTINGS, PING, GOAWAY = 0x1, 0x3, 0x4, 0x6, 0x7


def rapid_reset_flood(port, authority, token, streams, source):
    """HEADERS then RST_STREAM(CANCEL) for `streams` streams on one connection, written as
    fast as the socket takes them; counts the frames the server answers with."""
    # The first block adds its fields to HPACK's dynamic table; the others refer to them.
    encoder = hpack.Encoder()
    fields = request_headers(authority, REGIONS_PATH, token, [("te", "trailers")])
    first, repeat = encoder.encode(fields), encoder.encode(fields)
    sock = socket.create_connection(("127.0.0.1", port), timeout=10, source_address=(source, 0))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    counts = {"headers": 0, "rst_stream": 0, "goaway": None, "ping_ack": False, "closed": False}

    def read():
        buffer = b""
        while True:
            try:
                data = sock.recv(1 << 16)
            except OSError:
                data = b""
            if not data:
                counts["closed"] = True
                return
            buffer += data
            while len(buffer) >= 9:
                length = int.from_bytes(buffer[:3], "big")
                if len(buffer) < 9 + length:
                    break
                kind, flags, payload = buffer[3], buffer[4], buffer[9:9 + length]
                buffer = buffer[9 + length:]
                if kind == HEADERS:
                    counts["headers"] += 1
                elif kind == RST_STREAM:
                    counts["rst_stream"] += 1
                elif kind == GOAWAY:
                    counts["goaway"] = int.from_bytes(payload[4:8], "big")
                elif kind == PING and flags & 1 and payload == b"floodend":
                    counts["ping_ack"] = True
                    return

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    started = time.time()
    sent = 0
    try:
        sock.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + frame(SETTINGS, 0, 0))
        batch = []
        for index in range(streams):
            stream = 2 * index + 1
            batch.append(frame(HEADERS, 0x4, stream, first if index == 0 else repeat))
            batch.append(frame(RST_STREAM, 0, stream, struct.pack(">I", 0x8)))  # CANCEL
            if len(batch) >= 200:
                sock.sendall(b"".join(batch))
                sent = index + 1
                batch = []
        sock.sendall(b"".join(batch) + frame(PING, 0, 0, b"floodend"))
        sent = streams
    except OSError:
        pass  # the edge closed the connection: what it does with a flood is the result
    elapsed = time.time() - started
    reader.join(timeout=10)
    sock.close()
    return sent, elapsed, counts


# --- the scenario ---------------------------------------------------------------------------


def check(condition, message):
    if not condition:
        raise AssertionError(message)


def grpc_list_regions(address, token, stubs):
    sys.path.insert(0, stubs)
    import grpc  # Debian's python3-grpcio
    from probation.catalogue.v1 import catalogue_service_pb2
    from probation.gateway.v1 import gateway_service_pb2_grpc
    with grpc.insecure_channel(address) as channel:
        gateway = gateway_service_pb2_grpc.InterventionsGatewayStub(channel)
        try:
            reply = gateway.ListRegions(catalogue_service_pb2.ListRegionsRequest(), timeout=5,
                                        metadata=(("authorization", f"Bearer {token}"),))
            return grpc.StatusCode.OK, [region.id for region in reply.regions]
        except grpc.RpcError as error:
            return error.code(), []


def gateway_log_mentions_te(suite):
    time.sleep(1.5)  # the services write their log lines out once a second
    return [line for line in suite.processes["gateway"].lines
            if re.search(r"key=te\b|Bad :te header", line)]


def scenario(suite, stubs):
    token = suite.token()
    edge = f"127.0.0.1:{suite.edge_port}"

    # A normal call through the edge, first: gRPC trailers pass through HAProxy.
    code, regions = grpc_list_regions(edge, token, stubs)
    check(code.name == "OK" and "london" in regions, f"ListRegions through the edge: {code}")
    print(f"ListRegions through the edge: OK, {len(regions)} regions")

    # 1. The CVE-2023-1428 request and its neighbours.
    hostile = {
        "te: x, then 9.5 KB of headers (CVE-2023-1428)": [("te", "x")] + PADDING,
        "te: x alone": [("te", "x")],
        "grpclb_client_stats, then 9.5 KB of headers": [("grpclb_client_stats", "x")] + PADDING,
        "9.5 KB of headers": [("te", "trailers")] + PADDING,
        "one 9 KB header": [("te", "trailers"), ("x-large", "b" * 9000)],
    }
    # A call with no message at all (HEADERS ending the stream): gRPC 1.51 hands the
    # gateway's pass-through handler no request, and the gateway aborts on forwarding it.
    hostile["no message (HEADERS with END_STREAM)"] = [("te", "trailers")]
    hostile[":scheme x, then 9.5 KB of headers"] = [("te", "trailers")] + PADDING
    for name, extra in hostile.items():
        body = None if name.startswith("no message") else EMPTY_MESSAGE
        headers = request_headers(edge, REGIONS_PATH, token, extra)
        if name.startswith(":scheme"):
            headers[1] = (":scheme", "x")
        events, settings = h2_call(suite.edge_port, headers, body)
        reply = answer(events)
        print(f"edge answered {name}: {reply}")
        refused = reply is not None and (reply[0] in ("reset", "goaway") or
                                         (reply[0] == "http" and reply[1] != "200"))
        check(refused, f"the edge refused {name}: {reply}")
        check(settings.get(h2.settings.SettingCodes.MAX_CONCURRENT_STREAMS) == 100,
              f"the edge caps streams per connection: {settings}")
    check(not gateway_log_mentions_te(suite), "a hostile te header reached the gateway")
    check(suite.processes["gateway"].alive(), "the gateway is running")
    print("none of them reached the gateway")

    # 2. A rapid-reset flood on one connection, from its own address (127.0.0.2).
    gateway_calls_before = len([line for line in suite.processes["gateway"].lines
                                if "ListRegions" in line])
    sent, elapsed, counts = rapid_reset_flood(suite.edge_port, edge, token, FLOOD_STREAMS,
                                              "127.0.0.2")
    time.sleep(1.5)
    gateway_calls = len([line for line in suite.processes["gateway"].lines
                         if "ListRegions" in line]) - gateway_calls_before
    print(f"rapid reset: {sent} of {FLOOD_STREAMS} streams opened and reset in {elapsed:.2f}s; "
          f"the edge answered {counts['headers']} HEADERS, {counts['rst_stream']} RST_STREAM, "
          f"GOAWAY {counts['goaway']}, ping acknowledged {counts['ping_ack']}; "
          f"{gateway_calls} calls reached the gateway")
    check(sent >= 1000 or counts["goaway"] is not None or counts["closed"],
          "the flood was sent, or the edge cut it off")
    check(gateway_calls <= 1100, f"the rate cap let {gateway_calls} flood calls through")

    # 3. The suite still serves, and the flooder is held back by the request rate cap.
    check(all(process.alive() for process in suite.processes.values()),
          "every process is running")
    check(suite.edge_health() == 200, "the edge finds the gateway healthy")
    code, regions = grpc_list_regions(edge, token, stubs)
    check(code.name == "OK" and "london" in regions, f"ListRegions after the flood: {code}")
    events, _ = h2_call(suite.edge_port, request_headers(edge, REGIONS_PATH, token,
                                                         [("te", "trailers")]),
                        source="127.0.0.2")
    reply = answer(events)
    check(reply == ("http", "200", "8"),
          f"the flooder's address is answered RESOURCE_EXHAUSTED: {reply}")
    print(f"after the flood: ListRegions OK through the edge; the flooder's address answered "
          f"{reply} (gRPC RESOURCE_EXHAUSTED)")

    # Without the edge, the same request reaches the gateway's HTTP/2 parser.
    events, _ = h2_call(suite.gateway_port, request_headers(
        f"127.0.0.1:{suite.gateway_port}", REGIONS_PATH, token, [("te", "x")] + PADDING))
    reply = answer(events)
    alive = suite.processes["gateway"].alive()
    print(f"the gateway alone answered the CVE-2023-1428 request: {reply}; "
          f"{'still running' if alive else 'it exited'}")
    check(not alive or gateway_log_mentions_te(suite),
          "directly, the gateway's own parser meets the te header")

    # The gateway itself survives what the edge keeps from it: a call with no message is
    # refused INVALID_ARGUMENT, and a rapid-reset flood straight at it leaves it serving.
    direct = f"127.0.0.1:{suite.gateway_port}"
    events, _ = h2_call(suite.gateway_port,
                        request_headers(direct, REGIONS_PATH, token, [("te", "trailers")]), None)
    reply = answer(events)
    print(f"the gateway alone answered a call with no message: {reply}")
    check(reply == ("http", "200", "3"), f"INVALID_ARGUMENT for no message: {reply}")
    sent, elapsed, _ = rapid_reset_flood(suite.gateway_port, direct, token, FLOOD_STREAMS,
                                         "127.0.0.3")
    time.sleep(1.0)
    check(suite.processes["gateway"].alive(), "the gateway survives a flood straight at it")
    code, regions = grpc_list_regions(direct, token, stubs)
    check(code.name == "OK", f"ListRegions straight at the gateway after its flood: {code}")
    print(f"straight at the gateway: {sent} streams reset in {elapsed:.2f}s; still serving")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repo", required=True)
    parser.add_argument("--build", required=True)
    parser.add_argument("--stubs", required=True, help="grpcio stubs generated from proto/")
    args = parser.parse_args()
    haproxy = subprocess.run(["sh", "-c", "command -v haproxy"], capture_output=True,
                             env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin"})
    if haproxy.returncode != 0 or h2 is None:
        print("skipped: needs haproxy and python3-h2 (scripts/install-deps.sh installs them)")
        return SKIP
    suite = Suite(os.path.abspath(args.repo), os.path.abspath(args.build))
    try:
        suite.start()
        scenario(suite, os.path.abspath(args.stubs))
    except Exception:
        for name, process in suite.processes.items():
            print(f"--- {name} output (tail)\n{process.output()[-3000:]}", file=sys.stderr)
        raise
    finally:
        suite.stop()
    print("1 passed, 0 failed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
