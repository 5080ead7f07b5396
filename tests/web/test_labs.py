"""Labs: list, create, what-if copy, rename, delete with confirmation, download and upload; access and CSRF."""

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from connectors import labs, labtemplates, store
from connectors.models import Lab, ScenarioLab, TrainingSession
from connectors.store import lab_to_org


def test_the_list_shows_my_labs_only(signed_in, lab, django_user_model):
    other = django_user_model.objects.create_user("someone-else")
    Lab.objects.create(slug="theirs", name="Their lab", owner=other)
    body = signed_in.get(reverse("connectors:lab-list")).content.decode()
    assert "Seed lab" in body
    assert "Their lab" not in body


def test_every_page_needs_login(client, lab):
    response = client.get(reverse("connectors:lab-detail", args=[lab.slug]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("connectors:sign-in"))


def test_someone_elses_lab_is_not_found(client, lab, django_user_model):
    client.force_login(django_user_model.objects.create_user("intruder"))
    for name in ("lab-detail", "simulator", "plan", "console", "relay-map", "lab-download"):
        assert client.get(reverse(f"connectors:{name}", args=[lab.slug])).status_code == 404
    assert client.post(reverse("connectors:lab-delete", args=[lab.slug])).status_code == 404
    assert Lab.objects.filter(pk=lab.pk).exists()


def test_an_unknown_lab_is_a_404_page(signed_in):
    response = signed_in.get(reverse("connectors:lab-detail", args=["no-such-lab"]))
    assert response.status_code == 404
    assert "Not found" in response.content.decode()


def test_create_from_a_template(signed_in, owner):
    response = signed_in.post(reverse("connectors:lab-create"), {"name": "Training 1", "template": "exchange2019"})
    lab = Lab.objects.get(name="Training 1")
    assert response["Location"] == reverse("connectors:lab-detail", args=[lab.slug])
    assert lab.owner == owner
    assert "Default Frontend EX01" in signed_in.get(response["Location"]).content.decode()


def test_create_refuses_an_unknown_template(signed_in):
    response = signed_in.post(reverse("connectors:lab-create"), {"name": "X", "template": "exchange5.5"})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not Lab.objects.filter(name="X").exists()


def test_what_if_copy_has_the_original_as_baseline(signed_in, lab):
    response = signed_in.post(reverse("connectors:lab-copy", args=[lab.slug]))
    copy = Lab.objects.exclude(pk=lab.pk).get()
    assert copy.baseline == lab
    assert response["Location"] == reverse("connectors:lab-detail", args=[copy.slug])
    assert "what-if copy of Seed lab" in signed_in.get(response["Location"]).content.decode()


def test_rename(signed_in, lab):
    signed_in.post(reverse("connectors:lab-rename", args=[lab.slug]), {"name": "Renamed lab"})
    lab.refresh_from_db()
    assert lab.name == "Renamed lab"


def test_an_empty_name_is_refused(signed_in, lab):
    response = signed_in.post(reverse("connectors:lab-rename", args=[lab.slug]), {"name": ""})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    lab.refresh_from_db()
    assert lab.name == "Seed lab"


def test_delete_asks_first_then_deletes(signed_in, lab):
    confirm = signed_in.get(reverse("connectors:lab-delete", args=[lab.slug])).content.decode()
    assert "Delete Seed lab?" in confirm
    assert Lab.objects.filter(pk=lab.pk).exists()
    signed_in.post(reverse("connectors:lab-delete", args=[lab.slug]))
    assert not Lab.objects.filter(pk=lab.pk).exists()


def test_download_then_upload_round_trips(signed_in, lab):
    download = signed_in.get(reverse("connectors:lab-download", args=[lab.slug]))
    assert download["Content-Disposition"] == f'attachment; filename="{lab.slug}.json"'
    upload = SimpleUploadedFile("lab.json", download.content, content_type="application/json")
    response = signed_in.post(reverse("connectors:lab-upload"), {"file": upload})
    copy = Lab.objects.exclude(pk=lab.pk).get()
    assert response["Location"] == reverse("connectors:lab-detail", args=[copy.slug])


def test_a_broken_upload_is_explained_and_creates_nothing(signed_in, lab):
    upload = SimpleUploadedFile("lab.json", b"{not json", content_type="application/json")
    response = signed_in.post(reverse("connectors:lab-upload"), {"file": upload})
    assert response.status_code == 400
    assert "This isn" in response.content.decode()
    assert Lab.objects.count() == 1


def test_a_file_saved_by_notepad_with_a_byte_order_mark_uploads(signed_in, lab):
    download = signed_in.get(reverse("connectors:lab-download", args=[lab.slug]))
    upload = SimpleUploadedFile("lab.json", b"\xef\xbb\xbf" + download.content, content_type="application/json")
    assert signed_in.post(reverse("connectors:lab-upload"), {"file": upload}).status_code == 302
    assert Lab.objects.count() == 2


def test_a_binary_upload_is_refused_in_words_not_a_codec_error(signed_in, lab):
    upload = SimpleUploadedFile("lab.json", b"\xff\xfe\x00binary", content_type="application/json")
    body = signed_in.post(reverse("connectors:lab-upload"), {"file": upload}).content.decode()
    assert "it isn&#x27;t UTF-8 text" in body
    assert "codec" not in body
    assert Lab.objects.count() == 1


def test_state_changes_need_a_csrf_token(owner, lab):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    assert client.post(reverse("connectors:lab-delete", args=[lab.slug])).status_code == 403
    assert client.post(reverse("connectors:lab-copy", args=[lab.slug])).status_code == 403
    assert Lab.objects.count() == 1


def test_get_is_refused_where_only_post_makes_sense(signed_in, lab):
    assert signed_in.get(reverse("connectors:lab-copy", args=[lab.slug])).status_code == 405


def test_a_trainer_watching_a_trainees_lab_is_told_it_is_read_only(client, signed_in, lab, alice):
    session = TrainingSession.objects.create(scenario="anonymous-relay", title="Relay", trainer=alice)
    ScenarioLab.objects.create(lab=lab, scenario="anonymous-relay", session=session, trainee=lab.owner)
    url = reverse("connectors:lab-detail", args=[lab.slug])
    assert "Read-only" not in signed_in.get(url).content.decode()
    client.force_login(alice)
    assert "Read-only: this is trainee's lab." in client.get(url).content.decode()


def test_the_menu_shortens_a_long_lab_name_and_keeps_it_whole_in_the_title(signed_in, owner):
    lab = labs.create_lab_from_template("exchange2007", owner=owner, name="Change window " + "x" * 60)
    body = signed_in.get(reverse("connectors:lab-detail", args=[lab.slug])).content.decode()
    assert f'title="{lab.name}">Change window {"x" * 25}…</a>' in body


def test_deleting_a_lab_warns_that_its_what_if_copies_lose_their_baseline(signed_in, lab):
    copy_url = signed_in.post(reverse("connectors:lab-copy", args=[lab.slug]))["Location"]
    copy = Lab.objects.exclude(pk=lab.pk).get()
    assert copy_url == reverse("connectors:lab-detail", args=[copy.slug])
    page = signed_in.get(reverse("connectors:lab-delete", args=[lab.slug])).content.decode()
    assert "1 what-if copy is based on this lab" in page
    assert f'<a href="{reverse("connectors:plan", args=[copy.slug])}">{copy.name}</a>' in page
    assert "what-if cop" not in signed_in.get(reverse("connectors:lab-delete", args=[copy.slug])).content.decode()


def test_pages_answer_head_requests_as_monitors_and_link_checkers_send_them(signed_in, lab):
    for url in (reverse("connectors:lab-list"), reverse("connectors:lab-detail", args=[lab.slug])):
        response = signed_in.head(url)
        assert response.status_code == 200, url
        assert response.content == b"", url
    assert signed_in.head(reverse("connectors:training-home")).status_code == 200


def test_the_template_choices_read_as_their_descriptions(signed_in):
    page = signed_in.get(reverse("connectors:lab-list")).content.decode()
    edge = labtemplates.TEMPLATES["exchangese-edge"].description.replace("'", "&#x27;")
    assert f'<option value="exchangese-edge">{edge}</option>' in page


def test_changed_is_when_the_lab_was_last_changed_not_when_it_was_made(signed_in, lab):
    """An edit to a connector is a change of the lab: the list's Changed column follows the lab's last history entry."""
    org = lab_to_org(lab)
    banner = {"banner": "220 changed"}
    edited = org.with_changes(connectors=tuple(c.with_changes(**banner) if c.name == "Default EX01" else c
                                               for c in org.connectors))  # fmt: skip
    entry = store.save_org(lab, edited)
    later = lab.updated + datetime.timedelta(days=3, hours=2)
    lab.history.filter(pk=entry.pk).update(created=later)
    body = signed_in.get(reverse("connectors:lab-list")).content.decode()
    assert f"{later:%Y-%m-%d %H:%M}" in body
    assert f"{lab.updated:%Y-%m-%d %H:%M}" not in body
