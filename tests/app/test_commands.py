"""The lab commands: createlab, copylab, dumplab/loadlab, generatelab, simulate, demo."""

import json
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from connectors import labfile, labs, labtemplates
from connectors.models import Lab

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_list_templates_names_every_template():
    listed = run("createlab", "--list-templates")
    for name in ("empty", "exchange2007", "exchange2010", "exchange2013", "exchange2016", "exchange2019", "exchangese"):
        assert name in listed
    assert "exchangese-edge" in listed


@pytest.mark.parametrize("template", list(labtemplates.TEMPLATES))
def test_createlab_builds_each_template(template):
    run("createlab", "lab", "--template", template)
    lab = Lab.objects.get(slug="lab")
    if template == "empty":
        assert not lab.servers.exists()
        return
    ex01 = lab.servers.get(name="EX01")
    assert (ex01.fqdn, ex01.ip_addresses) == ("ex01.contoso.com", "10.0.0.10")
    assert ex01.receive_connectors.filter(created_by_setup=True).exists()
    domain = lab.accepted_domains.get()
    assert (domain.domain_name, domain.domain_type, domain.default) == ("contoso.com", "Authoritative", True)
    assert lab.recipients.filter(addresses__contains="administrator@contoso.com").exists()


def test_the_edge_template_has_an_edge_server_beside_the_internal_one():
    run("createlab", "edge", "--template", "exchangese-edge")
    roles = dict(Lab.objects.get(slug="edge").servers.values_list("name", "roles"))
    assert roles == {"EX01": "Mailbox", "EDGE01": "Edge"}


def test_the_2013_template_has_setups_five_connectors():
    run("createlab", "lab", "--template", "exchange2013")
    names = set(Lab.objects.get(slug="lab").servers.get().receive_connectors.values_list("name", flat=True))
    assert names == {
        "Default Frontend EX01",
        "Outbound Proxy Frontend EX01",
        "Client Frontend EX01",
        "Default EX01",
        "Client Proxy EX01",
    }


def test_createlab_refuses_an_unknown_template_and_a_taken_slug():
    with pytest.raises(CommandError, match="There's no lab template called 'exchange2003'"):
        run("createlab", "lab", "--template", "exchange2003")
    run("createlab", "lab")
    with pytest.raises(CommandError, match="A lab with the slug 'lab' already exists."):
        run("createlab", "lab")


def test_createlab_sets_the_owner(alice):
    run("createlab", "mine", "--owner", "alice")
    assert Lab.objects.get(slug="mine").owner == alice


def test_copylab_copies_everything_and_records_the_baseline():
    run("createlab", "source", "--template", "exchange2016")
    run("copylab", "source", "copy")
    source, copy = Lab.objects.get(slug="source"), Lab.objects.get(slug="copy")
    assert copy.baseline == source
    assert labfile.dump_lab(copy).replace(copy.name, source.name) == labfile.dump_lab(source)


def test_copylab_names_a_missing_source():
    with pytest.raises(CommandError, match="There's no lab called 'nope'."):
        run("copylab", "nope", "copy")


@pytest.mark.parametrize("template", ["exchange2010", "exchangese-edge"])
def test_dump_then_load_gives_an_identical_lab(tmp_path, template):
    run("createlab", "original", "--template", template)
    dumped = run("dumplab", "original")
    path = tmp_path / "lab.json"
    path.write_text(dumped)
    run("loadlab", str(path), "--slug", "loaded")
    assert run("dumplab", "loaded") == dumped.replace('"name": "original"', '"name": "original (2)"', 1)


def test_the_demo_lab_round_trips(tmp_path):
    labs.create_demo_lab()
    dumped = run("dumplab", "demo")
    (tmp_path / "demo.json").write_text(dumped)
    run("loadlab", str(tmp_path / "demo.json"), "--slug", "demo-2")
    assert run("dumplab", "demo-2") == dumped


