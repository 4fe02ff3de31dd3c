"""The suite deployed as compose.yaml describes it, with no container engine: each service on
its own host (netns_hosts.py: a network namespace joined to the others by veth pairs and a
bridge, with the service names in its /etc/hosts), configured only through the environment variables
compose.yaml sets, the referrals volume as a directory. A client on the outside host drives
a referral through the published port, the HTTP/2 edge (HAProxy with deploy/edge/haproxy.cfg)
in front of the gateway; then one service is restarted with a new
configuration while the others keep running, and the flow goes on with its data intact.

Needs root (ip netns). Exits 77 (skipped) without it.
Usage: netns_suite_test.py --repo DIR --build DIR
"""

import argparse
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile

import yaml

from netns_hosts import Hosts, available, run

SERVICES = ["catalogue", "eligibility", "referrals", "gateway", "edge"]
BINARIES = {
    "catalogue": "services/catalogue/catalogue",
    "eligibility": "services/eligibility/eligibility",
    "referrals": "services/referrals/referrals",
    "gateway": "gateway/gateway",
}
EDGE = ["haproxy", "-f", "deploy/edge/haproxy.cfg"]
SKIP = 77


def interpolate(value, variables):
    """Compose's ${NAME}, ${NAME:-default} and ${NAME:?message}."""
    def replace(match):
        name, operator, argument = match.group(1), match.group(2), match.group(3)
        if name in variables:
            return variables[name]
        if operator == ":-":
            return argument
        raise KeyError(f"compose.yaml needs {name}: {argument}")
    return re.sub(r"\$\{(\w+)(?:(:[-?])([^}]*))?\}", replace, str(value))


class Deployment:
    def __init__(self, repo, build):
        self.repo = repo
        self.build = build
        self.work = tempfile.mkdtemp(prefix="netns-suite-")
        with open(os.path.join(repo, "compose.yaml"), encoding="utf-8") as file:
            self.compose = yaml.safe_load(file)["services"]
        self.variables = {
            "PROBATION_INTERNAL_SECRET": secrets.token_urlsafe(32),
            "PROBATION_JWT_SECRET": secrets.token_urlsafe(32),
        }
        self.hosts = Hosts(SERVICES)
        self.addresses = self.hosts.addresses
        self.processes = {}

    def create_network(self):
        self.hosts.create()

    def destroy(self):
        for service in list(self.processes):
            self.stop(service)
        self.hosts.destroy()
        shutil.rmtree(self.work, ignore_errors=True)

    # --- services ------------------------------------------------------------------------

    def environment(self, service, overrides=None):
        """The variables compose.yaml sets for the service, and nothing else of ours."""
        spec = self.compose[service]
        variables = {name: interpolate(value, self.variables)
                     for name, value in spec["environment"].items()}
        # A volume is a directory on the host; its container path maps onto it.
        for volume in spec.get("volumes", []):
            _, container_path = volume.split(":", 1)
            host_path = os.path.join(self.work, service + container_path.replace("/", "_"))
            os.makedirs(host_path, exist_ok=True)
            variables = {name: value.replace(container_path, host_path)
                         for name, value in variables.items()}
        variables.update(overrides or {})
        return {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", **variables}

    def start(self, service, overrides=None):
        log = open(os.path.join(self.work, f"{service}.log"), "a", encoding="utf-8")
        if service == "edge":  # the image's configuration file, from the repository
            command = [EDGE[0], EDGE[1], os.path.join(self.repo, EDGE[2])]
        else:
            command = [os.path.join(self.build, BINARIES[service])]
        self.processes[service] = self.hosts.popen(
            service, command, env=self.environment(service, overrides), stdout=log,
            stderr=subprocess.STDOUT)
        self.wait_healthy(service)

    def stop(self, service):
        process = self.processes.pop(service)
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)

    def wait_healthy(self, service):
        """The container health check compose.yaml gives the service, run on its host."""
        probe = self.compose[service]["healthcheck"]["test"][1:]
        if probe[0] == "probation-health-probe":
            probe[0] = os.path.join(self.build, "tools/health_probe/probation-health-probe")
        try:
            self.hosts.wait_until(service, probe, self.processes[service])
        except AssertionError as error:
            raise AssertionError(f"{error}:\n{self.log(service)}") from None

    def log(self, service):
        with open(os.path.join(self.work, f"{service}.log"), encoding="utf-8") as file:
            return file.read()

    # --- the client on the outside host ----------------------------------------------------

    def gateway_address(self):
        """The published port: the edge's, in front of the gateway."""
        published = self.compose["edge"]["ports"][0].split(":")[0]
        return f"{self.addresses['edge']}:{published}"

    def token(self, role, region):
        cli = os.path.join(self.build, "tools/probation/probation")
        issuer = self.compose["gateway"]["environment"]["GATEWAY_JWT_ISSUER"]
        return run(cli, "token", f"--issuer={issuer}", f"--sub={role}-netns",
                   f"--roles={role}", f"--region={region}",
                   env={"PROBATION_JWT_SECRET": self.variables["PROBATION_JWT_SECRET"]}
                   ).stdout.strip()

    def cli(self, token, *args):
        result = run(os.path.join(self.build, "tools/probation/probation"), "--json",
                     f"--address={self.gateway_address()}", f"--token={token}", *args,
                     check=False)
        if result.returncode != 0:
            raise AssertionError(f"probation {' '.join(args)}: {result.stdout}{result.stderr}")
        return [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]


