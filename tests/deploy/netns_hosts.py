"""Hosts for the deploy tests, with no container engine: each host a network namespace with
one address, joined to the others by a veth pair and a bridge; the outside host (the test
itself) is on the bridge too, as a client from another machine would be. Each host's
/etc/hosts names every host, as a container network's DNS would. A host's link can be cut
(its bridge port taken down: its peers get no reset, no FIN, only silence) and restored.

Needs root (ip netns): available() says whether this process may make them.
"""

import os
import shutil
import subprocess
import time

SUBNET = "10.231.{}.{}"


def run(*command, check=True, **kwargs):
    return subprocess.run(command, check=check, capture_output=True, text=True, **kwargs)


def available():
    return os.geteuid() == 0 and run("ip", "netns", "list", check=False).returncode == 0


class Hosts:
    def __init__(self, names):
        self.names = list(names)
        self.tag = f"pi{os.getpid() % 100000}"
        octet = os.getpid() % 200 + 20
        self.addresses = {name: SUBNET.format(octet, index + 2)
                          for index, name in enumerate(self.names)}
        # The outside host's address on the bridge.
        self.client_address = SUBNET.format(octet, 1)
        self.bridge = f"{self.tag}br"
        self.namespaces = []

    def namespace(self, name):
        return f"{self.tag}-{name}"

    def outside_link(self, name):
        return f"{self.tag}v{self.names.index(name)}"

    def create(self):
        run("ip", "link", "add", self.bridge, "type", "bridge")
        run("ip", "link", "set", self.bridge, "up")
        run("ip", "addr", "add", f"{self.client_address}/24", "dev", self.bridge)
        hosts = "127.0.0.1 localhost\n" + "".join(
            f"{address} {name}\n" for name, address in self.addresses.items())
        for index, name in enumerate(self.names):
            namespace = self.namespace(name)
            run("ip", "netns", "add", namespace)
            self.namespaces.append(namespace)
            outside, inside = self.outside_link(name), f"{self.tag}p{index}"
            run("ip", "link", "add", outside, "type", "veth", "peer", "name", inside)
            run("ip", "link", "set", outside, "master", self.bridge, "up")
            run("ip", "link", "set", inside, "netns", namespace)
            run("ip", "-n", namespace, "link", "set", "lo", "up")
            run("ip", "-n", namespace, "addr", "add", f"{self.addresses[name]}/24", "dev",
                inside)
            run("ip", "-n", namespace, "link", "set", inside, "up")
            # `ip netns exec` mounts /etc/netns/NAME/hosts over /etc/hosts.
            os.makedirs(f"/etc/netns/{namespace}", exist_ok=True)
            with open(f"/etc/netns/{namespace}/hosts", "w", encoding="utf-8") as file:
                file.write(hosts)

    def destroy(self):
        for namespace in self.namespaces:
            run("ip", "netns", "delete", namespace, check=False)
            shutil.rmtree(f"/etc/netns/{namespace}", ignore_errors=True)
        run("ip", "link", "delete", self.bridge, check=False)

    def cut(self, name):
        run("ip", "link", "set", self.outside_link(name), "down")

    def restore(self, name):
        run("ip", "link", "set", self.outside_link(name), "up")

    def popen(self, name, command, **kwargs):
        """Starts `command` on host `name`."""
        return subprocess.Popen(["ip", "netns", "exec", self.namespace(name), *command],
                                **kwargs)

    def wait_until(self, name, probe, process, timeout=30):
        """Runs `probe` on host `name` until it succeeds; AssertionError if `process` exits
        first or `timeout` seconds pass."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            if process.poll() is not None:
                raise AssertionError(f"{name} exited with {process.returncode}")
            if run("ip", "netns", "exec", self.namespace(name), *probe,
                   check=False).returncode == 0:
                return
            time.sleep(0.1)
        raise AssertionError(f"{name} never passed {' '.join(probe)}")
