"""Checks the deployment files against the binaries they deploy, with no container engine:
every environment variable compose.yaml and the Kubernetes manifests set is a setting the
service accepts (read from the binary's own flag list), every port and probe matches the
service, the backends' Kubernetes Services are headless and every address of a backend a
dns:/// target (so each client balances over every pod), the images' build and runtime stages name only Debian 12 packages, the runtime
packages provide every shared library the binary loads, and docs/configuration.md is generated from
the binaries' flags. The HTTP/2 edge (deploy/edge/) is the only published or public
endpoint, is configured only with the settings its HAProxy configuration reads, points at the
gateway, and its configuration carries the caps and passes `haproxy -c`.

Usage: deploy_config_test.py --repo DIR --binary NAME=PATH ... (NAME: catalogue, eligibility,
referrals, gateway, relay).
"""

import argparse
import functools
import glob
import os
import re
import subprocess
import sys
import tempfile
import unittest

import yaml

ARGS = None

SERVICES = {
    "catalogue": {"prefix": "CATALOGUE", "dockerfile": "services/catalogue/Dockerfile",
                  "health": "probation.catalogue.v1.CatalogueService"},
    "eligibility": {"prefix": "ELIGIBILITY", "dockerfile": "services/eligibility/Dockerfile",
                    "health": "probation.eligibility.v1.EligibilityService"},
    "referrals": {"prefix": "REFERRALS", "dockerfile": "services/referrals/Dockerfile",
                  "health": "probation.referrals.v1.ReferralService"},
    "gateway": {"prefix": "GATEWAY", "dockerfile": "gateway/Dockerfile",
                "health": "probation.gateway.v1.InterventionsGateway"},
    # Serves health only (the whole server's status): it calls the gateway as integrators do.
    "relay": {"prefix": "RELAY", "dockerfile": "services/relay/Dockerfile", "health": ""},
}
# The processes no other calls: no Kubernetes Service, and clients of the gateway, not of the
# backends behind it.
CLIENTS = {"relay"}

EDGE_CONFIG = os.path.join("deploy", "edge", "haproxy.cfg")
EDGE_DOCKERFILE = os.path.join("deploy", "edge", "Dockerfile")


@functools.lru_cache(maxsize=None)
def flags_of(service):
    """The service's settings (its own flags and the shared ones in libs/service, not
    Abseil's), with the values they take when not set, from --helpfull."""
    output = subprocess.run([ARGS.binaries[service], "--helpfull"], capture_output=True,
                            text=True, check=False).stdout
    sections = re.findall(r"Flags from (\S+):\n(.*?)(?=\n\n|\Z)", output, re.S)
    ours = [body for path, body in sections if "/absl/" not in f"/{path}"]
    assert ours, f"{service}: no settings of its own in --helpfull"
    flags = {}
    for body in ours:
        for entry in re.split(r"^    --", body, flags=re.M)[1:]:
            entry = " ".join(entry.split())
            name = entry.split(" ", 1)[0]
            value = re.search(r"default: (.*?);(?: currently: (.*?);)?$", entry)
            flags[name] = (value.group(2) or value.group(1)).strip('"')
    return flags


def accepted_variables(service):
    prefix = SERVICES[service]["prefix"]
    return {f"{prefix}_{flag.upper()}" for flag in flags_of(service)}


def repo_path(*parts):
    return os.path.join(ARGS.repo, *parts)


def load_compose():
    with open(repo_path("compose.yaml"), encoding="utf-8") as file:
        return yaml.safe_load(file)


def load_manifests():
    documents = []
    for path in sorted(glob.glob(repo_path("deploy", "k8s", "*.yaml"))):
        with open(path, encoding="utf-8") as file:
            documents += [(os.path.basename(path), doc) for doc in yaml.safe_load_all(file) if doc]
    return documents


def port_of(address):
    return int(address.rsplit(":", 1)[1])


