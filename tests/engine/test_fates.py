"""A recipient's fate is declared once (exchange/fates.py): its name, its wording and whether it is a success."""

import json

from connectors.exchange.fates import Fate

from .smtp_orgs import contoso, run


def test_only_delivered_and_relayed_fates_are_successes():
    accepted = {fate for fate in Fate if fate.accepted}
    assert accepted == {Fate.MAILBOX, Fate.INTERNAL_RELAY, Fate.EXTERNAL_RELAY, Fate.RELAY_OUTSIDE}


def test_a_refusal_is_bad_and_a_bounce_is_a_warning():
    assert Fate.REJECTED.tone == "bad"
    assert Fate.NDR.tone == "warn"
    assert Fate.MAILBOX.tone == "ok"


def test_every_fate_reads_as_words_of_its_own():
    texts = [fate.text for fate in Fate]
    assert len(set(texts)) == len(texts)
    assert Fate.NDR.text == "accepted, then bounced (NDR)"


def test_a_fate_is_its_name_in_files_and_stored_mail():
    assert Fate.named("relay-outside") is Fate.RELAY_OUTSIDE
    assert Fate.named("delivered") is None
    assert json.dumps({"fate": Fate.NDR}) == '{"fate": "ndr"}'


def test_the_session_decides_fates_from_the_enum():
    result = run(contoso(), mail_from="a@outside.example", rcpts=("b@outside.example", "nobody@contoso.com"))
    assert [type(r.fate) for r in result.recipients] == [Fate, Fate]
