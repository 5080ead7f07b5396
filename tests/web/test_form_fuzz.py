"""Fuzzing: hostile posts to every form of the dashboard (texts with NUL, control characters and huge lengths, wrong
choices, lists where one value is expected, unknown fields) never get a 500; a refused post (4xx, or the form back
with its errors) leaves the lab exactly as it was (dump_lab before and after). Bounded examples per form."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connectors import forms, labfile
from connectors.training_views import SessionForm
from tests.helpers import HTMX
from tests.hostile import hostile_text

DEFAULT = "Default EX01"
FUZZ = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _connector(view):
    return lambda lab: reverse(view, args=[lab.slug, "EX01", DEFAULT])


# (form, where it posts, method)
TARGETS = {
    "create": (forms.LabCreateForm, lambda lab: reverse("connectors:lab-create"), "post"),
    "rename": (forms.LabRenameForm, lambda lab: reverse("connectors:lab-rename", args=[lab.slug]), "post"),
    "new-connector": (
        forms.NewConnectorForm,
        lambda lab: reverse("connectors:connector-create", args=[lab.slug]),
        "post",
    ),
    "general": (forms.GeneralForm, _connector("connectors:connector-general"), "post"),
    "network": (forms.NetworkForm, _connector("connectors:connector-network"), "post"),
    "auth": (forms.AuthForm, _connector("connectors:connector-auth"), "post"),
    "settings": (forms.SettingsForm, _connector("connectors:connector-settings"), "post"),
    "groups": (forms.GroupsForm, _connector("connectors:connector-groups"), "post"),
    "permissions": (forms.PermissionForm, _connector("connectors:connector-permissions"), "post"),
    "console": (forms.ConsoleForm, lambda lab: reverse("connectors:console", args=[lab.slug]), "post"),
    "simulator": (forms.ProbeForm, lambda lab: reverse("connectors:simulator", args=[lab.slug]), "get"),
    "check": (forms.QuickCheckForm, lambda lab: reverse("connectors:lab-check", args=[lab.slug]), "get"),
    "session": (SessionForm, lambda lab: reverse("connectors:training-session-create"), "post"),
}
# Plausible values, so that some posts get past the first field and reach the engine.
PLAUSIBLE = {
    "name": ["Relay", DEFAULT, "n" * 65],
    "server": ["EX01", "EX99"],
    "template": ["exchange2016", "exchange5.5"],
    "usage": ["Custom", "Internet", "Bogus"],
    "bindings": ["0.0.0.0:25", "10.0.0.10:2525"],
    "remote_ip_ranges": ["10.0.0.50", "10.0.0.9-10.0.0.2"],
    "action": ["add-range", "remove-range", "add-binding", "remove-binding", "add", "remove"],
    "value": ["10.9.0.0/16", "0.0.0.0:25"],
    "fqdn": ["ex01.contoso.com", "x" * 10_000],
    "banner": ["220 hello", "hello"],
    "max_message_size": ["37748736", "1e9", "-1"],
    "max_hop_count": ["30", "501", "x"],
    "connection_timeout": ["00:10:00", "soon", "1.00:00:01"],
    "message_rate_limit": ["Unlimited", "100", "0"],
    "mechanisms": ["1", "4", "8", "999"],
    "groups": ["1", "2", "32", "x"],
    "principal": ["CONTOSO\\alice", "NT AUTHORITY\\ANONYMOUS LOGON", "CONTOSO\\" + "u" * 300],
    "rights": ["ms-Exch-SMTP-Submit", "ms-Exch-Nothing"],
    "remote_ip": ["10.0.0.50", "10.0.0.300"],
    "command": ["Get-ReceiveConnector", f"Set-ReceiveConnector '{DEFAULT}' -Comment \"a`0b\""],
    "scenario": ["close-open-relay", "no-such"],
}


@st.composite
def posts(draw, form_class) -> dict:
    data = {}
    for name in form_class.base_fields:
        choice = draw(st.sampled_from(["omit", "plausible", "hostile", "list"]))
        if choice == "omit":
            continue
        plausible = st.sampled_from(PLAUSIBLE.get(name, ["on", "1"]))
        if choice == "plausible":
            data[name] = draw(plausible)
        elif choice == "hostile":
            data[name] = draw(hostile_text)
        else:
            data[name] = draw(st.lists(st.one_of(plausible, hostile_text), min_size=1, max_size=3))
    if draw(st.booleans()):
        data[draw(hostile_text) or "extra"] = draw(hostile_text)
    return data


class _Rollback(Exception):
    pass


def _refused(response) -> bool:
    return response.status_code >= 400 or b"errorlist" in response.content


@pytest.fixture
def trainer_client(client, owner):
    from django.contrib.auth.models import Group

    from connectors.middleware import TRAINERS_GROUP

    owner.groups.add(Group.objects.get_or_create(name=TRAINERS_GROUP)[0])
    client.force_login(owner)
    return client


@pytest.mark.parametrize("target", list(TARGETS))
def test_hostile_posts_to_every_form_never_crash_and_a_refused_one_changes_nothing(trainer_client, lab, target):
    form_class, url, method = TARGETS[target]

    @FUZZ
    @given(data=posts(form_class), htmx=st.booleans())
    def check(data, htmx):
        before = labfile.dump_lab(lab)
        try:
            with transaction.atomic():
                send = getattr(trainer_client, method)
                response = send(url(lab), data, **(HTMX if htmx else {}))
                assert response.status_code < 500, (target, data)
                if _refused(response) or method == "get":
                    assert labfile.dump_lab(lab) == before, (target, data)
                raise _Rollback
        except _Rollback:
            pass

    check()


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(content=st.binary(max_size=2_000), name=hostile_text)
def test_hostile_uploads_are_refused_in_words(signed_in, lab, content, name):
    before = labfile.dump_lab(lab)
    try:
        with transaction.atomic():
            upload = SimpleUploadedFile(name.replace("\0", "") or "lab.json", content)
            response = signed_in.post(reverse("connectors:lab-upload"), {"file": upload})
            assert response.status_code == 400
            assert b"errorlist" in response.content
            raise _Rollback
    except _Rollback:
        pass
    assert labfile.dump_lab(lab) == before
