"""acl: writing PermissionGroups, Add-/Remove-ADPermission and reading PermissionGroups back (§1.4, §9.3)."""

import itertools

import pytest

from connectors.exchange.acl import (
    add_ad_permission,
    apply_permission_groups,
    read_permission_groups,
    remove_ad_permission,
)
from connectors.exchange.catalogue import (
    ANONYMOUS_LOGON,
    AUTHENTICATED_USERS,
    HUB_TRANSPORT_SERVERS,
    PermissionGroup,
    format_permission_groups,
)
from connectors.exchange.errors import ExchangeError
from connectors.exchange.model import ACE, ExchangeVersion, Server, ServerRole

MAILBOX = Server("EX01", "ex01.contoso.com", ExchangeVersion.E2019, frozenset({ServerRole.MAILBOX}))
HUB_2007 = Server("EX07", "ex07.contoso.com", ExchangeVersion.E2007, frozenset({ServerRole.HUB_TRANSPORT}))
HUB_2010 = Server("EX10", "ex10.contoso.com", ExchangeVersion.E2010, frozenset({ServerRole.HUB_TRANSPORT}))
EDGE = Server("EDGE01", "edge01.contoso.com", ExchangeVersion.E2019, frozenset({ServerRole.EDGE}))
ANY_RECIPIENT = "ms-Exch-SMTP-Accept-Any-Recipient"
AUTHORITATIVE_SENDER = "ms-Exch-SMTP-Accept-Authoritative-Domain-Sender"
GROUPS = [g for g in PermissionGroup if g is not PermissionGroup.CUSTOM]


def write(groups, acl=(), server=MAILBOX):
    return apply_permission_groups(acl, groups, server, "CONTOSO")


def read(acl, server=MAILBOX) -> str:
    return format_permission_groups(read_permission_groups(acl, server, "CONTOSO"))


def relay_recipe(server=MAILBOX):
    """D-RELAY Method A: AnonymousUsers plus Accept-Any-Recipient for ANONYMOUS LOGON."""
    return add_ad_permission(write(PermissionGroup.ANONYMOUS_USERS, server=server), ANONYMOUS_LOGON, [ANY_RECIPIENT])


# --- writing -----------------------------------------------------------------------------------------------------


def test_writing_the_same_groups_again_keeps_the_acl_as_it_is():
    """Set-ReceiveConnector -PermissionGroups with the groups it has changes nothing, not even the ACEs' order (a
    reordered ACL would be a change in the lab's history)."""
    acl = relay_recipe()  # AnonymousUsers' presets, then the Add-ADPermission grant
    assert write(PermissionGroup.ANONYMOUS_USERS, acl) == acl
    granted_first = (acl[-1], *acl[:-1])
    assert write(PermissionGroup.ANONYMOUS_USERS, granted_first) == granted_first


def test_adding_a_group_keeps_the_presets_in_place_and_appends_the_new_ones():
    acl = relay_recipe()
    both = write(PermissionGroup.ANONYMOUS_USERS | PermissionGroup.EXCHANGE_USERS, acl)
    assert both[: len(acl)] == acl
    assert {ace.group for ace in both[len(acl) :]} == {"ExchangeUsers"}


def test_writing_a_group_adds_its_preset_aces_tagged_with_the_group():
    acl = write(PermissionGroup.ANONYMOUS_USERS)
    assert len(acl) == 4
    assert {(ace.principal, ace.group, ace.deny, ace.inherited) for ace in acl} == {
        (ANONYMOUS_LOGON, "AnonymousUsers", False, False)
    }


def test_set_permission_groups_replaces_the_groups_rather_than_adding():
    acl = write(PermissionGroup.PARTNERS, write(PermissionGroup.ANONYMOUS_USERS | PermissionGroup.EXCHANGE_USERS))
    assert read(acl) == "Partners"
    assert {ace.group for ace in acl} == {"Partners"}


def test_rights_granted_by_add_ad_permission_survive_a_later_group_rewrite():
    acl = write(PermissionGroup.ANONYMOUS_USERS, relay_recipe())
    assert ACE(ANONYMOUS_LOGON, ANY_RECIPIENT) in acl
    assert read(acl) == "AnonymousUsers, Custom"
    assert ACE(ANONYMOUS_LOGON, ANY_RECIPIENT) in write(PermissionGroup.NONE, acl)