PROFILE = ["--crn=N141421", "--date_of_birth=1984-09-30", "--sex=male",
           "--person_region=london", "--sentence=community-order", "--has_rar",
           "--risk_of_reoffending=medium", "--offences=acquisitive",
           "--needs=attitudes-thinking-behaviour"]


def check(condition, message):
    if not condition:
        raise AssertionError(message)


def scenario(deployment):
    deployment.create_network()
    for service in SERVICES:
        deployment.start(service)
    practitioner = deployment.token("probation_practitioner", "london")
    team = deployment.token("programme_team", "london")

    found = deployment.cli(practitioner, "find", "--kind=accredited-programme", *PROFILE)[0]
    eligible = [m for m in found["matches"] if m["verdict"]["outcome"] == "OUTCOME_ELIGIBLE"]
    check(eligible, "an eligible programme")
    created = deployment.cli(practitioner, "referrals", "create",
                             f"--intervention={eligible[0]['intervention']['name']}",
                             "--region=london", *PROFILE)[0]
    deployment.cli(practitioner, "referrals", "submit", created["id"])
    moved = deployment.cli(team, "referrals", "transition", created["id"],
                           "--to=awaiting-assessment")[0]
    check(moved["state"] == "REFERRAL_STATE_AWAITING_ASSESSMENT", "moved on by the team")
    print("flow through the edge and the gateway: ok")

    # A new configuration for the referrals service; the others keep running.
    others = {name: deployment.processes[name].pid for name in SERVICES if name != "referrals"}
    deployment.stop("referrals")
    deployment.start("referrals", {"REFERRALS_WORKERS": "4"})
    check(all(deployment.processes[name].pid == pid and deployment.processes[name].poll() is None
              for name, pid in others.items()), "the other services kept running")
    check('"workers":4' in deployment.log("referrals"), "the new configuration took effect")
    listed = deployment.cli(team, "referrals", "list")[0]
    check([r["id"] for r in listed["referrals"]] == [created["id"]],
          "the referral survived on the volume")
    started = deployment.cli(team, "referrals", "transition", created["id"],
                             "--to=assessment-started")[0]
    check(started["state"] == "REFERRAL_STATE_ASSESSMENT_STARTED", "the flow goes on")
    print("restart with a new configuration: ok")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repo", required=True)
    parser.add_argument("--build", required=True)
    args = parser.parse_args()
    if not available():
        print("skipped: network namespaces need root")
        return SKIP
    deployment = Deployment(os.path.abspath(args.repo), os.path.abspath(args.build))
    try:
        scenario(deployment)
    except Exception:
        for service in SERVICES:
            path = os.path.join(deployment.work, f"{service}.log")
            if os.path.exists(path):
                print(f"--- {service} log (tail)", file=sys.stderr)
                print(deployment.log(service)[-3000:], file=sys.stderr)
        raise
    finally:
        deployment.destroy()
    print("1 passed, 0 failed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
