"""The lab file's schema (connectors/labschema.py): every wrong type, value and length is a LabFileError naming its
path, checked before anything is built; regressions for the crashes of issue 11."""

import copy
import json

import pytest

from connectors import labs, labschema
from connectors.labfile import LabFileError, data_to_org, org_to_data, parse_lab_file
from connectors.labtemplates import demo_org

WRONG_TYPES = [None, 0, 1.5, True, "x", [], {}, ["x"], [1], {"a": 1}]


def demo() -> dict:
    return {"format": "exchsim-lab", "version": 1, "name": "Demo", "description": "", **org_to_data(demo_org())}


def problems_of(data) -> str:
    with pytest.raises(LabFileError) as caught:
        data_to_org(data)
    return str(caught.value)


def _key_paths(obj, path=()):
    """Every key of the demo file, descending into the first item of each list of objects."""
    for key, value in obj.items():
        yield (*path, key)
        if isinstance(value, dict):
            yield from _key_paths(value, (*path, key))
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            yield from _key_paths(value[0], (*path, key, 0))


def _replaced(data: dict, path: tuple, value) -> dict:
    changed = copy.deepcopy(data)
    target = changed
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return changed


def test_it_refuses_every_wrong_json_type_of_every_key_by_path_never_with_an_exception():
    """Issue 11: 64 unhandled exceptions in 580 wrong-type cases (transport_role, domain_type, kind, …)."""
    data, cases = demo(), 0
    for path in _key_paths(data):
        if path[-1] in ("format", "version"):
            continue
        for wrong in WRONG_TYPES:
            current = data
            for step in path:
                current = current[step]
            if type(current) is type(wrong) and not isinstance(wrong, list | dict):
                continue
            cases += 1
            try:
                data_to_org(_replaced(data, path, wrong))
            except LabFileError:
                pass
    assert cases > 500


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        (("servers", 0, "receive_connectors", 0, "transport_role"), 5, "must be a string, not 5"),
        (("accepted_domains", 0, "domain_type"), ["Authoritative"], "must be a string, not a list"),
        (("recipients", 0, "kind"), None, "must be a string, not null"),
        (("principals", 0, "kind"), {"a": 1}, "must be a string, not an object"),
        (("servers", 0, "receive_connectors", 0, "auth_mechanism"), ["Tls"], "must be a string, not a list"),
        (("servers", 0, "receive_connectors", 0, "permission_groups_written"), 1, "must be a string, not 1"),
        (("servers", 0, "ip_addresses"), "10.0.0.10", 'must be a list of strings, not "10.0.0.10"'),
        (("principals", 0, "member_of"), [1], "must be a string, not 1"),
    ],
)
def test_it_names_the_path_of_each_wrong_type_that_used_to_crash(path, value, expected):
    shown = ".".join(f"[{step}]" if isinstance(step, int) else step for step in path).replace(".[", "[")
    if isinstance(value, list) and value and not isinstance(value[0], str):
        shown += "[0]"
    assert f"{shown}: {expected}" in problems_of(_replaced(demo(), path, value))


def test_it_refuses_an_unknown_usage():
    data = _replaced(demo(), ("servers", 0, "receive_connectors", 0, "usage"), "Bogus")
    message = problems_of(data)
    assert 'servers[0].receive_connectors[0].usage: must be one of "", "Client", "Custom"' in message
    assert 'not "Bogus"' in message


def test_it_stores_a_usage_in_exchanges_spelling():
    data = _replaced(demo(), ("servers", 0, "receive_connectors", 0, "usage"), "custom")
    assert data_to_org(data).connectors[0].usage == "Custom"


def test_it_refuses_duplicate_recipients_by_name_and_by_address():
    data = demo()
    data["recipients"].append(dict(data["recipients"][0]))
    message = problems_of(data)
    assert f"recipients[3].name: A recipient named {data['recipients'][0]['name']} is already in the lab." in message
    assert 'recipients[3].addresses[0]: The proxy address "SMTP:administrator@contoso.com" is already being used' in (
        message
    )


def test_it_refuses_nesting_deeper_than_the_parser_goes_without_a_recursion_error():
    deep = '{"format": "exchsim-lab", "version": 1, "name": ' + "[" * 100_000 + "]" * 100_000 + "}"
    with pytest.raises(LabFileError, match="nests too deeply"):
        parse_lab_file(deep)