def load_error(tmp_path, data) -> str:
    path = tmp_path / "bad.json"
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    with pytest.raises(CommandError) as caught:
        run("loadlab", str(path), "--slug", "bad")
    assert not Lab.objects.filter(slug="bad").exists()
    return str(caught.value)


def demo_data() -> dict:
    return json.loads(labfile.dump_lab(labs.create_demo_lab(slug="seed")))


def test_loadlab_names_the_path_of_a_reversed_range(tmp_path):
    data = demo_data()
    data["servers"][0]["receive_connectors"][5]["remote_ip_ranges"] = ["10.0.0.1", "10.0.0.9-10.0.0.2"]
    message = load_error(tmp_path, data)
    assert (
        'servers[0].receive_connectors[5].remote_ip_ranges[1]: The IP range "10.0.0.9-10.0.0.2" is reversed' in message
    )


def test_loadlab_names_the_path_of_a_wrong_type_and_a_missing_key(tmp_path):
    data = demo_data()
    data["servers"][0]["receive_connectors"][0]["enabled"] = "yes"
    del data["servers"][0]["fqdn"]
    message = load_error(tmp_path, data)
    assert 'servers[0].receive_connectors[0].enabled: must be true or false, not "yes"' in message
    assert "servers[0].fqdn: is required" in message


def test_loadlab_reports_engine_rules_at_the_field(tmp_path):
    data = demo_data()
    data["servers"][0]["receive_connectors"][0]["banner"] = "Welcome"
    message = load_error(tmp_path, data)
    assert "servers[0].receive_connectors[0].banner: The banner must start with a status code of 220" in message


def test_loadlab_reports_accepted_domain_rules(tmp_path):
    data = demo_data()
    data["accepted_domains"][0]["default"] = False
    assert "accepted_domains: There must be one default accepted domain." in load_error(tmp_path, data)
    data["accepted_domains"][0]["domain_name"] = "contoso..com"
    assert "accepted_domains[0].domain_name: 'contoso..com' isn't a valid SMTP domain." in load_error(tmp_path, data)


def test_loadlab_rejects_another_format_version_and_bad_json(tmp_path):
    data = demo_data()
    data["version"] = 2
    assert "version: must be 1" in load_error(tmp_path, data)
    assert "This isn't JSON" in load_error(tmp_path, "{nope")


def test_loadlab_loads_nothing_when_one_object_is_bad(tmp_path):
    data = demo_data()
    data["principals"].append({"name": "CONTOSO\\x", "kind": "Wizard"})
    assert "principals[" in load_error(tmp_path, data)
    assert Lab.objects.count() == 1  # only the seed


def test_generatelab_is_deterministic_for_a_seed():
    args = ("--servers", "3", "--connectors-per-server", "4", "--ranges-per-connector", "20")
    run("generatelab", "one", *args, "--seed", "7")
    run("generatelab", "two", *args, "--seed", "7")
    run("generatelab", "three", *args, "--seed", "8")
    one, two, three = (labfile.dump_lab(Lab.objects.get(slug=s)) for s in ("one", "two", "three"))
    assert one.replace('"one"', "") == two.replace('"two"', "").replace(' (seed 7) (2)"', ' (seed 7)"')
    assert one != three
    lab = Lab.objects.get(slug="one")
    assert lab.servers.count() == 3
    connectors = [c for s in json.loads(one)["servers"] for c in s["receive_connectors"]]
    assert len(connectors) == 12
    assert sum(len(c["remote_ip_ranges"]) for c in connectors) == 240


def test_generatelab_refuses_more_ranges_than_exchange_allows():
    with pytest.raises(CommandError, match="The administrative limit for this request was exceeded."):
        run("generatelab", "big", "--servers", "1", "--connectors-per-server", "1", "--ranges-per-connector", "1300")