def dns_target(value):
    """(host, port) of a gRPC target `dns:///host:port`, which resolves to every address of
    the name; AssertionError for anything else."""
    match = re.fullmatch(r"dns:///([\w.-]+):(\d+)", value)
    assert match, f"{value} is not dns:///host:port"
    return match.group(1), int(match.group(2))


def edge_config():
    with open(repo_path(EDGE_CONFIG), encoding="utf-8") as file:
        return file.read()


def edge_variables():
    """The EDGE_* settings the edge's HAProxy configuration reads from the environment."""
    text = edge_config()
    return set(re.findall(r"\$\{(EDGE_\w+)", text)) | set(re.findall(r"defined\((EDGE_\w+)\)",
                                                                      text))


class ComposeTest(unittest.TestCase):
    def setUp(self):
        self.compose = load_compose()["services"]

    def test_every_variable_is_a_setting_the_service_accepts(self):
        for service in SERVICES:
            with self.subTest(service=service):
                variables = set(self.compose[service]["environment"])
                self.assertTrue(variables, "configured by the environment")
                self.assertLessEqual(variables, accepted_variables(service))

    def test_ports_health_checks_and_dependencies_match_the_services(self):
        for service, facts in SERVICES.items():
            with self.subTest(service=service):
                spec = self.compose[service]
                port = int(spec["environment"][f"{facts['prefix']}_PORT"])
                probe = spec["healthcheck"]["test"]
                self.assertEqual(probe[1], "probation-health-probe")
                self.assertEqual(port_of(probe[2].split("=", 1)[1]), port)
                self.assertTrue(spec["read_only"])
                self.assertEqual(spec["build"]["dockerfile"], facts["dockerfile"])
                self.assertTrue(os.path.exists(repo_path(facts["dockerfile"])))
                for dependency in spec.get("depends_on", {}).values():
                    self.assertEqual(dependency["condition"], "service_healthy")
                # Addresses of other services name their service and its port, resolved
                # by DNS to every container of it (docker compose up --scale).
                for name, value in spec["environment"].items():
                    if name.endswith("_ADDRESS"):
                        host, target_port = dns_target(value)
                        other = SERVICES[host]["prefix"]
                        self.assertEqual(
                            int(target_port),
                            int(self.compose[host]["environment"][f"{other}_PORT"]))

    def test_every_service_says_which_interface_it_listens_on(self):
        # The binaries listen on loopback unless told otherwise; in a container the compose
        # network is the private one, so each service names it.
        for service, facts in SERVICES.items():
            with self.subTest(service=service):
                self.assertEqual(flags_of(service)["host"], "127.0.0.1", "private by default")
                self.assertEqual(self.compose[service]["environment"].get(
                    f"{facts['prefix']}_HOST"), "0.0.0.0")

    def test_only_the_edge_is_published_and_it_fronts_the_gateway(self):
        published = [name for name, spec in self.compose.items() if spec.get("ports")]
        self.assertEqual(published, ["edge"])
        edge = self.compose["edge"]
        variables = edge["environment"]
        self.assertLessEqual(set(variables), edge_variables())
        gateway_port = self.compose["gateway"]["environment"]["GATEWAY_PORT"]
        self.assertEqual(variables["EDGE_GATEWAY_ADDRESS"], f"gateway:{gateway_port}")
        host_port, container_port = edge["ports"][0].split(":")
        self.assertEqual(port_of(variables["EDGE_BIND"]), int(container_port))
        self.assertEqual(int(host_port), int(gateway_port), "the public port is unchanged")
        self.assertEqual(edge["depends_on"], {"gateway": {"condition": "service_healthy"}})
        self.assertTrue(edge["read_only"])
        self.assertEqual(edge["build"]["dockerfile"], EDGE_DOCKERFILE)
        self.assertIn(f"/127.0.0.1/{port_of(variables['EDGE_METRICS_BIND'])}",
                      " ".join(edge["healthcheck"]["test"]))

    def test_referrals_keep_their_data_on_a_named_volume_or_postgres(self):
        referrals = self.compose["referrals"]
        self.assertIn("referrals-data:/var/lib/probation", referrals["volumes"])
        self.assertIn("referrals-data", load_compose()["volumes"])
        self.assertEqual(self.compose["postgres"]["profiles"], ["postgres"])
        self.assertFalse(referrals["depends_on"]["postgres"]["required"])


