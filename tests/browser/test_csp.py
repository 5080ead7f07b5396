"""The Content-Security-Policy (scripts and styles from our own static files only) breaks nothing: the main pages load
in Chromium without a single violation, htmx swaps, the copy buttons copy, the relay map's server menu and the
connector's remove confirmation still work."""

import pytest
from django.test import Client
from playwright.sync_api import expect

from connectors import labs, training
from connectors.models import TrainingSession
from tests.helpers import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("multi_user")]

# Registered before any page script runs (Playwright injects it outside the page's policy).
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__violations.push(event.violatedDirective + " blocked " + (event.blockedURI || "inline") +
                           " at " + event.sourceFile + ":" + event.lineNumber);
});
"""


def signed_in_tab(chromium, live_server, user):
    client = Client()
    client.force_login(user)
    context = chromium.new_context(viewport={"width": 1280, "height": 800}, base_url=live_server.url)
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    context.add_init_script(RECORD_VIOLATIONS)
    tab = context.new_page()
    tab.set_default_timeout(30_000)  # the findings pages audit by simulation: slow on a loaded CI machine
    tab.console_errors = []
    tab.on("console", lambda message: message.type == "error" and tab.console_errors.append(message.text))
    tab.on("pageerror", lambda error: tab.console_errors.append(str(error)))
    return tab


def assert_no_violation(tab, url):
    violations = tab.evaluate("window.__violations")
    policy_errors = [text for text in tab.console_errors if "Content Security Policy" in text or "unsafe-eval" in text]
    assert not violations, f"{url}: {violations + policy_errors}"
    assert not policy_errors, f"{url}: {violations + policy_errors}"


@pytest.fixture
def trainer_tab(chromium, live_server, alice):
    tab = signed_in_tab(chromium, live_server, alice)
    yield tab
    tab.context.close()


def test_the_main_pages_load_without_a_policy_violation(trainer_tab, alice, bob, live_server):
    tab = trainer_tab
    lab = labs.create_lab_from_template("exchange2007", owner=alice, name="Policy lab")
    scenario_lab = training.start(training.get_scenario("close-open-relay"), slug="policy-scenario", owner=alice)
    session = TrainingSession.objects.create(scenario="close-open-relay", title="Policy session", trainer=alice)
    base = f"/labs/{lab.slug}"
    connector = f"{base}/servers/EX01/connectors/Default%20EX01"
    urls = [
        "/labs/",
        f"{base}/",
        *(
            f"{connector}/{tab_name}/"
            for tab_name in ("general", "network", "auth", "settings", "groups", "permissions")
        ),
        f"{base}/simulate/",
        f"{base}/relay-map/",
        f"{base}/plan/",
        f"{base}/console/",
        f"{base}/findings/",
        f"{base}/traffic/",
        f"{base}/history/",
        "/labs/import/",
        "/training/",
        f"/training/sessions/{session.pk}/",
        f"/labs/{scenario_lab.slug}/scenario/",
        "/training/people/",
        "/account/password/",
        "/labs/no-such-lab/",  # our 404 page
    ]
    for url in urls:
        response = tab.goto(url)
        policy = response.headers["content-security-policy"]
        # django-csp orders the directives by a set, so compare them as a mapping.
        directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
        assert directives["script-src"] == "'self'", url
        assert directives["style-src"] == "'self'", url
        assert "unsafe" not in policy, url
        tab.wait_for_load_state("networkidle")
        assert_no_violation(tab, url)


def test_htmx_swaps_and_the_copy_button_work_under_the_policy(trainer_tab, alice, bob):
    tab = trainer_tab
    lab = labs.create_lab_from_template("exchange2007", owner=alice, name="Swap lab")
    tab.goto(f"/labs/{lab.slug}/console/")
    box = tab.locator("#id_command")
    box.fill("Get-ReceiveConnector")
    box.press("Enter")  # console.js sends the form; htmx swaps #console-swap
    expect(tab.locator("#console-output")).to_contain_text("Default EX01")
    assert tab.evaluate("performance.getEntriesByType('navigation').length") == 1  # swapped, not reloaded

    tab.goto(f"/labs/{lab.slug}/")  # the findings panel arrives by an htmx swap on load
    expect(tab.locator("#findings")).to_be_visible()

    session = TrainingSession.objects.create(scenario="close-open-relay", title="Copy session", trainer=alice)
    tab.goto(f"/training/sessions/{session.pk}/")
    tab.get_by_role("button", name="Copy").click()
    expect(tab.get_by_role("button", name="Copied")).to_be_visible()
    assert tab.evaluate("navigator.clipboard.readText()") == tab.locator("#join-link").inner_text()
    assert_no_violation(tab, "board")


def test_the_relay_map_menu_and_the_remove_confirmation_work_under_the_policy(trainer_tab, alice):
    tab = trainer_tab
    lab = labs.create_lab_from_template("exchange2007", owner=alice, name="Menu lab")
    lab_two = labs.create_lab_from_template("exchange2016", owner=alice, name="Two servers")
    assert lab_two  # a second lab: the menu below is the first lab's servers
    tab.goto(f"/labs/{lab.slug}/relay-map/")
    options = tab.locator("#server option").all_inner_texts()
    tab.select_option("#server", options[-1])
    tab.wait_for_url(f"**/relay-map/?server={options[-1]}")

    tab.goto(f"/labs/{lab.slug}/servers/EX01/connectors/Default%20EX01/general/")
    questions = []
    tab.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.dismiss()))
    tab.get_by_role("button", name="Remove-ReceiveConnector").click()
    assert questions == ["Remove-ReceiveConnector EX01\\Default EX01?"]
    expect(tab.locator("h1")).to_contain_text("Default EX01")  # dismissed: still there
    assert_no_violation(tab, "relay map and remove")
    screenshot(tab, "csp-connector")
