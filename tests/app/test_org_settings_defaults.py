"""An organisation setting a lab doesn't hold (a lab saved, or a lab file written, before the setting was catalogued)
has the default of the lab's versions, as Setup left it: no plan shows a change nobody made."""

import pytest

from connectors import labfile, labtemplates, models
from connectors.exchange.model import ServerRole
from connectors.exchange.organization_properties import TRANSPORT_CONFIG, organization_defaults
from connectors.exchange.powershell import plan, setup_baseline
from connectors.exchange.versions import ExchangeVersion
from connectors.labtemplates import template_org
from connectors.store import lab_to_org, save_org

# Settings whose documented default differs between 2013 and the newest version (organization_properties.py).
OLDER_DEFAULTS = ("dsn_conversion_mode", "transport_rule_attachment_text_scan_limit")


def _version_defaults(org):
    return {field: organization_defaults(org.servers)[field] for field in OLDER_DEFAULTS}


def test_the_settings_chosen_differ_by_version():
    newest = {field: TRANSPORT_CONFIG.by_field(field).default for field in OLDER_DEFAULTS}
    assert _version_defaults(template_org("exchange2013")) != newest


def test_a_lab_file_without_a_setting_reads_the_default_of_its_version():
    org = template_org("exchange2013")
    data = {"format": labfile.FORMAT_NAME, "version": labfile.FORMAT_VERSION, "name": "Old", **labfile.org_to_data(org)}
    for field in OLDER_DEFAULTS:
        del data["organization"][field]
    read = labfile.data_to_org(data)
    assert {field: getattr(read, field) for field in OLDER_DEFAULTS} == _version_defaults(org)
    assert plan(setup_baseline(read), read) == []


def _old_lab(django_user_model, org):
    """A stored lab of `org` saved before OLDER_DEFAULTS were catalogued: its JSON properties lack them."""
    owner = django_user_model.objects.create_user("alice")
    lab = models.Lab.objects.create(name="Old lab", slug="old", owner=owner)
    save_org(lab, org)
    lab.refresh_from_db()
    for field in OLDER_DEFAULTS:
        lab.properties.pop(field, None)
    lab.save(update_fields=["properties"])
    return lab


@pytest.mark.django_db
def test_a_stored_lab_without_a_setting_reads_the_default_of_its_servers_versions(django_user_model):
    lab = _old_lab(django_user_model, template_org("exchange2013"))
    read = lab_to_org(lab)
    assert {field: getattr(read, field) for field in OLDER_DEFAULTS} == _version_defaults(read)
    assert plan(setup_baseline(read), read) == []


@pytest.mark.django_db
def test_an_edit_of_one_server_keeps_the_default_of_every_servers_version(django_user_model):
    # A scoped load (one server's connectors, as a connector edit or a scoped console loads) of an old lab gives the
    # lab's defaults, the oldest version's among all its servers, not those of the servers it loaded; saving the
    # edit stores them, not the newer server's.
    org = labtemplates._organization(
        [
            labtemplates._server("EX01", ExchangeVersion.E2013, (ServerRole.MAILBOX,), "10.0.0.10"),
            labtemplates._server("EX02", ExchangeVersion.E2019, (ServerRole.MAILBOX,), "10.0.0.11"),
        ]
    )
    lab = _old_lab(django_user_model, org)
    scoped = lab_to_org(lab, ["EX02"])
    assert {field: getattr(scoped, field) for field in OLDER_DEFAULTS} == _version_defaults(org)
    default = scoped.connector("EX02", "Default EX02")
    edited = scoped.with_changes(
        connectors=tuple(c.with_changes(comment="edited") if c is default else c for c in scoped.connectors)
    )
    save_org(lab, edited, ["EX02"])
    read = lab_to_org(lab)
    assert {field: getattr(read, field) for field in OLDER_DEFAULTS} == _version_defaults(org)
    assert [step.target for step in plan(setup_baseline(read), read)] == ["EX02\\Default EX02"]
