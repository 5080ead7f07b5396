"""Texts longer than their limit, or holding NUL, are refused before the database on SQLite and PostgreSQL alike
(PostgreSQL raised DataError, or truncated a 10,000-character FQDN and said "Saved"): forms show Exchange's error
beside the field and the browser never cuts a name silently; the console prints the error; nothing is saved."""

import pytest
from django.db import models as django_models
from django.urls import reverse

from connectors import models, store
from connectors.exchange import model as engine
from connectors.exchange.errors import ValidationFailed
from connectors.exchange.limits import TEXT_LIMITS
from connectors.store import lab_to_org
from tests.helpers import HTMX, connector_url

DEFAULT = "Default EX01"
MODEL_OF = {
    engine.Organization: (models.Lab, {"name": "organization_name"}),
    engine.Server: (models.Server, {}),
    engine.ReceiveConnector: (models.ReceiveConnector, {}),
    engine.ACE: (models.AccessControlEntry, {}),
    engine.AcceptedDomain: (models.AcceptedDomain, {}),
    engine.Recipient: (models.Recipient, {}),
    engine.Principal: (models.Principal, {}),
}
# CharFields written only from closed lists (enum values, canonical names), so their longest value is known.
CLOSED_LISTS = {
    (models.Server, "version"),
    (models.Server, "roles"),
    (models.ReceiveConnector, "usage"),
    (models.ReceiveConnector, "transport_role"),
    (models.ReceiveConnector, "auth_mechanism"),
    (models.ReceiveConnector, "protocol_logging_level"),
    (models.ReceiveConnector, "size_enabled"),
    (models.AccessControlEntry, "right"),
    (models.AcceptedDomain, "domain_type"),
    (models.Recipient, "kind"),
    (models.Principal, "kind"),
}


def test_every_model_text_has_the_engines_limit():
    for kind, fields in TEXT_LIMITS.items():
        model, renamed = MODEL_OF[kind]
        for field, (_parameter, limit) in fields.items():
            name = renamed.get(field, field)
            if name not in {column.name for column in model._meta.get_fields()}:
                # A catalogue setting without a column of its own lives in the model's JSON properties, as free text.
                assert isinstance(model._meta.get_field("properties"), django_models.JSONField), (model, field)
                assert limit is None, (model, field)
                continue
            column = model._meta.get_field(name)
            if limit is None:
                assert isinstance(column, django_models.TextField), (model, field)
            else:
                assert isinstance(column, django_models.CharField), (model, field)
                assert column.max_length == limit, (model, field)


def test_every_other_exchange_char_field_holds_only_values_from_a_closed_list():
    declared = {(MODEL_OF[k][0], MODEL_OF[k][1].get(f, f)) for k, fields in TEXT_LIMITS.items() for f in fields}
    for model, _renamed in MODEL_OF.values():
        for column in model._meta.get_fields():
            if isinstance(column, django_models.CharField) and model is not models.Lab:
                assert (model, column.name) in declared | CLOSED_LISTS, (model, column.name)
            if isinstance(column, django_models.CharField) and column.choices:
                assert max(len(value) for value, _label in column.choices) <= column.max_length


def _general(lab, **changes):
    data = {"name": DEFAULT, "enabled": "on", "fqdn": "ex01.contoso.com", "banner": "", "max_message_size": 37748736}
    data |= {"max_recipients_per_message": 200, "protocol_logging_level": "None", **changes}
    return data


@pytest.mark.parametrize(
    ("field", "length", "limit"), [("fqdn", 10_000, 255), ("banner", 10_000, 500), ("name", 65, 64)]
)
def test_a_long_text_on_the_general_tab_is_refused_beside_the_field(signed_in, lab, field, length, limit):
    before = lab_to_org(lab)
    value = ("220 " + "b" * length)[:length] if field == "banner" else "a" * length
    response = signed_in.post(
        connector_url(lab, DEFAULT, "connectors:connector-general"), _general(lab, **{field: value}), **HTMX
    )
    body = response.content.decode()
    message = f"The maximum length is {limit} and the length of the value provided is {length}."
    assert response.status_code == 200
    assert message in body
    assert lab_to_org(lab) == before


