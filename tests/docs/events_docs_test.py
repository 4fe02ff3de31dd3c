"""Keeps the events pages in step with the contract: every ReferralEvent.Type of
proto/probation/referrals/v1/referral.proto (but TYPE_UNSPECIFIED) has its row in
docs/events.md's table of event types and its message in docs/events/asyncapi.yaml, and
neither names a type the proto does not have. The AsyncAPI document is AsyncAPI 3, its one
operation receives by HTTP POST, every message carries the webhook headers, and its schemas
name every ReferralEvent and Referral field and every ReferralState. The page's table of
submissions matches services/referrals/data/state_machines.textproto.

Usage: events_docs_test.py --repo DIR
"""

import argparse
import re
import sys
import unittest

import yaml

ARGS = None

HEADERS = {"webhook-id", "webhook-timestamp", "webhook-signature", "content-type"}
CLOUDEVENT_TYPE_PREFIX = "uk.gov.justice.probation.referral."
# Filled in by the gateway's GetReferral only; never on an event.
GATEWAY_ONLY_REFERRAL_FIELDS = {"intervention_title", "allowed_transitions"}


def read(*parts):
    with open("/".join([ARGS.repo, *parts]), encoding="utf-8") as file:
        return file.read()


def block(text, opening):
    """The text between `opening` (which ends with "{") and its matching "}"."""
    start = text.index(opening) + len(opening)
    depth = 1
    for index in range(start, len(text)):
        if text[index] == "{":
            depth += 1
        elif text[index] == "}":
            depth -= 1
            if depth == 0:
                return text[start:index]
    raise ValueError(f"no end to {opening!r}")


def without_comments(proto):
    return re.sub(r"//[^\n]*", "", proto)


def enum_values(body):
    return [name for name in re.findall(r"\b([A-Z][A-Z0-9_]*)\s*=\s*\d+\s*;", body)
            if not name.endswith("_UNSPECIFIED")]


def top_level_fields(body):
    """The names of a message body's own fields (not those of nested messages or enums)."""
    fields, depth = [], 0
    for line in body.splitlines():
        if depth == 0:
            match = re.match(r"\s*(?:repeated\s+|optional\s+)?[\w.]+\s+(\w+)\s*=\s*\d+", line)
            if match:
                fields.append(match.group(1))
        depth += line.count("{") - line.count("}")
    return fields


def lower_camel(name):
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def event_types():
    proto = without_comments(read("proto/probation/referrals/v1/referral.proto"))
    return enum_values(block(block(proto, "message ReferralEvent {"), "enum Type {"))


def short_name(event_type):
    return event_type[len("TYPE_"):].lower()


