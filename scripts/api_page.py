#!/usr/bin/env python3
"""Keeps docs/api.md in step with the protos: every RPC of every service is listed in its
service's section, and each link to a proto points at the line of its `rpc`. Without --check
it rewrites the line anchors (`...proto#L42`) to where the RPCs are now; with --check it
changes nothing and exits 1 naming what is out of step.

Usage: api_page.py --repo DIR [--check]
"""

import argparse
import glob
import os
import re
import sys

LINK = re.compile(r"\[`(\w+)`\]\((\.\./proto/[^)#]+\.proto)(?:#L(\d+))?\)")


def rpcs_by_service(repo):
    """{service: {rpc: (proto path relative to docs/, line)}} for every public service."""
    found = {}
    for path in sorted(glob.glob(os.path.join(repo, "proto/probation/*/v1/*.proto"))):
        service = None
        with open(path, encoding="utf-8") as file:
            for number, line in enumerate(file, 1):
                match = re.match(r"\s*service (\w+)", line)
                if match:
                    service = match.group(1)
                match = re.match(r"\s*rpc (\w+)\(", line)
                if match and service:
                    relative = "../" + os.path.relpath(path, repo)
                    found.setdefault(service, {})[match.group(1)] = (relative, number)
    return found


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repo", required=True)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    services = rpcs_by_service(args.repo)
    lines_of = {(path, name): number for rpcs in services.values()
                for name, (path, number) in rpcs.items()}
    page_path = os.path.join(args.repo, "docs", "api.md")
    with open(page_path, encoding="utf-8") as file:
        page = file.read()
    problems = []

    def anchor(match):
        name, path, line = match.group(1), match.group(2), match.group(3)
        number = lines_of.get((path, name))
        if number is None:
            problems.append(f"{name}: no rpc {name} in {path}")
            return match.group(0)
        if line != str(number):
            problems.append(f"{name}: {path} has it at line {number}, the page says {line}")
        return f"[`{name}`]({path}#L{number})"

    updated = LINK.sub(anchor, page)
    listed = {}
    section = None
    for line in updated.split("\n"):
        heading = re.match(r"## `probation\.\w+\.v1\.(\w+)`", line)
        if heading:
            section = heading.group(1)
        row = re.match(r"\| \[`(\w+)`\]", line)
        if row and section:
            listed.setdefault(section, set()).add(row.group(1))
    for service, rpcs in services.items():
        for name in sorted(set(rpcs) - listed.get(service, set())):
            problems.append(f"{service}.{name} is not listed")
    if args.check:
        if problems:
            sys.exit("docs/api.md is out of step with the protos (run scripts/api_page.py):\n  "
                     + "\n  ".join(problems))
        return
    with open(page_path, "w", encoding="utf-8") as file:
        file.write(updated)
    unlisted = [p for p in problems if p.endswith("is not listed") or ": no rpc " in p]
    if unlisted:
        sys.exit("\n".join(unlisted))


if __name__ == "__main__":
    main()
