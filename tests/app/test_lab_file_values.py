"""Issue 9: a lab file is refused, naming the path, for the values the forms and the console refuse."""

import json

import pytest

from connectors import labfile, labs, labtemplates, store
from connectors.exchange.audit import audit
from connectors.exchange.errors import ValidationFailed
from connectors.exchange.model import Recipient, RecipientKind
from connectors.models import Lab

pytestmark = pytest.mark.django_db


def _file(org) -> dict:
    return {"format": labfile.FORMAT_NAME, "version": labfile.FORMAT_VERSION, **labfile.org_to_data(org)}


def _demo_data() -> dict:
    return _file(labtemplates.demo_org())


def _relay(data: dict) -> dict:
    return next(c for c in data["servers"][0]["receive_connectors"] if c["name"] == "Anonymous Relay")


def _problems(data: dict) -> list[tuple[str, str]]:
    with pytest.raises(labfile.LabFileError) as caught:
        labs.load_lab(json.dumps(data), "refused")
    assert not Lab.objects.filter(slug="refused").exists()
    return caught.value.problems


def _relay_path(data: dict) -> str:
    index = data["servers"][0]["receive_connectors"].index(_relay(data))
    return f"servers[0].receive_connectors[{index}]"


def test_a_lab_file_with_a_bad_fqdn_is_refused():
    data = _demo_data()
    _relay(data)["fqdn"] = "not a fqdn!!"
    [(path, message)] = _problems(data)
    assert path == _relay_path(data) + ".fqdn"
    assert message.startswith('Cannot convert value "not a fqdn!!" to type "Microsoft.Exchange.Data.Fqdn".')


def test_a_lab_file_with_a_range_twice_is_refused():
    data = _demo_data()
    _relay(data)["remote_ip_ranges"] += ["10.0.0.50"]
    [(path, message)] = _problems(data)
    assert path == _relay_path(data) + ".remote_ip_ranges"
    assert message == 'The value "10.0.0.50" is already present in the collection.'


def test_a_lab_file_with_a_recipient_that_is_not_an_address_is_refused():
    data = _demo_data()
    data["recipients"][0]["addresses"] = ["not an address"]
    [(path, message)] = _problems(data)
    assert path == "recipients[0].addresses"
    assert message.startswith('"not an address" isn\'t a valid SMTP address.')


def test_a_lab_file_granting_a_principal_it_does_not_have_is_refused():
    data = _demo_data()
    _relay(data)["acl"].append({"principal": "CONTOSO\\nosuchuser", "right": "ms-Exch-SMTP-Submit"})
    [(path, message)] = _problems(data)
    assert path == _relay_path(data) + f".acl[{len(_relay(data)['acl']) - 1}].principal"
    assert message.startswith("The operation couldn't be performed because object 'CONTOSO\\nosuchuser'")
    data["principals"].append({"name": "CONTOSO\\nosuchuser"})
    assert labs.load_lab(json.dumps(data), "accepted").slug == "accepted"


def test_a_lab_file_binding_an_address_the_server_does_not_have_loads_with_an_audit_finding():
    data = _demo_data()
    _relay(data)["bindings"] = ["10.9.9.9:25"]
    lab = labs.load_lab(json.dumps(data), "foreign")
    findings = [f for f in audit(store.lab_to_org(lab)) if f.code == "binding-not-on-server"]
    assert [f.title for f in findings] == ["EX01\\Anonymous Relay listens on 10.9.9.9:25, an address EX01 doesn't have"]
    assert "10.0.0.10" in findings[0].explanation


def test_the_demo_and_every_template_still_load_from_their_own_files():
    for name in labtemplates.TEMPLATES:
        labs.load_lab(json.dumps(_file(labtemplates.template_org(name))), f"t-{name}")
    labs.load_lab(json.dumps(_demo_data()), "demo-again")


def test_saving_a_recipient_that_is_not_an_address_is_refused_and_nothing_is_saved():
    lab = labs.create_demo_lab("save-recipient")
    org = store.lab_to_org(lab)
    broken = org.with_changes(recipients=(*org.recipients, Recipient("Nobody", RecipientKind.MAILBOX, ("nobody",))))
    with pytest.raises(ValidationFailed) as caught:
        store.save_org(lab, broken)
    assert caught.value.errors[0].message.startswith('"nobody" isn\'t a valid SMTP address.')
    assert store.lab_to_org(lab).recipients == org.recipients
