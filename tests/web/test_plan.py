"""The plan page: a what-if copy against its baseline."""

from django.urls import reverse

from connectors.models import BaselineSnapshot, Lab
from tests.web.conftest import build_seed_relay


def _copy(client, lab) -> Lab:
    client.post(reverse("connectors:lab-copy", args=[lab.slug]))
    return Lab.objects.get(baseline=lab)


def test_the_plan_holds_the_changes_in_words_and_both_scripts(signed_in, lab):
    copy = _copy(signed_in, lab)
    build_seed_relay(signed_in, copy)
    body = signed_in.get(reverse("connectors:plan", args=[copy.slug])).content.decode()
    assert "Create receive connector EX01\\Web app relay" in body
    assert 'class="highlight"' in body and "Add-ADPermission" in body and "Remove-ReceiveConnector" in body
    assert body.count('data-copy="#script-') == 3  # plan, rollback, whole lab


def test_the_scripts_download_as_ps1(signed_in, lab):
    copy = _copy(signed_in, lab)
    build_seed_relay(signed_in, copy)
    plan = signed_in.get(reverse("connectors:plan-download", args=[copy.slug, "plan"]))
    assert plan["Content-Disposition"] == f'attachment; filename="{copy.slug}-plan.ps1"'
    text = plan.content.decode()
    assert "New-ReceiveConnector" in text and "ms-Exch-SMTP-Accept-Any-Recipient" in text
    rollback = signed_in.get(reverse("connectors:plan-download", args=[copy.slug, "rollback"])).content.decode()
    assert "Remove-ReceiveConnector" in rollback


def test_an_unknown_script_is_404(signed_in, lab):
    assert signed_in.get(reverse("connectors:plan-download", args=[lab.slug, "other"])).status_code == 404


def test_a_lab_without_baseline_says_so(signed_in, lab):
    BaselineSnapshot.objects.filter(lab=lab).delete()  # as a lab made before baselines were kept
    body = signed_in.get(reverse("connectors:plan", args=[lab.slug])).content.decode()
    assert "has no baseline" in body
    assert "Install server EX01 with Setup" in body