def test_a_custom_principals_grant_survives_a_group_rewrite():
    acl = add_ad_permission((), "CONTOSO\\Scanners", ["ms-Exch-SMTP-Submit"])
    assert ACE("CONTOSO\\Scanners", "ms-Exch-SMTP-Submit") in write(PermissionGroup.EXCHANGE_SERVERS, acl)


def test_a_preset_right_removed_earlier_comes_back_when_the_group_is_written_again():
    acl = remove_ad_permission(write(PermissionGroup.ANONYMOUS_USERS), ANONYMOUS_LOGON, [AUTHORITATIVE_SENDER])
    assert read(acl) == "Custom"
    assert read(write(PermissionGroup.ANONYMOUS_USERS, acl)) == "AnonymousUsers"


def test_deny_aces_are_never_removed_by_a_group_rewrite():
    acl = add_ad_permission((), ANONYMOUS_LOGON, [ANY_RECIPIENT], deny=True)
    acl = write(PermissionGroup.NONE, write(PermissionGroup.ANONYMOUS_USERS, acl))
    assert acl == (ACE(ANONYMOUS_LOGON, ANY_RECIPIENT, deny=True),)


def test_legacy_deny_aces_are_not_duplicated_by_rewriting():
    acl = write(PermissionGroup.EXCHANGE_LEGACY_SERVERS, write(PermissionGroup.EXCHANGE_LEGACY_SERVERS))
    assert sum(ace.deny for ace in acl) == 2


def test_custom_cannot_be_written():
    with pytest.raises(ExchangeError, match="You can't use Custom to specify PermissionGroups."):
        write(PermissionGroup.CUSTOM)


# --- Add-/Remove-ADPermission --------------------------------------------------------------------------------------


def test_add_ad_permission_is_idempotent_and_canonicalises_names():
    once = add_ad_permission((), "nt authority\\anonymous logon", ["Ms-Exch-SMTP-Accept-Any-Recipient"])
    twice = add_ad_permission(once, ANONYMOUS_LOGON, "ms-exch-smtp-accept-any-recipient")
    assert once == twice == (ACE(ANONYMOUS_LOGON, ANY_RECIPIENT),)


def test_add_ad_permission_writes_one_ace_per_right_and_honours_deny():
    acl = add_ad_permission((), "CONTOSO\\Printers", "ms-Exch-SMTP-Submit, ms-Exch-Bypass-Anti-Spam", deny=True)
    assert acl == (
        ACE("CONTOSO\\Printers", "ms-Exch-SMTP-Submit", deny=True),
        ACE("CONTOSO\\Printers", "ms-Exch-Bypass-Anti-Spam", deny=True),
    )


def test_add_ad_permission_resolves_unqualified_users_in_the_domain():
    assert add_ad_permission((), "alice", ["ms-Exch-SMTP-Submit"], domain_netbios="CONTOSO")[0].principal == (
        "CONTOSO\\alice"
    )


def test_add_ad_permission_needs_a_right():
    with pytest.raises(ExchangeError) as caught:
        add_ad_permission((), ANONYMOUS_LOGON, [])
    assert caught.value.field == "ExtendedRights"


def test_the_anti_spoofing_recipe_removes_the_group_granted_right():
    acl = remove_ad_permission(
        write(PermissionGroup.ANONYMOUS_USERS),
        "NT AUTHORITY\\Anonymous Logon",
        ["ms-exch-smtp-accept-authoritative-domain-sender"],
    )
    assert AUTHORITATIVE_SENDER not in {ace.right for ace in acl}
    assert len(acl) == 3


def test_removing_an_ace_that_does_not_exist_is_an_error_and_changes_nothing():
    acl = write(PermissionGroup.ANONYMOUS_USERS)
    with pytest.raises(ExchangeError) as caught:
        remove_ad_permission(acl, ANONYMOUS_LOGON, [AUTHORITATIVE_SENDER, ANY_RECIPIENT])
    assert caught.value.message == (
        "The access control entry you want to remove doesn't exist on the object: Allow "
        'ms-Exch-SMTP-Accept-Any-Recipient for "NT AUTHORITY\\ANONYMOUS LOGON".'
    )