class KubernetesTest(unittest.TestCase):
    def setUp(self):
        self.documents = load_manifests()
        self.config_maps = {doc["metadata"]["name"]: doc["data"]
                            for _, doc in self.documents if doc["kind"] == "ConfigMap"}

    def deployment(self, service):
        for _, doc in self.documents:
            if doc["kind"] == "Deployment" and doc["metadata"]["name"] == service:
                return doc
        self.fail(f"no Deployment {service}")

    def environment(self, container):
        variables = {}
        for source in container.get("envFrom", []):
            variables.update(self.config_maps[source["configMapRef"]["name"]])
        for entry in container.get("env", []):
            variables[entry["name"]] = entry.get("value", entry.get("valueFrom"))
        return variables

    def test_every_variable_is_a_setting_the_service_accepts(self):
        for service in SERVICES:
            with self.subTest(service=service):
                container = self.deployment(service)["spec"]["template"]["spec"]["containers"][0]
                self.assertLessEqual(set(self.environment(container)),
                                     accepted_variables(service))

    def test_ports_probes_and_limits_match_the_services(self):
        for service, facts in SERVICES.items():
            with self.subTest(service=service):
                pod = self.deployment(service)["spec"]["template"]["spec"]
                container = pod["containers"][0]
                variables = self.environment(container)
                port = int(variables[f"{facts['prefix']}_PORT"])
                metrics_port = int(variables[f"{facts['prefix']}_METRICS_PORT"])
                ports = {entry["name"]: entry["containerPort"] for entry in container["ports"]}
                self.assertEqual(ports, {"grpc": port, "metrics": metrics_port})
                self.assertEqual(container["livenessProbe"]["grpc"],
                                 {"port": port, "service": "liveness"})
                self.assertEqual(container["readinessProbe"]["grpc"],
                                 {"port": port, "service": facts["health"]})
                self.assertEqual(container["startupProbe"]["grpc"]["port"], port)
                for kind in ("requests", "limits"):
                    self.assertEqual(set(container["resources"][kind]), {"cpu", "memory"})
                self.assertTrue(container["securityContext"]["readOnlyRootFilesystem"])
                self.assertTrue(pod["securityContext"]["runAsNonRoot"])

    def test_every_service_listens_on_the_pod_network(self):
        # Set explicitly (the default is loopback): the Service routes to the pod's address
        # and Prometheus scrapes the metrics port there.
        for service, facts in SERVICES.items():
            with self.subTest(service=service):
                container = self.deployment(service)["spec"]["template"]["spec"]["containers"][0]
                self.assertEqual(self.environment(container).get(f"{facts['prefix']}_HOST"),
                                 "0.0.0.0")

    def test_services_route_to_named_container_ports(self):
        for _, doc in self.documents:
            if doc["kind"] != "Service" or doc["metadata"]["name"] not in SERVICES:
                continue
            container = self.deployment(doc["metadata"]["name"])["spec"]["template"]["spec"][
                "containers"][0]
            names = {entry["name"] for entry in container["ports"]}
            for entry in doc["spec"]["ports"]:
                self.assertIn(entry["targetPort"], names)

    def test_backends_are_headless_and_clients_resolve_every_pod(self):
        # Each client balances its calls over the pods itself (docs/decisions/0014): the
        # Service's name must resolve to every ready pod, and the clients must ask DNS.
        services = {doc["metadata"]["name"]: doc for _, doc in self.documents
                    if doc["kind"] == "Service"}
        backends = [name for name in SERVICES if name != "gateway" and name not in CLIENTS]
        for name in backends:
            with self.subTest(service=name):
                spec = services[name]["spec"]
                self.assertEqual(spec.get("clusterIP"), "None")
                self.assertNotIn("type", spec)
                self.assertFalse(spec.get("publishNotReadyAddresses", False))
        for service, facts in SERVICES.items():
            container = self.deployment(service)["spec"]["template"]["spec"]["containers"][0]
            addresses = {name: value for name, value in self.environment(container).items()
                         if name.endswith("_ADDRESS")}
            for name, value in addresses.items():
                with self.subTest(service=service, setting=name):
                    host, port = dns_target(value)
                    self.assertIn(host, ["gateway"] if service in CLIENTS else backends)
                    # No Service port mapping: the target names the pods' own port.
                    pod = self.deployment(host)["spec"]["template"]["spec"]["containers"][0]
                    ports = {entry["name"]: entry["containerPort"] for entry in pod["ports"]}
                    self.assertEqual(port, ports["grpc"])
        self.assertEqual(
            {name for service in SERVICES for name in self.environment(
                self.deployment(service)["spec"]["template"]["spec"]["containers"][0])
             if name.endswith("_ADDRESS")},
            {"ELIGIBILITY_CATALOGUE_ADDRESS", "REFERRALS_CATALOGUE_ADDRESS",
             "REFERRALS_ELIGIBILITY_ADDRESS", "GATEWAY_CATALOGUE_ADDRESS",
             "GATEWAY_ELIGIBILITY_ADDRESS", "GATEWAY_REFERRALS_ADDRESS",
             "RELAY_GATEWAY_ADDRESS"})

    def test_only_the_edge_is_public_and_it_terminates_tls(self):
        services = {doc["metadata"]["name"]: doc for _, doc in self.documents
                    if doc["kind"] == "Service"}
        public = sorted(name for name, doc in services.items()
                        if doc["spec"].get("type") in ("LoadBalancer", "NodePort"))
        self.assertEqual(public, ["edge"])
        self.assertEqual(services["gateway"]["spec"]["type"], "ClusterIP")
        pod = self.deployment("edge")["spec"]["template"]["spec"]
        container = pod["containers"][0]
        variables = self.environment(container)
        self.assertLessEqual(set(variables), edge_variables())
        gateway_port = services["gateway"]["spec"]["ports"][0]["port"]
        self.assertEqual(variables["EDGE_GATEWAY_ADDRESS"], f"gateway:{gateway_port}")
        ports = {entry["name"]: entry["containerPort"] for entry in container["ports"]}
        self.assertEqual(ports, {"grpc": port_of(variables["EDGE_BIND"]),
                                 "metrics": port_of(variables["EDGE_METRICS_BIND"])})
        self.assertEqual(services["edge"]["spec"]["ports"][0]["targetPort"], "grpc")
        mounts = {mount["name"]: mount["mountPath"] for mount in container["volumeMounts"]}
        self.assertEqual(os.path.dirname(variables["EDGE_TLS_CERT"]), mounts["tls"])
        self.assertEqual(pod["volumes"][0]["secret"]["secretName"], "probation-edge-tls")
        self.assertEqual(container["readinessProbe"]["httpGet"]["path"], "/healthz")
        self.assertTrue(container["securityContext"]["readOnlyRootFilesystem"])
        self.assertTrue(pod["securityContext"]["runAsNonRoot"])

    def test_secrets_come_from_secrets_and_referrals_share_postgres(self):
        referrals = self.deployment("referrals")
        self.assertGreater(referrals["spec"]["replicas"], 1)
        container = referrals["spec"]["template"]["spec"]["containers"][0]
        secret_variables = {entry["name"] for entry in container["env"] if "valueFrom" in entry}
        self.assertEqual(secret_variables, {"REFERRALS_INTERNAL_SECRET", "REFERRALS_DATABASE"})
        for name, data in self.config_maps.items():
            for key in data:
                self.assertNotRegex(key, "SECRET|DATABASE", f"{name} holds a secret")
        gateway = self.deployment("gateway")["spec"]["template"]["spec"]
        self.assertEqual(gateway["volumes"][0]["secret"]["secretName"],
                         "probation-jwt-public-key")


