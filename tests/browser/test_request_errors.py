"""A failed htmx request says so on the page instead of leaving a click without an answer."""

import pytest
from playwright.sync_api import expect

from connectors import labs
from connectors.models import Lab

pytestmark = pytest.mark.browser


def test_saving_into_a_lab_deleted_meanwhile_shows_why_it_failed(page, owner):
    lab = labs.create_lab_from_template("exchange2007", owner=owner, name="Gone soon")
    page.goto(f"/labs/{lab.slug}/servers/EX01/connectors/Client%20EX01/general/")
    error = page.locator("#request-error")
    expect(error).to_be_hidden()
    Lab.objects.filter(pk=lab.pk).delete()  # as if deleted in another tab
    page.get_by_role("button", name="Save").click()
    expect(error).to_be_visible()
    expect(error).to_contain_text("That didn't work (404): No lab called 'gone-soon'.")