def test_a_long_connector_name_is_refused_when_creating_one(signed_in, lab):
    data = {
        "server": "EX01",
        "name": "n" * 65,
        "usage": "Custom",
        "bindings": "0.0.0.0:25",
        "remote_ip_ranges": "1.2.3.4",
    }
    before = lab_to_org(lab)
    body = signed_in.post(reverse("connectors:connector-create", args=[lab.slug]), data).content.decode()
    assert "The maximum length is 64 and the length of the value provided is 65." in body
    assert lab_to_org(lab) == before


def test_a_user_longer_than_255_characters_is_refused(signed_in, lab):
    before = lab_to_org(lab)
    data = {"action": "add", "principal": "CONTOSO\\" + "u" * 248, "rights": ["ms-Exch-SMTP-Submit"]}
    body = signed_in.post(
        connector_url(lab, DEFAULT, "connectors:connector-permissions"), data, **HTMX
    ).content.decode()
    # No principal of the lab can have such a name (principals are held to 255 too), so Add-ADPermission doesn't
    # find it: Exchange's object-not-found error, beside the User field, instead of PostgreSQL's DataError.
    assert "couldn&#x27;t be found" in body
    assert "errorlist" in body
    assert lab_to_org(lab) == before


def test_no_form_lets_the_browser_cut_a_name_silently(signed_in, lab):
    pages = [
        reverse("connectors:lab-list"),
        connector_url(lab, DEFAULT),
        reverse("connectors:lab-detail", args=[lab.slug]),
    ]
    for page in pages:
        assert "maxlength" not in signed_in.get(page).content.decode(), page


def test_a_long_lab_name_is_refused_beside_the_field_when_creating_and_renaming(signed_in, lab):
    response = signed_in.post(reverse("connectors:lab-create"), {"name": "n" * 201, "template": "exchange2016"})
    assert response.status_code == 400
    assert "Ensure this value has at most 200 characters (it has 201)." in response.content.decode()
    assert models.Lab.objects.count() == 1
    response = signed_in.post(reverse("connectors:lab-rename", args=[lab.slug]), {"name": "r" * 201})
    body = response.content.decode()
    assert response.status_code == 400
    assert "Ensure this value has at most 200 characters (it has 201)." in body
    assert 'aria-invalid="true"' in body
    assert "r" * 201 in body  # what was typed stays in the box, beside its error
    lab.refresh_from_db()
    assert lab.name == "Seed lab"


def _console(client, lab, command):
    response = client.post(reverse("connectors:console", args=[lab.slug]), {"command": command}, **HTMX)
    assert response.status_code == 200
    return response.content.decode()


def test_nul_from_the_console_is_refused_not_a_database_error(signed_in, lab):
    before = lab_to_org(lab)
    body = _console(signed_in, lab, f"Set-ReceiveConnector '{DEFAULT}' -Comment \"a`0b\"")
    assert "The value of Comment contains the null character (U+0000)" in body
    assert lab_to_org(lab) == before


def test_an_accepted_domain_name_longer_than_64_is_refused_by_the_console(signed_in, lab):
    before = lab_to_org(lab)
    body = _console(signed_in, lab, f"New-AcceptedDomain -Name {'d' * 65} -DomainName fabrikam.com")
    assert "The maximum length is 64 and the length of the value provided is 65." in body
    assert lab_to_org(lab) == before


def test_a_256_character_domain_is_stored_whole(signed_in, lab):
    domain = ".".join(["a" * 63] * 3 + ["b" * 60]) + ".com"
    assert len(domain) == 256
    _console(signed_in, lab, f"New-AcceptedDomain -Name Long -DomainName {domain}")
    assert models.AcceptedDomain.objects.get(lab=lab, name="Long").domain_name == domain


def test_save_org_refuses_a_long_server_name_and_nul_in_a_principal(lab):
    org = lab_to_org(lab)
    server = org.servers[0]
    renamed = org.with_changes(servers=(engine.Server("S" * 16, server.fqdn, server.version, server.roles),))
    with pytest.raises(ValidationFailed, match="The maximum length is 15 and the length of the value provided is 16"):
        store.save_org(lab, renamed)
    bad = org.with_changes(principals=(*org.principals, engine.Principal("CONTOSO\\a\0b")))
    with pytest.raises(ValidationFailed, match="null character"):
        store.save_org(lab, bad)
    assert lab_to_org(lab) == org