def dockerfile_stages(path):
    """The Dockerfile's stages: (base image, text of its instructions)."""
    with open(path, encoding="utf-8") as file:
        text = re.sub(r"\\\n", " ", file.read())
    stages = re.split(r"^FROM ", text, flags=re.M)[1:]
    return [(stage.split()[0], stage) for stage in stages]


def apt_installed_in(stage_text):
    packages = []
    for command in re.findall(r"apt-get install ([^&\n]*)", stage_text):
        packages += [word for word in command.split() if not word.startswith("-")]
    return packages


def install_deps_packages(profile):
    with open(repo_path("scripts", "install-deps.sh"), encoding="utf-8") as file:
        text = file.read()
    return re.search(profile + r"_packages=\((.*?)\)", text, re.S).group(1).split()


def debian_candidates(packages):
    """Each package's candidate version and where it comes from, per apt's lists."""
    output = subprocess.run(["apt-cache", "policy", *packages], capture_output=True, text=True,
                            check=False).stdout
    policies = {}
    for block in re.split(r"^(?=\S+:$)", output, flags=re.M):
        name = block.split(":", 1)[0].strip()
        candidate = re.search(r"Candidate: (\S+)", block)
        if name:
            policies[name] = (candidate.group(1) if candidate else None, block)
    return policies