def test_nesting_the_parser_can_read_is_refused_by_the_schema_at_its_path():
    data = demo()
    data["servers"][0]["receive_connectors"][0]["acl"][0]["principal"] = json.loads("[" * 900 + "]" * 900)
    assert "servers[0].receive_connectors[0].acl[0].principal: must be a string, not a list" in problems_of(data)


def test_it_refuses_a_number_too_long_to_read_in_words():
    with pytest.raises(LabFileError, match="a number too long to read"):
        parse_lab_file('{"version": ' + "9" * 5000 + "}")


def test_a_huge_number_is_refused_at_its_path_without_printing_it():
    data = _replaced(demo(), ("servers", 0, "receive_connectors", 0, "max_message_size"), 10**300)
    message = problems_of(data)
    assert "max_message_size: The value" in message
    assert "out of range" in message


def test_a_byte_order_mark_is_dropped():
    assert parse_lab_file("\ufeff" + json.dumps(demo()))["name"] == "Demo"


@pytest.mark.parametrize(
    ("path", "length", "limit"),
    [
        (("servers", 0, "name"), 16, 15),
        (("servers", 0, "fqdn"), 10_000, 255),
        (("servers", 0, "receive_connectors", 0, "banner"), 10_000, 500),
        (("servers", 0, "receive_connectors", 0, "fqdn"), 256, 255),
        (("accepted_domains", 0, "name"), 65, 64),
        (("accepted_domains", 0, "domain_name"), 257, 256),
        (("principals", 0, "name"), 256, 255),
        (("organization", "domain_netbios"), 16, 15),
    ],
)
def test_it_refuses_a_text_longer_than_its_limit_in_exchanges_words(path, length, limit):
    data = _replaced(demo(), path, "a" * length)
    shown = ".".join(f"[{step}]" if isinstance(step, int) else step for step in path).replace(".[", "[")
    expected = f"The maximum length is {limit} and the length of the value provided is {length}."
    assert f"{shown}: The length of the property is too long. {expected}" in problems_of(data)


def test_a_lab_name_longer_than_the_column_is_refused():
    data = _replaced(demo(), ("name",), "n" * 201)
    assert "name: is 201 characters long; the longest allowed is 200" in problems_of(data)


def test_it_refuses_nul_in_any_text_by_path():
    data = demo()
    data["servers"][0]["receive_connectors"][0]["comment"] = "a\0b"
    data["recipients"][0]["addresses"][0] = "a\0@contoso.com"
    data["description"] = "\0"
    message = problems_of(data)
    assert "servers[0].receive_connectors[0].comment: The value of Comment contains the null character" in message
    assert "recipients[0].addresses[0]: The value of EmailAddresses contains the null character" in message
    assert "description: contains the null character (U+0000)" in message


def test_it_refuses_unknown_keys_and_shortens_a_huge_one():
    data = demo()
    data["servers"][0]["k" * 10_000] = 1
    message = problems_of(data)
    assert f"servers[0].{'k' * 40}…: unknown key" in message
    assert "k" * 41 not in message


def test_the_readers_see_only_checked_values():
    """The schema runs before anything is built: a file broken in many places lists every problem, in one error."""
    data = demo()
    data["servers"][0]["version"] = "2003"
    data["servers"][0]["receive_connectors"][1]["enabled"] = "yes"
    data["principals"][0]["smtp_password"] = 5
    message = problems_of(data)
    assert message.count("\n") == 2
    assert 'servers[0].version: must be one of "2007"' in message


def test_the_schema_declares_every_key_the_dump_writes():
    for path in _key_paths(demo()):
        schema = labschema.LAB_FILE
        for step in (step for step in path if not isinstance(step, int)):
            assert step in schema, path
            schema = schema[step].of


@pytest.mark.django_db
def test_a_file_without_the_optional_name_and_description_loads():
    data = demo()
    del data["name"], data["description"]
    assert labs.load_lab(json.dumps(data), "unnamed").name == "unnamed"


def test_it_refuses_an_organisation_setting_exchange_refuses_by_its_path():
    data = demo()
    data["organization"]["max_recipient_envelope_limit"] = -1
    data["organization"]["internal_smtp_servers"] = ["10.0.0.999"]
    with pytest.raises(LabFileError) as caught:
        data_to_org(data)
    paths = sorted(path for path, _message in caught.value.problems)
    assert paths == ["organization.internal_smtp_servers", "organization.max_recipient_envelope_limit"]
    assert any("out of range" in message for _path, message in caught.value.problems)
