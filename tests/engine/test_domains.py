"""Accepted domains (reference §6): best-match look-up, validation texts, New-/Set-/Remove-AcceptedDomain."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connectors.exchange.domains import (
    OPEN_RELAY_WARNING,
    STAR_AUTHORITATIVE,
    STAR_DEFAULT,
    STAR_FIRST,
    AcceptedDomainTable,
    new_accepted_domain,
    remove_accepted_domain,
    set_accepted_domain,
    validate_accepted_domains,
)
from connectors.exchange.errors import ExchangeError, ValidationFailed
from connectors.exchange.model import AcceptedDomain, DomainType

AUTH = DomainType.AUTHORITATIVE
INTERNAL = DomainType.INTERNAL_RELAY
EXTERNAL = DomainType.EXTERNAL_RELAY


def domain(name, domain_name, kind=AUTH, default=False, **extra):
    return AcceptedDomain(name=name, domain_name=domain_name, domain_type=kind, default=default, **extra)


CONTOSO = domain("Contoso", "contoso.com", default=True)


# --- matching -------------------------------------------------------------------------------------------------------


def test_it_matches_an_exact_domain_case_insensitively():
    table = AcceptedDomainTable([CONTOSO])
    assert table.match("Contoso.COM") == CONTOSO
    assert table.match("fabrikam.com") is None


def test_an_exact_entry_does_not_cover_subdomains():
    assert AcceptedDomainTable([CONTOSO]).match("sales.contoso.com") is None


def test_a_wildcard_entry_covers_the_domain_itself_and_every_subdomain():
    wildcard = domain("All Contoso", "*.contoso.com")
    table = AcceptedDomainTable([wildcard])
    assert table.match("contoso.com") == wildcard
    assert table.match("x.y.contoso.com") == wildcard
    assert table.match("notcontoso.com") is None


def test_an_explicit_entry_beats_the_wildcard_for_the_bare_domain():
    wildcard = domain("All Contoso", "*.contoso.com", INTERNAL)
    table = AcceptedDomainTable([wildcard, CONTOSO])
    assert table.match("contoso.com") == CONTOSO
    assert table.match("a.contoso.com") == wildcard


def test_the_longest_wildcard_suffix_wins():
    broad = domain("Contoso tree", "*.contoso.com", INTERNAL)
    narrow = domain("EU", "*.eu.contoso.com", EXTERNAL)
    table = AcceptedDomainTable([broad, narrow])
    assert table.match("paris.eu.contoso.com") == narrow
    assert table.match("eu.contoso.com") == narrow
    assert table.match("us.contoso.com") == broad


def test_an_exact_entry_beats_a_wildcard_for_a_subdomain():
    sales = domain("Sales", "sales.contoso.com", EXTERNAL)
    table = AcceptedDomainTable([domain("Tree", "*.contoso.com"), sales])
    assert table.match("sales.contoso.com") == sales


def test_star_matches_every_domain_but_only_as_the_last_resort():
    star = domain("Everything", "*", INTERNAL)
    table = AcceptedDomainTable([CONTOSO, star])
    assert table.match("contoso.com") == CONTOSO
    assert table.match("fabrikam.com") == star
    assert table.lookup("fabrikam.com").how == "star"


def test_match_subdomains_makes_a_plain_entry_cover_its_subdomains():
    table = AcceptedDomainTable([domain("Contoso", "contoso.com", default=True, match_subdomains=True)])
    assert table.match("a.contoso.com").name == "Contoso"


def test_explain_names_the_entry_and_how_it_matched():
    table = AcceptedDomainTable([CONTOSO, domain("Tree", "*.fabrikam.com", INTERNAL)])
    assert "Authoritative accepted domain 'Contoso' (contoso.com)" in table.explain("contoso.com")
    assert "most specific" in table.explain("a.fabrikam.com")
    assert table.explain("tailspin.com") == (
        "tailspin.com is not an accepted domain (no exact, *.domain or * entry matches it)"
    )


# --- validation ----------------------------------------------------------------------------------------------------


def messages(errors):
    return [e.message for e in errors]


def test_a_valid_set_has_no_errors():
    assert (
        validate_accepted_domains([CONTOSO, domain("Tree", "*.fabrikam.com", INTERNAL), domain("S", "*", EXTERNAL)])
        == []
    )


def test_it_requires_exactly_one_default():
    assert validate_accepted_domains([domain("A", "a.com")])[0].field == "MakeDefault"
    errors = validate_accepted_domains([domain("A", "a.com", default=True), domain("B", "b.com", default=True)])
    assert "'A', 'B'" in errors[0].message


def test_star_cannot_be_authoritative_default_or_alone():
    assert STAR_AUTHORITATIVE in messages(validate_accepted_domains([CONTOSO, domain("S", "*")]))
    assert STAR_DEFAULT in messages(validate_accepted_domains([domain("C", "c.com"), domain("S", "*", INTERNAL, True)]))
    assert STAR_FIRST in messages(validate_accepted_domains([domain("S", "*", INTERNAL, True)]))
    assert STAR_AUTHORITATIVE == "The * domain cannot be marked as Authoritative."


@pytest.mark.parametrize("bad", ["domain.*.contoso.com", "*.*.contoso.com", "con*toso.com"])
def test_it_rejects_embedded_wildcards(bad):
    errors = validate_accepted_domains([CONTOSO, domain("Bad", bad)])
    assert errors[0].field == "DomainName"
    assert "you can't embed a wildcard character" in errors[0].message


@pytest.mark.parametrize("bad", ["", "contoso..com", "-contoso.com", "con toso.com", "*."])
def test_it_rejects_malformed_domains(bad):
    assert messages(validate_accepted_domains([CONTOSO, domain("Bad", bad)])) == [f"'{bad}' isn't a valid SMTP domain."]


def test_it_rejects_domains_longer_than_256_characters():
    long_name = ".".join(["a" * 63] * 4) + ".com"
    assert len(long_name) > 256
    errors = validate_accepted_domains([CONTOSO, domain("Long", long_name)])
    assert "The maximum length is 256 and the length of the value provided is 259." in errors[0].message


def test_it_rejects_duplicate_names_and_domains():
    errors = validate_accepted_domains([CONTOSO, domain("contoso", "other.com"), domain("Other", "CONTOSO.com")])
    assert messages(errors) == [
        "An accepted domain with the name 'contoso' already exists.",
        "The domain 'CONTOSO.com' is already an accepted domain.",
    ]


# --- cmdlets -------------------------------------------------------------------------------------------------------


def test_the_first_new_domain_becomes_the_default_and_later_ones_do_not():
    first = new_accepted_domain([], "Contoso", "Contoso.com")
    assert first.domain.default
    assert first.domain.domain_type is AUTH
    assert first.domain.address_book_enabled
    assert first.domain.domain_name == "contoso.com"
    second = new_accepted_domain(first.domains, "Fabrikam", "fabrikam.com", "InternalRelay")
    assert not second.domain.default
    assert second.domain.address_book_enabled is False
    assert len(second.domains) == 2
    assert second.warnings == ()


def test_new_star_domain_warns_about_the_open_relay():
    change = new_accepted_domain([CONTOSO], "Everything", "*", "InternalRelay")
    assert change.warnings == (OPEN_RELAY_WARNING,)
    assert OPEN_RELAY_WARNING == "Configuring '*' as an accepted domain creates an open relay that isn't recommended."


def test_new_star_domain_is_refused_as_authoritative_and_as_the_first_domain():
    with pytest.raises(ValidationFailed) as refused:
        new_accepted_domain([CONTOSO], "Everything", "*")
    assert refused.value.message == STAR_AUTHORITATIVE
    with pytest.raises(ValidationFailed) as first:
        new_accepted_domain([], "Everything", "*", "ExternalRelay")
    assert STAR_FIRST in messages(first.value.errors)


def test_new_refuses_an_unknown_domain_type_in_exchange_words():
    with pytest.raises(ExchangeError) as refused:
        new_accepted_domain([CONTOSO], "F", "fabrikam.com", "Relay")
    assert refused.value.field == "DomainType"
    assert "Authoritative, InternalRelay, ExternalRelay" in refused.value.message


def test_new_refuses_a_duplicate_domain():
    with pytest.raises(ValidationFailed) as refused:
        new_accepted_domain([CONTOSO], "Contoso again", "contoso.com")
    assert refused.value.message == "The domain 'contoso.com' is already an accepted domain."


def test_make_default_moves_the_default():
    fabrikam = domain("Fabrikam", "fabrikam.com")
    change = set_accepted_domain([CONTOSO, fabrikam], "fabrikam.com", make_default=True)
    assert [d.default for d in change.domains] == [False, True]


def test_set_domain_type_follows_address_book_rule_unless_given():
    change = set_accepted_domain([CONTOSO, domain("F", "fabrikam.com")], "F", domain_type="ExternalRelay")
    assert change.domain.domain_type is EXTERNAL
    assert change.domain.address_book_enabled is False
    kept = set_accepted_domain(change.domains, "F", domain_type="InternalRelay", address_book_enabled=True)
    assert kept.domain.address_book_enabled is True


def test_set_refuses_to_make_star_the_default():
    with pytest.raises(ValidationFailed) as refused:
        set_accepted_domain([CONTOSO, domain("S", "*", INTERNAL)], "S", make_default=True)
    assert refused.value.message == STAR_DEFAULT


def test_set_refuses_an_unknown_identity():
    with pytest.raises(ExchangeError) as refused:
        set_accepted_domain([CONTOSO], "Nope", name="X")
    assert refused.value.message == "The operation couldn't be performed because object 'Nope' couldn't be found."


def test_the_default_domain_cannot_be_removed():
    with pytest.raises(ExchangeError) as refused:
        remove_accepted_domain([CONTOSO], "Contoso")
    assert "can't be removed" in refused.value.message
    assert remove_accepted_domain([CONTOSO, domain("F", "f.com")], "f.com").domains == (CONTOSO,)


# --- property: the table agrees with the rule as written -------------------------------------------------------------

LABELS = st.sampled_from(["contoso", "com", "eu", "sales", "x", "fabrikam"])
NAMES = st.lists(LABELS, min_size=1, max_size=4).map(".".join)


def best_by_the_rule(domains, name):
    """§6.2 read literally: exact (incl. the bare domain of *.d), then the longest *.suffix, then *."""
    exact = [d for d in domains if d.domain_name == name]
    bare = [d for d in domains if d.domain_name == "*." + name]
    if exact or bare:
        return (exact or bare)[0]
    suffixes = [d for d in domains if d.domain_name.startswith("*.") and name.endswith(d.domain_name[1:])]
    if suffixes:
        return max(suffixes, key=lambda d: len(d.domain_name))
    return next((d for d in domains if d.domain_name == "*"), None)


@given(
    entries=st.lists(st.one_of(NAMES, NAMES.map("*.{}".format), st.just("*")), max_size=6, unique=True),
    name=NAMES,
)
def test_the_table_picks_the_entry_the_rule_describes(entries, name):
    domains = [domain(f"D{i}", value, INTERNAL) for i, value in enumerate(entries)]
    assert AcceptedDomainTable(domains).match(name) == best_by_the_rule(domains, name)


def test_an_explicit_wildcard_covers_subdomains_before_a_match_subdomains_entry_whatever_the_order():
    plain = domain("Contoso", "contoso.com", default=True, match_subdomains=True)
    tree = domain("Tree", "*.contoso.com", INTERNAL)
    for order in ([plain, tree], [tree, plain]):
        table = AcceptedDomainTable(order)
        assert table.match("contoso.com") == plain
        assert table.match("a.contoso.com") == tree


def test_a_wildcard_hit_is_explained_without_claiming_the_address_has_subdomains():
    table = AcceptedDomainTable([domain("Tree", "*.fabrikam.com", INTERNAL)])
    assert table.explain("fabrikam.com") == (
        "fabrikam.com falls under the InternalRelay accepted domain 'Tree' (*.fabrikam.com), "
        "the most specific entry that covers it"
    )