@functools.lru_cache(maxsize=None)
def dependency_closure(packages):
    output = subprocess.run(
        ["apt-cache", "depends", "--recurse", "--no-recommends", "--no-suggests",
         "--no-conflicts", "--no-breaks", "--no-replaces", "--no-enhances", *packages],
        capture_output=True, text=True, check=True).stdout
    return {line.strip() for line in output.splitlines() if not line.startswith(" ")} | {
        re.sub(r"[<>]", "", line.split(":", 1)[1].strip())
        for line in output.splitlines() if "Depends:" in line}


def libraries_packages(binary):
    """The Debian packages that provide the shared libraries `binary` loads."""
    output = subprocess.run(["ldd", binary], capture_output=True, text=True, check=True).stdout
    paths = set()
    for path in re.findall(r"=> (\S+)", output):
        real = os.path.realpath(path)
        # dpkg knows some libraries by their merged-/usr alias only.
        paths |= {real, real.replace("/usr/lib/", "/lib/", 1)}
    owners = subprocess.run(["dpkg", "-S", *sorted(paths)], capture_output=True, text=True,
                            check=False).stdout
    found = {}
    for line in owners.splitlines():
        package, path = line.split(": ", 1)
        found[os.path.basename(path)] = package.split(":", 1)[0]
    missing = {os.path.basename(path) for path in paths} - set(found)
    assert not missing, f"{binary}: no package provides {missing}"
    return set(found.values())


