"""A webhook receiver for the relay's tests, written apart from the relay (stdlib only) so that
it checks the wire format independently: it verifies each delivery's Standard Webhooks
signature with its own HMAC, refuses stale timestamps, de-duplicates by event id, and appends
every event it accepts to a JSON-lines file. Flags make it misbehave as real receivers do:
answer 503 to a fraction of requests, stall some past the relay's timeout, refuse given ids
with 400.

It prints `listening <port>` once it serves, then one JSON line per request saying what it did
with it (`accepted`, `duplicate`, `failed`, `stalled`, `refused`, `bad_signature`, `stale`,
`bad_request`). Started again on the same output file, it remembers the ids already accepted.
"""

import argparse
import base64
import hashlib
import hmac
import json
import random
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CONTENT_TYPE = "application/cloudevents+json"
MAX_AGE_SECONDS = 5 * 60


def signing_key(secret):
    """The key bytes of a secret file's content: whsec_ and base64, or the trimmed bytes."""
    secret = secret.strip()
    if secret.startswith("whsec_"):
        return base64.b64decode(secret[len("whsec_"):], validate=True)
    return secret.encode()


def signature_valid(key, webhook_id, timestamp, body, header):
    expected = base64.b64encode(
        hmac.new(key, f"{webhook_id}.{timestamp}.".encode() + body, hashlib.sha256).digest())
    for entry in header.split():
        version, _, signature = entry.partition(",")
        if version == "v1" and hmac.compare_digest(signature.encode(), expected):
            return True
    return False


def has_key(value, key):
    """Whether `key` is a key of any object anywhere in `value`."""
    if isinstance(value, dict):
        return key in value or any(has_key(v, key) for v in value.values())
    if isinstance(value, list):
        return any(has_key(v, key) for v in value)
    return False


class Receiver:
    def __init__(self, args):
        self.args = args
        self.key = signing_key(open(args.secret_file).read())
        self.refused_ids = set(filter(None, args.refuse_ids.split(",")))
        self.random = random.Random(args.seed)
        self.lock = threading.Lock()
        self.accepted = set()
        try:
            with open(args.output) as output:
                for line in output:
                    if line.strip():
                        self.accepted.add(json.loads(line)["id"])
        except FileNotFoundError:
            pass
        self.output = open(args.output, "a")

    def chance(self, fraction):
        with self.lock:
            return self.random.random() < fraction

    def handle(self, headers, body):
        """(HTTP status, outcome, fields to log, whether to stall first)."""
        webhook_id = headers.get("webhook-id", "")
        timestamp = headers.get("webhook-timestamp", "")
        if self.args.stall_fraction and self.chance(self.args.stall_fraction):
            return 503, "stalled", {"id": webhook_id}, True
        if self.args.fail_fraction and self.chance(self.args.fail_fraction):
            return 503, "failed", {"id": webhook_id}, False
        if not headers.get("content-type", "").startswith(CONTENT_TYPE):
            return 415, "bad_request", {"id": webhook_id, "reason": "content type"}, False
        if not timestamp.isdigit():
            return 400, "bad_request", {"id": webhook_id, "reason": "timestamp"}, False
        if abs(time.time() - int(timestamp)) > MAX_AGE_SECONDS:
            return 400, "stale", {"id": webhook_id}, False
        if not signature_valid(self.key, webhook_id, timestamp, body,
                               headers.get("webhook-signature", "")):
            return 401, "bad_signature", {"id": webhook_id}, False
        if webhook_id in self.refused_ids:
            return 400, "refused", {"id": webhook_id}, False
        try:
            event = json.loads(body)
        except ValueError:
            return 400, "bad_request", {"id": webhook_id, "reason": "not JSON"}, False
        if event.get("id") != webhook_id:
            return 400, "bad_request", {"id": webhook_id, "reason": "id mismatch"}, False
        record = {"id": event.get("id"), "subject": event.get("subject"),
                  "type": event.get("type"), "sequence": event.get("sequence"),
                  "has_crn": has_key(event.get("data"), "crn")}
        with self.lock:
            if webhook_id in self.accepted:
                return 200, "duplicate", {"id": webhook_id}, False
            # Written before the answer: an event answered 2xx is on file.
            self.output.write(json.dumps(record) + "\n")
            self.output.flush()
            self.accepted.add(webhook_id)
        return 204, "accepted", {"id": webhook_id}, False


def make_handler(receiver):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):
            length = int(self.headers.get("content-length", "0"))
            body = self.rfile.read(length)
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, outcome, fields, stall = receiver.handle(headers, body)
            if stall:
                time.sleep(receiver.args.stall_seconds)
            log = {"outcome": outcome, "status": status, "peer": self.client_address[1]}
            log.update(fields)
            print(json.dumps(log), flush=True)
            try:
                self.send_response(status)
                if status == 503 and receiver.args.retry_after is not None:
                    self.send_header("Retry-After", str(receiver.args.retry_after))
                self.send_header("Content-Length", "0")
                self.end_headers()
            except OSError:
                pass  # The relay gave up on a stalled request; nobody is listening.

        def log_message(self, *args):
            pass

    return Handler


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--secret_file", required=True)
    parser.add_argument("--output", required=True, help="JSON lines of accepted events")
    parser.add_argument("--fail_fraction", type=float, default=0.0)
    parser.add_argument("--stall_fraction", type=float, default=0.0)
    parser.add_argument("--stall_seconds", type=float, default=2.0)
    parser.add_argument("--retry_after", type=int, default=None,
                        help="Retry-After seconds sent with each 503")
    parser.add_argument("--refuse_ids", default="", help="ids answered 400, comma-separated")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    receiver = Receiver(args)
    ThreadingHTTPServer.allow_reuse_address = True
    ThreadingHTTPServer.daemon_threads = True
    server = ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(receiver))
    print(f"listening {server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