def test_removing_an_allow_does_not_touch_a_deny_of_the_same_right():
    acl = add_ad_permission(write(PermissionGroup.ANONYMOUS_USERS), ANONYMOUS_LOGON, ["ms-Exch-SMTP-Submit"], deny=True)
    acl = remove_ad_permission(acl, ANONYMOUS_LOGON, ["ms-Exch-SMTP-Submit"])
    assert ACE(ANONYMOUS_LOGON, "ms-Exch-SMTP-Submit", deny=True) in acl
    with pytest.raises(ExchangeError, match="Allow ms-Exch-SMTP-Submit"):
        remove_ad_permission(acl, ANONYMOUS_LOGON, ["ms-Exch-SMTP-Submit"])


def test_an_inherited_ace_cannot_be_removed_on_the_connector():
    acl = (ACE("CONTOSO\\Printers", "ms-Exch-SMTP-Submit", inherited=True),)
    with pytest.raises(ExchangeError, match="inherited from a parent container"):
        remove_ad_permission(acl, "CONTOSO\\Printers", ["ms-Exch-SMTP-Submit"])


# --- reading back --------------------------------------------------------------------------------------------------


def all_combinations(server):
    groups = [g for g in GROUPS if not (server.is_edge and g is PermissionGroup.EXCHANGE_LEGACY_SERVERS)]
    for size in range(len(groups) + 1):
        for chosen in itertools.combinations(groups, size):
            yield sum(chosen, PermissionGroup.NONE)


@pytest.mark.parametrize("server", [MAILBOX, HUB_2007, HUB_2010, EDGE], ids=lambda s: s.name)
def test_every_written_combination_reads_back_unchanged(server):
    for groups in all_combinations(server):
        assert read(write(groups, server=server), server) == format_permission_groups(groups)


def test_the_relay_recipe_reads_anonymous_users_and_custom():
    assert read(relay_recipe()) == "AnonymousUsers, Custom"


def test_the_anti_spoof_removal_reads_custom_only():
    acl = remove_ad_permission(write(PermissionGroup.ANONYMOUS_USERS), ANONYMOUS_LOGON, [AUTHORITATIVE_SENDER])
    assert read(acl) == "Custom"


def test_an_empty_acl_reads_none():
    assert read(()) == "None"


def test_a_deny_ace_for_a_preset_principal_drops_its_group():
    acl = add_ad_permission(write(PermissionGroup.EXCHANGE_USERS), AUTHENTICATED_USERS, ["ms-Exch-SMTP-Submit"], True)
    assert read(acl) == "Custom"


def test_the_group_needs_every_principal_of_it():
    acl = remove_ad_permission(write(PermissionGroup.EXCHANGE_SERVERS), HUB_TRANSPORT_SERVERS, ["ms-Exch-SMTP-Submit"])
    assert read(acl) == "Custom"


def test_another_principal_holding_a_predefined_set_is_not_custom():
    acl = add_ad_permission((), "CONTOSO\\Partner Gateways", ["ms-Exch-SMTP-Submit", "ms-Exch-Accept-Headers-Routing"])
    assert read(acl) == "None"


def test_another_principal_holding_a_set_that_is_no_preset_is_custom():
    acl = add_ad_permission(write(PermissionGroup.ANONYMOUS_USERS), "CONTOSO\\Scanners", ["ms-Exch-SMTP-Submit"])
    assert read(acl) == "AnonymousUsers, Custom"


def test_inherited_aces_of_other_principals_do_not_make_custom():
    acl = (ACE("CONTOSO\\Printers", "ms-Exch-SMTP-Submit", inherited=True),)
    assert read(acl) == "None"


def test_send_rights_are_masked_out_on_read():
    acl = add_ad_permission(write(PermissionGroup.ANONYMOUS_USERS), ANONYMOUS_LOGON, ["ms-Exch-Send-Headers-Routing"])
    assert read(acl) == "AnonymousUsers"


def test_a_2010_server_set_on_a_2019_connector_reads_custom():
    acl = write(PermissionGroup.EXCHANGE_SERVERS, server=HUB_2010)
    assert read(acl, MAILBOX) == "Custom"


def test_another_principal_holding_the_2007_users_set_is_custom_on_2013_and_later():
    # P-AAD's "IP Secured Inbound" rights: the 2007 ExchangeUsers set, which is no preset from 2010 on (X-RC).
    rights = ["ms-Exch-SMTP-Submit", ANY_RECIPIENT, "ms-Exch-Bypass-Anti-Spam"]
    acl = add_ad_permission((), "CONTOSO\\svc-app", rights)
    assert read(acl) == "Custom"
    assert read(acl, HUB_2007) == "None"