class ImageTest(unittest.TestCase):
    def test_build_and_runtime_stages_name_only_debian_12_packages(self):
        named = set(install_deps_packages("build"))
        for facts in SERVICES.values():
            for _, text in dockerfile_stages(repo_path(facts["dockerfile"])):
                named |= set(apt_installed_in(text))
        policies = debian_candidates(sorted(named))
        for package in sorted(named):
            with self.subTest(package=package):
                candidate, policy = policies.get(package, (None, ""))
                self.assertNotIn(candidate, (None, "(none)"), f"{package} is not in Debian")
                self.assertIn("bookworm", policy)

    def test_images_are_debian_12_multi_stage_non_root_with_a_health_check(self):
        for service, facts in SERVICES.items():
            with self.subTest(service=service):
                path = repo_path(facts["dockerfile"])
                stages = dockerfile_stages(path)
                self.assertEqual([base for base, _ in stages], ["debian:12", "debian:12-slim"])
                self.assertIn("install-deps.sh build", stages[0][1])
                runtime = stages[1][1]
                self.assertRegex(runtime, r"USER 10001")
                flags = flags_of(service)
                self.assertRegex(runtime, rf"EXPOSE {flags['port']} {flags['metrics_port']}\b")
                self.assertRegex(runtime, rf"HEALTHCHECK .*probation-health-probe "
                                          rf"--addr=127\.0\.0\.1:\$\{{{facts['prefix']}_PORT:-"
                                          rf"{flags['port']}\}}")
                self.assertIn(f'ENTRYPOINT ["/usr/local/bin/{service}"]', runtime)

    def test_images_carry_the_oci_labels_and_the_suites_version(self):
        with open(repo_path("CMakeLists.txt"), encoding="utf-8") as file:
            version = re.search(r"project\(\w+ VERSION ([\d.]+)", file.read()).group(1)
        for path in [facts["dockerfile"] for facts in SERVICES.values()] + [EDGE_DOCKERFILE]:
            with self.subTest(dockerfile=path):
                stages = dockerfile_stages(repo_path(path))
                runtime = stages[-1][1]
                self.assertIn(f"ARG PROBATION_VERSION={version}\n", runtime)
                for label in ("title", "description", "version", "revision", "created"):
                    self.assertRegex(runtime, rf"org\.opencontainers\.image\.{label}=\"[^\"]+\"")
                if len(stages) > 1:
                    self.assertIn("-DPROBATION_REVISION=${PROBATION_REVISION}", stages[0][1])

    def test_the_build_stage_configures_without_the_test_dependencies(self):
        with tempfile.TemporaryDirectory() as build:
            configure = subprocess.run(
                ["cmake", "-S", ARGS.repo, "-B", build, "-G", "Ninja",
                 "-DCMAKE_BUILD_TYPE=Release", "-DPROBATION_BUILD_TESTS=OFF"],
                capture_output=True, text=True, check=False)
            self.assertEqual(configure.returncode, 0, configure.stderr)
            targets = subprocess.run(["ninja", "-C", build, "-t", "targets", "all"],
                                     capture_output=True, text=True, check=True).stdout
            for facts in SERVICES.values():
                build_line = dockerfile_stages(repo_path(facts["dockerfile"]))[0][1]
                for target in re.search(r"--target ([\w\- ]+)", build_line).group(1).split():
                    self.assertRegex(targets, rf"(^|/){re.escape(target)}: ", target)
            self.assertNotIn("gtest", targets)

    def test_runtime_packages_provide_every_library_the_binary_loads(self):
        for service, facts in SERVICES.items():
            with self.subTest(service=service):
                runtime = dockerfile_stages(repo_path(facts["dockerfile"]))[1][1]
                closure = dependency_closure(tuple(sorted(apt_installed_in(runtime) + ["libc6"])))
                # A sanitizer build's runtimes are that build's, not the image's.
                loaded = {package for package in libraries_packages(ARGS.binaries[service])
                          if not re.match(r"lib(a|ub|t|l)san\d+$", package)}
                missing = loaded - closure
                self.assertFalse(missing, f"{service} loads libraries from {missing}")