class EventsPage(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.types = event_types()
        cls.page = read("docs/events.md")

    def test_the_proto_has_event_types(self):
        self.assertIn("TYPE_CREATED", self.types)
        self.assertGreaterEqual(len(self.types), 7)

    def test_every_event_type_has_its_row_and_no_other(self):
        rows = set(re.findall(r"(?m)^\| `(TYPE_[A-Z_]+)` \|", self.page))
        for event_type in self.types:
            with self.subTest(event_type=event_type):
                self.assertIn(event_type, rows,
                              f"docs/events.md's table of event types has no {event_type}")
        self.assertEqual(set(), rows - set(self.types),
                         "docs/events.md has rows for types the proto does not have")

    def test_the_page_links_the_asyncapi_document(self):
        self.assertIn("](events/asyncapi.yaml)", self.page)

    def test_the_submissions_table_matches_the_state_machines(self):
        machines = read("services/referrals/data/state_machines.textproto")
        machines = re.sub(r"(?m)#[^\n]*", "", machines)
        expected = set()
        for chunk in machines.split("machines {")[1:]:
            kind = re.search(r"\bkind:\s*(\w+)", chunk).group(1)
            for transition in re.findall(r"transitions\s*\{(.*?)\n\s*\}", chunk, re.DOTALL):
                if re.search(r"\bsubmission:\s*true", transition):
                    action = re.search(r'\baction:\s*"([^"]+)"', transition).group(1)
                    to_state = re.search(r"\bto:\s*(\w+)", transition).group(1)
                    expected.add((kind, action, to_state))
        self.assertEqual(3, len(expected), "one submission per machine")
        documented = set(re.findall(
            r"(?m)^\| `(INTERVENTION_KIND_\w+)` \| `([\w-]+)` \| `(REFERRAL_STATE_\w+)` \|$",
            self.page))
        self.assertEqual(expected, documented)


class AsyncApiDocument(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.types = event_types()
        cls.doc = yaml.safe_load(read("docs/events/asyncapi.yaml"))

    def resolve(self, node):
        while isinstance(node, dict) and "$ref" in node:
            reference = node["$ref"]
            self.assertTrue(reference.startswith("#/"), f"only local references: {reference}")
            node = self.doc
            for part in reference[2:].split("/"):
                node = node[part]
        return node

    def schema_of(self, name):
        return self.resolve({"$ref": f"#/components/schemas/{name}"})

    def enum_of(self, schema):
        schema = self.resolve(schema)
        for part in schema.get("allOf", []):
            schema = self.resolve(part)
        return schema["enum"]

    def message_part(self, message, part):
        """A message's `part`, from the message itself or else from its traits."""
        if part in message:
            return self.resolve(message[part])
        for trait in message.get("traits", []):
            trait = self.resolve(trait)
            if part in trait:
                return self.resolve(trait[part])
        return None

    def consts(self, payload, *path):
        """Every `const` a payload's schema (through allOf) sets at properties `path`."""
        found = []
        payload = self.resolve(payload)
        for part in [payload, *[self.resolve(p) for p in payload.get("allOf", [])]]:
            node = part
            for name in path:
                node = self.resolve(node.get("properties", {}).get(name, {}))
            if "const" in node:
                found.append(node["const"])
        return found

    def messages_by_name(self):
        return {message["name"]: (key, message)
                for key, message in self.doc["components"]["messages"].items()}

    def test_it_is_asyncapi_3(self):
        self.assertRegex(str(self.doc["asyncapi"]), r"^3\.\d+\.\d+$")

    def test_every_event_type_has_its_message_and_no_other(self):
        messages = self.messages_by_name()
        for event_type in self.types:
            name = f"referral.{short_name(event_type)}"
            with self.subTest(event_type=event_type):
                self.assertIn(name, messages, f"docs/events/asyncapi.yaml has no message {name}")
                payload = messages[name][1]["payload"]
                self.assertIn(CLOUDEVENT_TYPE_PREFIX + short_name(event_type),
                              self.consts(payload, "type"))
                self.assertIn(event_type, self.consts(payload, "data", "type"))
        self.assertEqual(set(), set(messages) - {f"referral.{short_name(t)}" for t in self.types},
                         "messages for types the proto does not have")

    def test_the_schemas_list_exactly_the_event_types(self):
        self.assertEqual(set(self.types), set(self.schema_of("EventType")["enum"]))
        self.assertEqual({CLOUDEVENT_TYPE_PREFIX + short_name(t) for t in self.types},
                         set(self.schema_of("CloudEvent")["properties"]["type"]["enum"]))

    def test_one_channel_and_one_receive_operation_by_post_carry_every_message(self):
        self.assertEqual(1, len(self.doc["channels"]))
        (channel_key, channel), = self.doc["channels"].items()
        in_channel = {self.resolve(m)["name"] for m in channel["messages"].values()}
        self.assertEqual(set(self.messages_by_name()), in_channel)
        self.assertEqual(1, len(self.doc["operations"]))
        (_, operation), = self.doc["operations"].items()
        self.assertEqual("receive", operation["action"])
        self.assertEqual(f"#/channels/{channel_key}", operation["channel"]["$ref"])
        self.assertEqual("POST", operation["bindings"]["http"]["method"])
        in_operation = {self.resolve(m)["name"] for m in operation["messages"]}
        self.assertEqual(set(self.messages_by_name()), in_operation)

    def test_every_message_carries_the_webhook_headers(self):
        for name, (_, message) in self.messages_by_name().items():
            with self.subTest(message=name):
                headers = self.message_part(message, "headers")
                self.assertIsNotNone(headers, "no headers")
                self.assertEqual(HEADERS, set(headers["properties"]))
                self.assertEqual(HEADERS, set(headers["required"]))
                bindings = self.message_part(message, "bindings")
                http_headers = self.resolve(bindings["http"]["headers"])
                self.assertEqual(HEADERS, set(http_headers["properties"]))

    def test_the_data_schema_names_every_field_of_the_event_and_the_referral(self):
        proto = without_comments(read("proto/probation/referrals/v1/referral.proto"))
        for message, schema in (("ReferralEvent", "ReferralEvent"), ("Referral", "Referral")):
            fields = set(top_level_fields(block(proto, f"message {message} {{")))
            if message == "Referral":
                fields -= GATEWAY_ONLY_REFERRAL_FIELDS
            with self.subTest(message=message):
                self.assertTrue(fields)
                self.assertEqual({lower_camel(f) for f in fields},
                                 set(self.schema_of(schema)["properties"]))

    def test_the_referral_states_are_the_protos(self):
        proto = without_comments(read("proto/probation/referrals/v1/state_machine.proto"))
        states = enum_values(block(proto, "enum ReferralState {"))
        self.assertEqual(set(states), set(self.schema_of("ReferralState")["enum"]))


def main():
    global ARGS
    parser = argparse.ArgumentParser()
    parser.add_argument("--repo", required=True)
    ARGS, rest = parser.parse_known_args()
    unittest.main(argv=[sys.argv[0], *rest], verbosity=2)


if __name__ == "__main__":
    main()
