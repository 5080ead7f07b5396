"""syntax: the FQDN and SMTP address checks every way into a lab shares (issue 9, "no silent bad values")."""

import pytest

from connectors.exchange.acl import resolve_principal
from connectors.exchange.errors import ExchangeError
from connectors.exchange.model import Organization, Principal, PrincipalKind, Recipient, RecipientKind
from connectors.exchange.syntax import fqdn_error, is_smtp_address, validate_recipient


@pytest.mark.parametrize("address", ["alice@contoso.com", "first.last+tag@mail.contoso.co.uk", "o'brien@contoso.com"])
def test_it_accepts_ordinary_smtp_addresses(address):
    assert is_smtp_address(address)


@pytest.mark.parametrize(
    "address", ["not an address", "alice", "alice@", "@contoso.com", "alice@contoso", "a..b@contoso.com", "a@-x.com"]
)
def test_it_rejects_what_is_not_an_smtp_address(address):
    assert not is_smtp_address(address)


def test_a_recipient_with_a_bad_or_repeated_address_gets_exchange_words():
    recipient = Recipient("Alice", RecipientKind.MAILBOX, ("alice@contoso.com", "not an address", "ALICE@contoso.com"))
    assert [e.message for e in validate_recipient(recipient)] == [
        "\"not an address\" isn't a valid SMTP address. The domain name can't contain spaces and it has to have a "
        "prefix and a suffix, such as example.com.",
        'The value "ALICE@contoso.com" is already present in the collection.',
    ]
    assert [e.message for e in validate_recipient(Recipient("Nobody", RecipientKind.MAILBOX, ()))] == [
        "A recipient needs at least one SMTP address."
    ]


def test_an_empty_fqdn_means_the_servers_own_and_is_valid():
    assert fqdn_error("") is None
    assert fqdn_error("not a fqdn!!").field == "Fqdn"


ORG = Organization(
    domain_netbios="CONTOSO",
    principals=(Principal("CONTOSO\\alice", member_of=("CONTOSO\\Domain Users",)),
                Principal("CONTOSO\\Printers", PrincipalKind.GROUP)),
)  # fmt: skip


@pytest.mark.parametrize(
    "name, canonical",
    [
        ("nt authority\\anonymous logon", "NT AUTHORITY\\ANONYMOUS LOGON"),
        ("S-1-5-7", "NT AUTHORITY\\ANONYMOUS LOGON"),
        ("MS Exchange\\Externally Secured Servers", "MS Exchange\\Externally Secured Servers"),
        ("contoso\\exchange servers", "CONTOSO\\Exchange Servers"),
        ("CONTOSO\\ExchangeLegacyInterop", "CONTOSO\\ExchangeLegacyInterop"),
        ("alice", "CONTOSO\\alice"),
        ("contoso\\printers", "CONTOSO\\printers"),
        ("CONTOSO\\Domain Users", "CONTOSO\\Domain Users"),
    ],
)
def test_well_known_and_lab_principals_resolve(name, canonical):
    assert resolve_principal(ORG, name).casefold() == canonical.casefold()


def test_a_principal_the_lab_does_not_have_is_not_found():
    with pytest.raises(ExchangeError) as caught:
        resolve_principal(ORG, "contoso\\nosuchuser")
    assert caught.value.message == (
        "The operation couldn't be performed because object 'contoso\\nosuchuser' couldn't be found."
    )
    assert caught.value.field == "User"
