"""An organisation setting a lab doesn't hold (a lab saved, or a lab file written, before the setting was catalogued)
has the default of the lab's versions, as Setup left it: no plan shows a change nobody made."""

import pytest

from connectors import labfile, models
from connectors.exchange import properties
from connectors.exchange.powershell import plan, setup_baseline
from connectors.labtemplates import template_org
from connectors.store import lab_to_org, save_org

# Settings whose documented default differs between 2013 and the newest version (properties.py).
OLDER_DEFAULTS = ("dsn_conversion_mode", "transport_rule_attachment_text_scan_limit")


def _version_defaults(org):
    return {field: properties.organization_defaults(org.servers)[field] for field in OLDER_DEFAULTS}


def test_the_settings_chosen_differ_by_version():
    newest = {field: properties.TRANSPORT_CONFIG.by_field(field).default for field in OLDER_DEFAULTS}
    assert _version_defaults(template_org("exchange2013")) != newest


def test_a_lab_file_without_a_setting_reads_the_default_of_its_version():
    org = template_org("exchange2013")
    data = {"format": labfile.FORMAT_NAME, "version": labfile.FORMAT_VERSION, "name": "Old", **labfile.org_to_data(org)}
    for field in OLDER_DEFAULTS:
        del data["organization"][field]
    read = labfile.data_to_org(data)
    assert {field: getattr(read, field) for field in OLDER_DEFAULTS} == _version_defaults(org)
    assert plan(setup_baseline(read), read) == []


@pytest.mark.django_db
def test_a_stored_lab_without_a_setting_reads_the_default_of_its_servers_versions(django_user_model):
    owner = django_user_model.objects.create_user("alice")
    lab = models.Lab.objects.create(name="Old lab", slug="old", owner=owner)
    save_org(lab, template_org("exchange2013"))
    lab.refresh_from_db()
    for field in OLDER_DEFAULTS:
        lab.properties.pop(field, None)
    lab.save(update_fields=["properties"])
    read = lab_to_org(lab)
    assert {field: getattr(read, field) for field in OLDER_DEFAULTS} == _version_defaults(read)
    assert plan(setup_baseline(read), read) == []
