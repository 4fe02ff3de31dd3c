"""The suite deployed as compose.yaml describes it, with no container engine: each service on
its own host (a network namespace joined to the others by veth pairs and a bridge, with the
service names in its /etc/hosts), configured only through the environment variables
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
import time

import yaml

SERVICES = ["catalogue", "eligibility", "referrals", "gateway", "edge"]
BINARIES = {
    "catalogue": "services/catalogue/catalogue",
    "eligibility": "services/eligibility/eligibility",
    "referrals": "services/referrals/referrals",
    "gateway": "gateway/gateway",
}
EDGE = ["haproxy", "-f", "deploy/edge/haproxy.cfg"]
SUBNET = "10.231.{}.{}"
SKIP = 77


def run(*command, check=True, **kwargs):
    return subprocess.run(command, check=check, capture_output=True, text=True, **kwargs)


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
        self.tag = f"pi{os.getpid() % 100000}"
        self.octet = os.getpid() % 200 + 20
        self.work = tempfile.mkdtemp(prefix="netns-suite-")
        with open(os.path.join(repo, "compose.yaml"), encoding="utf-8") as file:
            self.compose = yaml.safe_load(file)["services"]
        self.variables = {
            "PROBATION_INTERNAL_SECRET": secrets.token_urlsafe(32),
            "PROBATION_JWT_SECRET": secrets.token_urlsafe(32),
        }
        self.addresses = {name: SUBNET.format(self.octet, index + 2)
                          for index, name in enumerate(SERVICES)}
        self.client_address = SUBNET.format(self.octet, 1)
        self.processes = {}
        self.namespaces = []

    def namespace(self, service):
        return f"{self.tag}-{service}"

    # --- hosts ---------------------------------------------------------------------------

    def create_network(self):
        bridge = f"{self.tag}br"
        run("ip", "link", "add", bridge, "type", "bridge")
        run("ip", "link", "set", bridge, "up")
        # The outside host (this test) is on the bridge too, as a published port's client.
        run("ip", "addr", "add", f"{self.client_address}/24", "dev", bridge)
        hosts = "127.0.0.1 localhost\n" + "".join(
            f"{address} {name}\n" for name, address in self.addresses.items())
        for index, service in enumerate(SERVICES):
            namespace = self.namespace(service)
            run("ip", "netns", "add", namespace)
            self.namespaces.append(namespace)
            outside, inside = f"{self.tag}v{index}", f"{self.tag}p{index}"
            run("ip", "link", "add", outside, "type", "veth", "peer", "name", inside)
            run("ip", "link", "set", outside, "master", bridge, "up")
            run("ip", "link", "set", inside, "netns", namespace)
            run("ip", "-n", namespace, "link", "set", "lo", "up")
            run("ip", "-n", namespace, "addr", "add", f"{self.addresses[service]}/24", "dev",
                inside)
            run("ip", "-n", namespace, "link", "set", inside, "up")
            # `ip netns exec` mounts /etc/netns/NAME/hosts over /etc/hosts: service names
            # resolve as a container network's DNS would resolve them.
            os.makedirs(f"/etc/netns/{namespace}", exist_ok=True)
            with open(f"/etc/netns/{namespace}/hosts", "w", encoding="utf-8") as file:
                file.write(hosts)
        self.bridge = bridge

    def destroy(self):
        for service in list(self.processes):
            self.stop(service)
        for namespace in self.namespaces:
            run("ip", "netns", "delete", namespace, check=False)
            shutil.rmtree(f"/etc/netns/{namespace}", ignore_errors=True)
        run("ip", "link", "delete", getattr(self, "bridge", f"{self.tag}br"), check=False)
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
        self.processes[service] = subprocess.Popen(
            ["ip", "netns", "exec", self.namespace(service), *command],
            env=self.environment(service, overrides), stdout=log, stderr=subprocess.STDOUT)
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
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.processes[service].poll() is not None:
                raise AssertionError(f"{service} exited:\n{self.log(service)}")
            if run("ip", "netns", "exec", self.namespace(service), *probe,
                   check=False).returncode == 0:
                return
            time.sleep(0.2)
        raise AssertionError(f"{service} never became healthy:\n{self.log(service)}")

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
    if os.geteuid() != 0 or run("ip", "netns", "list", check=False).returncode != 0:
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