class EdgeConfigTest(unittest.TestCase):
    """The caps the edge exists for are in its configuration, and HAProxy accepts it."""

    def test_the_caps_are_there(self):
        text = edge_config()
        for name, pattern in {
                "streams per connection": r"\n  tune\.h2\.max-concurrent-streams \d+\n",
                "header fields per request": r"\n  tune\.http\.maxhdr \d+\n",
                "header size": r"http-request return status 431 if \{ req\.hdrs,length gt \d+ \}",
                "request rate": r"sc_http_req_rate\(0\) gt",
                "rate per address": r"store conn_cur,http_req_rate\(10s\)",
                "te other than trailers": r"!\{ req\.fhdr\(te\) -m str trailers \}",
                "grpclb_client_stats": r"req\.hdr_cnt\(grpclb_client_stats\) gt 0",
                "a call without a message": r"deny deny_status 400 if \{ req\.body_len lt 5 \}",
                "HTTP/2 to the gateway": r"server gateway \S+ proto h2 check",
                "HTTP/2 or TLS for callers": r'bind "\$\{EDGE_BIND\}" proto h2\n',
                "TLS with a certificate": r'bind "\$\{EDGE_BIND\}" ssl crt "\$\{EDGE_TLS_CERT\}" alpn h2',
                "gRPC health check": r"tcp-check expect binary 0+7\d+0+20801\n",
                "slow headers": r"timeout http-request \d+s"}.items():
            with self.subTest(cap=name):
                self.assertRegex(text, pattern)

    def test_haproxy_accepts_the_configuration(self):
        for tls in (False, True):
            with self.subTest(tls=tls), tempfile.TemporaryDirectory() as work:
                environment = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin",
                               "EDGE_BIND": "127.0.0.1:50050",
                               "EDGE_GATEWAY_ADDRESS": "127.0.0.1:50051"}
                if tls:
                    pem = os.path.join(work, "edge.pem")
                    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                                    "-subj", "/CN=edge.test", "-days", "1", "-keyout", pem,
                                    "-out", os.path.join(work, "cert.pem")],
                                   capture_output=True, check=True)
                    with open(os.path.join(work, "cert.pem"), encoding="utf-8") as cert, \
                            open(pem, "a", encoding="utf-8") as out:
                        out.write(cert.read())
                    environment["EDGE_TLS_CERT"] = pem
                check = subprocess.run(["haproxy", "-c", "-f", repo_path(EDGE_CONFIG)],
                                       env=environment, capture_output=True, text=True,
                                       check=False)
                self.assertEqual(check.returncode, 0, check.stdout + check.stderr)

    def test_the_image_is_debian_12_non_root_with_the_configuration(self):
        stages = dockerfile_stages(repo_path(EDGE_DOCKERFILE))
        self.assertEqual([base for base, _ in stages], ["debian:12-slim"])
        text = stages[0][1]
        self.assertEqual(apt_installed_in(text), ["haproxy"])
        self.assertRegex(text, r"USER 10001")
        self.assertIn("COPY deploy/edge/haproxy.cfg /etc/haproxy/edge.cfg", text)
        self.assertIn('ENTRYPOINT ["/usr/sbin/haproxy", "-f", "/etc/haproxy/edge.cfg"]', text)
        policy = debian_candidates(["haproxy"])["haproxy"]
        self.assertNotIn(policy[0], (None, "(none)"))
        self.assertIn("bookworm", policy[1])


class ConfigurationPageTest(unittest.TestCase):
    def test_the_configuration_page_is_generated_from_the_binaries(self):
        binaries = [f"--binary={service}={path}" for service, path in ARGS.binaries.items()]
        run = subprocess.run([sys.executable, repo_path("scripts", "configuration_page.py"),
                              "--page", repo_path("docs", "configuration.md"), "--check",
                              *binaries], capture_output=True, text=True, check=False)
        self.assertEqual(run.returncode, 0, run.stderr)

    def test_the_configuration_page_documents_every_setting(self):
        with open(repo_path("docs/configuration.md"), encoding="utf-8") as file:
            page = file.read()
        for service, facts in SERVICES.items():
            for flag in flags_of(service):
                own = f"| `--{flag}` | `{facts['prefix']}_{flag.upper()}` |"
                shared = f"| `--{flag}` | `<SERVICE>_{flag.upper()}` |"
                with self.subTest(service=service, flag=flag):
                    self.assertTrue(own in page or shared in page,
                                    f"docs/configuration.md documents no --{flag}")


def main():
    global ARGS
    parser = argparse.ArgumentParser()
    parser.add_argument("--repo", required=True)
    parser.add_argument("--binary", action="append", default=[])
    ARGS, rest = parser.parse_known_args()
    ARGS.binaries = dict(entry.split("=", 1) for entry in ARGS.binary)
    unittest.main(argv=[sys.argv[0], *rest], verbosity=2)


if __name__ == "__main__":
    main()
