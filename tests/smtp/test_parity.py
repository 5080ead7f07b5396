"""The live endpoint answers exactly as the simulator does: the same probes through both, every reply line compared."""

import pytest

from connectors import labtemplates
from connectors.exchange.smtp import Probe, Simulator
from tests.engine.smtp_orgs import DEFAULT_FRONTEND, PASSWORD, connector, contoso, with_connector
from tests.smtp.live import live_endpoint, play

DEMO_PROBES = {
    "relay from the application server": Probe(
        "EX01", "10.0.0.50", mail_from="app@contoso.com", rcpts=("a@fabrikam.com",)
    ),
    "relay from another host": Probe(
        "EX01", "10.0.0.51", mail_from="app@contoso.com", rcpts=("a@fabrikam.com", "alice@contoso.com")
    ),
    "internal mail from the Internet": Probe(
        "EX01", "192.0.2.7", mail_from="someone@fabrikam.com", rcpts=("alice@contoso.com", "nobody@contoso.com")
    ),
    "spoofed internal sender": Probe("EX01", "192.0.2.7", mail_from="ceo@contoso.com", rcpts=("alice@contoso.com",)),
    "spoofed From header": Probe(
        "EX01", "10.0.0.50", mail_from="app@fabrikam.com", from_header="ceo@contoso.com", rcpts=("x@fabrikam.com",)
    ),
    "declared size over the limit": Probe(
        "EX01", "192.0.2.7", mail_from="a@fabrikam.com", size=40_000_000, rcpts=("alice@contoso.com",)
    ),
    "a message just under the limit": Probe(
        "EX01", "192.0.2.7", mail_from="a@fabrikam.com", size=20_000, rcpts=("alice@contoso.com",)
    ),
    "bad EHLO domain": Probe("EX01", "192.0.2.7", helo="not a domain", mail_from="a@fabrikam.com"),
    "null sender": Probe("EX01", "192.0.2.7", mail_from="", rcpts=("alice@contoso.com",)),
    "client port without signing in": Probe(
        "EX01", "192.0.2.7", port=587, mail_from="alice@contoso.com", rcpts=("a@fabrikam.com",)
    ),
    "AUTH LOGIN before STARTTLS on the client port": Probe(
        "EX01", "192.0.2.7", port=587, auth_mechanism="LOGIN", auth_user="CONTOSO\\alice", mail_from="a@b.com"
    ),
    "STARTTLS, AUTH LOGIN and relay on the client port": Probe(
        "EX01",
        "192.0.2.7",
        port=587,
        starttls=True,
        auth_mechanism="LOGIN",
        auth_user="CONTOSO\\alice",
        mail_from="alice@contoso.com",
        rcpts=("a@fabrikam.com", "bob@contoso.com"),
    ),
    "STARTTLS then an anonymous relay attempt": Probe(
        "EX01", "192.0.2.7", starttls=True, mail_from="a@fabrikam.com", rcpts=("b@fabrikam.com",)
    ),
}


def _compare(org, probe):
    sim = Simulator(org)
    expected = [(step.client, list(step.server)) for step in sim.simulate(probe).transcript]
    with live_endpoint(org, ports=(probe.port,), remote_ip=probe.remote_ip) as live:
        actual = play(live.ports[probe.port], probe, sim)
    assert actual == expected


@pytest.mark.parametrize("name", DEMO_PROBES)
def test_the_endpoint_answers_the_demo_lab_as_the_simulator_does(name):
    _compare(labtemplates.demo_org(), DEMO_PROBES[name])


def test_require_tls_refuses_mail_and_drops_the_connection_as_the_simulator_does():
    org = contoso()
    org = with_connector(org, connector(org, DEFAULT_FRONTEND).with_changes(require_tls=True))
    probe = Probe("EX01", "192.0.2.7", mail_from="a@fabrikam.com", rcpts=("alice@contoso.com",))
    assert Simulator(org).simulate(probe).disconnected
    _compare(org, probe)


def test_a_wrong_password_fails_as_in_the_simulator():
    probe = Probe(
        "EX01",
        "192.0.2.7",
        port=587,
        starttls=True,
        auth_mechanism="LOGIN",
        auth_user="alice@contoso.com",
        auth_password="wrong",
        mail_from="alice@contoso.com",
        rcpts=("a@fabrikam.com",),
    )
    assert "535 5.7.3 Authentication unsuccessful" in str(Simulator(contoso()).simulate(probe).transcript)
    _compare(contoso(), probe)
    _compare(contoso(), Probe(**{**probe.__dict__, "auth_password": PASSWORD}))


def test_no_connector_means_no_banner_in_both():
    org = labtemplates.demo_org()
    probe = Probe("EX01", "10.0.0.50", local_ip="10.0.0.99", port=2600, mail_from="a@b.com")
    assert Simulator(org).simulate(probe).transcript == ()
    with live_endpoint(org, ports=(2600,), ip="10.0.0.99", remote_ip="10.0.0.50") as live:
        assert play(live.ports[2600], probe, Simulator(org)) == []
