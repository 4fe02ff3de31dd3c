#!/usr/bin/env python3
"""The contract gate: `buf lint` clean, no breaking change against the released contract,
the google.rpc protos exactly as upstream publishes them, and proof that the gate fails on a
lint error or a breaking change (a gate that cannot fail guards nothing).

Usage: contract_gate_test.py --repo DIR [unittest arguments]
"""

import argparse
import filecmp
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

REPO = None


def buf_path():
    return os.path.join(REPO, "tools/contract/node_modules/.bin/buf")


def run_buf(*args, cwd=None):
    return subprocess.run([buf_path(), *args], cwd=cwd or REPO, capture_output=True, text=True,
                          timeout=120, check=False)


class ContractGate(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not os.access(buf_path(), os.X_OK):
            raise AssertionError(f"{buf_path()} is missing: run scripts/install-deps.sh")

    def test_lint_is_clean(self):
        result = run_buf("lint")
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)

    def test_nothing_breaks_the_released_contract(self):
        result = run_buf("breaking", "--against", "proto/released-contract.binpb")
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)

    def test_google_rpc_protos_are_upstream(self):
        upstream = os.path.join(REPO, "tools/contract/node_modules/google-proto-files/google/rpc")
        for name in ("code.proto", "status.proto", "error_details.proto"):
            with self.subTest(name):
                self.assertTrue(
                    filecmp.cmp(os.path.join(REPO, "proto/google/rpc", name),
                                os.path.join(upstream, name), shallow=False),
                    f"proto/google/rpc/{name} differs from the pinned google-proto-files copy")

    def test_every_error_reason_is_documented_and_every_documented_one_is_sent(self):
        with open(os.path.join(REPO, "libs/status/error_reason.h"), encoding="utf-8") as file:
            code = set(re.findall(r'inline constexpr absl::string_view k\w+ = "([A-Z_]+)";',
                                  file.read()))
        with open(os.path.join(REPO, "docs/errors.md"), encoding="utf-8") as file:
            documented = set(re.findall(r"^\| `([A-Z_]+)` \|", file.read(), re.M))
        self.assertEqual(code, documented)

    def edited_copy(self, path, old, new):
        """A copy of the repository's buf workspace with one proto edited."""
        work = tempfile.mkdtemp(prefix="contract-gate-")
        self.addCleanup(shutil.rmtree, work)
        shutil.copy(os.path.join(REPO, "buf.yaml"), work)
        shutil.copytree(os.path.join(REPO, "proto"), os.path.join(work, "proto"),
                        ignore=shutil.ignore_patterns("CMakeLists.txt"))
        target = os.path.join(work, path)
        with open(target, encoding="utf-8") as file:
            text = file.read()
        self.assertIn(old, text)
        with open(target, "w", encoding="utf-8") as file:
            file.write(text.replace(old, new, 1))
        return work

    def test_the_gate_fails_on_a_lint_error(self):
        work = self.edited_copy("proto/probation/referrals/v1/state_machine.proto",
                                "CLOSING_OUTCOME_UNSPECIFIED = 0;", "CLOSING_OUTCOME_NONE = 0;")
        result = run_buf("lint", cwd=work)
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("ENUM_ZERO_VALUE_SUFFIX", run_buf("lint", "--error-format=json", cwd=work).stdout)

    def test_the_gate_fails_on_a_breaking_change(self):
        # A field's number changed: every client built against the released contract would
        # read the wrong field.
        work = self.edited_copy("proto/probation/referrals/v1/state_machine.proto",
                                "bool terminal = 3;", "bool terminal = 30;")
        result = run_buf("breaking", "--against", os.path.join(REPO, "proto/released-contract.binpb"),
                         cwd=work)
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("terminal", result.stdout + result.stderr)


def main():
    global REPO
    parser = argparse.ArgumentParser()
    parser.add_argument("--repo", required=True)
    args, rest = parser.parse_known_args()
    REPO = os.path.abspath(args.repo)
    unittest.main(argv=[sys.argv[0], *rest], verbosity=2)


if __name__ == "__main__":
    main()
