"""The relay map page."""

from django.urls import reverse

from tests.helpers import build_seed_relay


def test_it_draws_one_map_per_binding_and_names_the_relaying_addresses(signed_in, lab):
    build_seed_relay(signed_in, lab)
    body = signed_in.get(reverse("connectors:relay-map", args=[lab.slug]) + "?server=EX01").content.decode()
    assert body.count('<svg class="relaymap"') == 2  # 0.0.0.0:25 and 0.0.0.0:587
    assert '<span class="mono">10.0.0.50</span> through Web app relay' in body
    assert "No address may relay anonymously on 0.0.0.0:587." in body


def test_an_unknown_server_is_404(signed_in, lab):
    assert signed_in.get(reverse("connectors:relay-map", args=[lab.slug]) + "?server=EX99").status_code == 404
