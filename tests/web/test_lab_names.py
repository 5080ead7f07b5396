"""Lab names in the dashboard: unique per owner, refused beside the field when typed, numbered when generated."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from connectors import labfile, labs
from connectors.models import Lab


def test_creating_a_lab_with_a_name_you_have_is_refused_beside_the_field(signed_in, lab):
    response = signed_in.post(reverse("connectors:lab-create"), {"name": "SEED LAB", "template": "exchange2016"})
    assert response.status_code == 400
    form = response.context["create_form"]
    assert form.errors["name"] == [
        "You already have a lab called 'SEED LAB'. Choose another name, or rename or delete that lab first."
    ]
    assert Lab.objects.count() == 1


def test_renaming_to_a_name_you_have_is_refused_and_nothing_changes(signed_in, lab, owner):
    other = labs.create_lab_from_template("empty", owner=owner, name="Other")
    response = signed_in.post(reverse("connectors:lab-rename", args=[other.slug]), {"name": "seed lab"})
    assert response.status_code == 400
    assert response.context["renamed"] == other
    assert "You already have a lab called &#x27;seed lab&#x27;." in response.content.decode()
    other.refresh_from_db()
    assert other.name == "Other"


def test_a_what_if_copy_and_an_upload_get_a_free_name(signed_in, lab):
    signed_in.post(reverse("connectors:lab-copy", args=[lab.slug]))
    signed_in.post(reverse("connectors:lab-copy", args=[lab.slug]))
    upload = SimpleUploadedFile("seed.json", labfile.dump_lab(lab).encode())
    assert signed_in.post(reverse("connectors:lab-upload"), {"file": upload}).status_code == 302
    assert sorted(Lab.objects.values_list("name", flat=True)) == [
        "Seed lab",
        "Seed lab (2)",
        "Seed lab (copy)",
        "Seed lab (copy) (2)",
    ]


def test_another_user_may_have_a_lab_of_the_same_name(client, lab, alice):
    client.force_login(alice)
    client.post(reverse("connectors:lab-create"), {"name": "Seed lab", "template": "exchange2007"})
    assert Lab.objects.filter(name="Seed lab", owner=alice).exists()


def test_an_unknown_lab_or_connector_gets_exchsims_own_not_found_page(signed_in, lab):
    for url in (
        reverse("connectors:lab-detail", args=["no-such-lab"]),
        reverse("connectors:connector-detail", args=[lab.slug, "EX01", "No such connector"]),
        reverse("connectors:plan", args=["no-such-lab"]),
    ):
        response = signed_in.get(url)
        assert response.status_code == 404
        assert [t.name for t in response.templates][:2] == ["404.html", "base.html"], url
        assert "Back to the labs" in response.content.decode()


def test_the_lab_list_says_where_each_lab_started(signed_in, lab):
    signed_in.post(reverse("connectors:lab-copy", args=[lab.slug]))
    upload = SimpleUploadedFile("x" * 400 + ".json", labfile.dump_lab(lab).encode())  # a long name is cut, not a 500
    assert signed_in.post(reverse("connectors:lab-upload"), {"file": upload}).status_code == 302
    body = signed_in.get(reverse("connectors:lab-list")).content.decode()
    assert '<span class="muted">the exchange2007 template</span>' in body
    assert "<td>Seed lab</td>" in body  # the copy names its source lab
    assert '<span class="muted">the lab file xxxx' in body