RELAY = ("--server", "EX01", "--mail-from", "app@contoso.com", "--rcpt", "someone@fabrikam.com")


def test_simulate_prints_the_transcript_and_why():
    labs.create_demo_lab()
    text = run("simulate", "demo", "--remote-ip", "10.0.0.50", *RELAY)
    assert "Connector: EX01\\Anonymous Relay" in text
    assert "C: RCPT TO:<someone@fabrikam.com>" in text
    assert "S: 250 2.1.5 Recipient OK" in text
    assert "ms-Exch-SMTP-Accept-Any-Recipient" in text


def test_simulate_json_has_the_agreed_shape_for_the_seed_relay():
    labs.create_demo_lab()
    result = json.loads(run("simulate", "demo", "--remote-ip", "10.0.0.50", *RELAY, "--json"))
    assert result["connector"] == "EX01\\Anonymous Relay"
    assert result["identity"] == "NT AUTHORITY\\ANONYMOUS LOGON"
    assert "ms-Exch-SMTP-Accept-Any-Recipient" in result["rights"]
    assert result["mail_from"] == "250 2.1.0 Sender OK"
    assert result["recipients"][0]["address"] == "someone@fabrikam.com"
    assert result["recipients"][0]["reply"] == "250 2.1.5 Recipient OK"
    assert result["recipients"][0]["fate"] == "relay-outside"
    assert all(set(step) == {"client", "server"} for step in result["transcript"])
    assert result["reasons"]


def test_simulate_refuses_relay_from_another_address():
    labs.create_demo_lab()
    result = json.loads(run("simulate", "demo", "--remote-ip", "10.0.0.51", *RELAY, "--json"))
    assert result["connector"] == "EX01\\Default Frontend EX01"
    assert result["recipients"][0]["reply"] == "550 5.7.1 Unable to relay"
    assert result["recipients"][0]["fate"] == "rejected"


def test_simulate_with_authentication():
    labs.create_demo_lab()
    args = (
        "--server",
        "EX01",
        "--remote-ip",
        "192.0.2.7",
        "--port",
        "587",
        "--starttls",
        "--auth-user",
        "CONTOSO\\alice",
        "--json",
    )
    result = json.loads(run("simulate", "demo", *args, "--mail-from", "alice@contoso.com", "--rcpt", "x@fabrikam.com"))
    assert result["connector"] == "EX01\\Client Frontend EX01"
    assert result["identity"] == "CONTOSO\\alice"
    assert result["recipients"][0]["reply"].startswith("250")


def test_simulate_names_a_missing_server_and_a_bad_ip():
    labs.create_demo_lab()
    with pytest.raises(CommandError, match="object 'EX09' couldn't be found"):
        run("simulate", "demo", "--server", "EX09", "--remote-ip", "10.0.0.50")
    with pytest.raises(CommandError, match="--remote-ip"):
        run("simulate", "demo", "--server", "EX01", "--remote-ip", "10.0.0.500")


def test_demo_sets_up_without_serving(settings):
    settings.EXCHSIM_SINGLE_USER = False
    output = run("demo", "--no-serve")
    assert "Demo lab 'demo' (owner local): http://127.0.0.1:8000/labs/demo/" in output
    local = User.objects.get(username="local")
    assert local.groups.filter(name="trainers").exists()
    assert Lab.objects.get(slug="demo").owner == local
    assert settings.EXCHSIM_SINGLE_USER is True
    run("demo", "--no-serve")  # a second run keeps the lab
    assert Lab.objects.filter(slug="demo").count() == 1


def test_loadlab_refuses_unknown_keys_by_path(tmp_path):
    data = demo_data()
    data["servers"][0]["receive_connectors"][1]["acl"][0]["rights"] = "typo"
    data["colour"] = "blue"
    message = load_error(tmp_path, data)
    assert "servers[0].receive_connectors[1].acl[0].rights: unknown key" in message
    assert "\ncolour: unknown key" in message
