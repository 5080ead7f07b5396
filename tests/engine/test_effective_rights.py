"""acl.effective_rights: session identities and Windows Deny/Allow precedence (§2.1, §10)."""

from hypothesis import given
from hypothesis import strategies as st

from connectors.exchange.acl import (
    SessionIdentity,
    add_ad_permission,
    apply_permission_groups,
    effective_matrix,
    effective_rights,
)
from connectors.exchange.catalogue import (
    ANONYMOUS_LOGON,
    AUTHENTICATED_USERS,
    EDGE_TRANSPORT_SERVERS,
    EVERYONE,
    EXTERNALLY_SECURED_SERVERS,
    HUB_TRANSPORT_SERVERS,
    PARTNER_SERVERS,
    RIGHTS,
    PermissionGroup,
)
from connectors.exchange.model import (
    ACE,
    ExchangeVersion,
    Organization,
    Principal,
    PrincipalKind,
    Server,
    ServerRole,
)

MAILBOX = Server("EX01", "ex01.contoso.com", ExchangeVersion.E2019, frozenset({ServerRole.MAILBOX}))
EDGE = Server("EDGE01", "edge01.contoso.com", ExchangeVersion.E2019, frozenset({ServerRole.EDGE}))
ORG = Organization(
    servers=(MAILBOX,),
    principals=(
        Principal("CONTOSO\\alice", member_of=("CONTOSO\\Printers",)),
        Principal("CONTOSO\\Printers", PrincipalKind.GROUP, member_of=("CONTOSO\\Devices",)),
        Principal("CONTOSO\\Devices", PrincipalKind.GROUP, member_of=("CONTOSO\\Printers",)),  # a cycle is harmless
    ),
)
SUBMIT = "ms-Exch-SMTP-Submit"
ANY_RECIPIENT = "ms-Exch-SMTP-Accept-Any-Recipient"
METHOD_B_RIGHTS = {
    SUBMIT,
    ANY_RECIPIENT,
    "ms-Exch-SMTP-Accept-Authentication-Flag",
    "ms-Exch-SMTP-Accept-Any-Sender",
    "ms-Exch-SMTP-Accept-Authoritative-Domain-Sender",
    "ms-Exch-Bypass-Anti-Spam",
    "ms-Exch-Bypass-Message-Size-Limit",
    "ms-Exch-SMTP-Accept-Exch50",
    "ms-Exch-Accept-Headers-Routing",
}


def groups(value, server=MAILBOX):
    return apply_permission_groups((), value, server, "CONTOSO")


def alice():
    return SessionIdentity.account("contoso\\alice", ORG)


# --- identities ----------------------------------------------------------------------------------------------------


def test_anonymous_sessions_run_as_anonymous_logon_without_everyone():
    identity = SessionIdentity.anonymous()
    assert identity.kind == "anonymous"
    assert identity.principals == frozenset({ANONYMOUS_LOGON})


def test_an_account_token_holds_its_groups_transitively_plus_authenticated_users_and_everyone():
    identity = alice()
    assert identity.name == "CONTOSO\\alice"
    assert identity.principals == frozenset(
        {"CONTOSO\\alice", "CONTOSO\\Printers", "CONTOSO\\Devices", AUTHENTICATED_USERS, EVERYONE}
    )


def test_an_account_unknown_to_the_org_still_gets_authenticated_users():
    identity = SessionIdentity.account("bob", ORG)
    assert identity.principals == frozenset({"CONTOSO\\bob", AUTHENTICATED_USERS, EVERYONE})


def test_exchange_server_identities_follow_the_role():
    assert SessionIdentity.exchange_server(MAILBOX, "CONTOSO").principals == frozenset(
        {HUB_TRANSPORT_SERVERS, "CONTOSO\\Exchange Servers"}
    )
    assert SessionIdentity.exchange_server(EDGE, "CONTOSO").principals == frozenset({EDGE_TRANSPORT_SERVERS})


def test_partner_and_externally_secured_identities():
    partner = SessionIdentity.partner("fabrikam.com")
    assert (partner.kind, partner.name, partner.principals) == ("partner", "fabrikam.com", frozenset({PARTNER_SERVERS}))
    assert SessionIdentity.externally_secured().principals == frozenset({EXTERNALLY_SECURED_SERVERS})


# --- grants and reasons --------------------------------------------------------------------------------------------


def test_every_receive_right_gets_a_decision_in_bit_order():
    result = effective_rights((), SessionIdentity.anonymous())
    assert tuple(result.decisions) == RIGHTS
    assert result.allowed_rights == ()
    assert result.decisions[SUBMIT].reason == ("not granted: no ACE for NT AUTHORITY\\ANONYMOUS LOGON gives this right")


def test_a_group_grant_names_the_group_and_principal():
    decision = effective_rights(groups(PermissionGroup.ANONYMOUS_USERS), SessionIdentity.anonymous()).decisions[SUBMIT]
    assert decision.allowed
    assert decision.reason == "granted by permission group AnonymousUsers to NT AUTHORITY\\ANONYMOUS LOGON"
    assert decision.ace == ACE(ANONYMOUS_LOGON, SUBMIT, group="AnonymousUsers")


def test_the_relay_recipe_gives_anonymous_accept_any_recipient():
    acl = add_ad_permission(
        groups(PermissionGroup.ANONYMOUS_USERS), ANONYMOUS_LOGON, ["Ms-Exch-SMTP-Accept-Any-Recipient"]
    )
    result = effective_rights(acl, SessionIdentity.anonymous())
    assert result.has("ms-exch-smtp-accept-any-recipient")
    assert result.decisions[ANY_RECIPIENT].reason == "granted by Add-ADPermission to NT AUTHORITY\\ANONYMOUS LOGON"
    assert len(result.allowed_rights) == 5


def test_method_b_externally_secured_servers_get_the_nine_trusted_rights():
    result = effective_rights(groups(PermissionGroup.EXCHANGE_SERVERS), SessionIdentity.externally_secured())
    assert set(result.allowed_rights) == METHOD_B_RIGHTS
    assert result.decisions["ms-Exch-Bypass-Message-Size-Limit"].reason == (
        "granted by permission group ExchangeServers to MS Exchange\\Externally Secured Servers"
    )


def test_exchange_users_give_authenticated_accounts_relay():
    result = effective_rights(groups(PermissionGroup.EXCHANGE_USERS), alice())
    assert result.has(ANY_RECIPIENT)
    assert not effective_rights(groups(PermissionGroup.EXCHANGE_USERS), SessionIdentity.anonymous()).has(SUBMIT)


def test_exchange_servers_give_another_mailbox_server_the_full_2019_set():
    result = effective_rights(
        groups(PermissionGroup.EXCHANGE_SERVERS), SessionIdentity.exchange_server(MAILBOX, "CONTOSO")
    )
    assert len(result.allowed_rights) == 19


# --- Deny vs Allow ---------------------------------------------------------------------------------------------------


def test_an_explicit_deny_beats_an_explicit_allow_and_says_so():
    acl = groups(PermissionGroup.EXCHANGE_USERS)
    acl = add_ad_permission(acl, "CONTOSO\\Printers", [ANY_RECIPIENT], deny=True)
    decision = effective_rights(acl, alice()).decisions[ANY_RECIPIENT]
    assert not decision.allowed
    assert decision.reason == (
        "denied by an explicit Deny ACE for CONTOSO\\Printers; an explicit Deny beats an Allow, so it overrides "
        "the grant by permission group ExchangeUsers to NT AUTHORITY\\Authenticated Users"
    )


def test_an_explicit_allow_beats_an_inherited_deny():
    acl = (ACE(EVERYONE, SUBMIT, deny=True, inherited=True), ACE("CONTOSO\\alice", SUBMIT))
    decision = effective_rights(acl, alice()).decisions[SUBMIT]
    assert decision.allowed
    assert decision.reason == (
        "granted by Add-ADPermission to CONTOSO\\alice; an explicit Allow beats an inherited Deny, so it overrides "
        "the inherited Deny ACE for Everyone"
    )


def test_an_inherited_deny_beats_an_inherited_allow():
    acl = (ACE("CONTOSO\\Printers", SUBMIT, inherited=True), ACE(EVERYONE, SUBMIT, deny=True, inherited=True))
    assert not effective_rights(acl, alice()).has(SUBMIT)


def test_an_inherited_allow_grants_with_its_origin():
    decision = effective_rights((ACE(EVERYONE, SUBMIT, inherited=True),), alice()).decisions[SUBMIT]
    assert decision.allowed
    assert decision.reason == "granted by an ACE for Everyone inherited from a parent container"


def test_a_deny_for_everyone_does_not_reach_anonymous_sessions():
    acl = add_ad_permission(groups(PermissionGroup.ANONYMOUS_USERS), EVERYONE, [SUBMIT], deny=True)
    assert effective_rights(acl, SessionIdentity.anonymous()).has(SUBMIT)
    assert not effective_rights(acl, alice()).has(SUBMIT)


def test_the_legacy_group_is_denied_forest_headers_by_its_own_deny_ace():
    legacy = SessionIdentity.principal("CONTOSO\\ExchangeLegacyInterop")
    decision = effective_rights(groups(PermissionGroup.EXCHANGE_LEGACY_SERVERS), legacy).decisions[
        "ms-Exch-Accept-Headers-Forest"
    ]
    assert not decision.allowed
    assert decision.reason == (
        "denied by an explicit Deny ACE for CONTOSO\\ExchangeLegacyInterop (permission group ExchangeLegacyServers)"
    )


def test_a_multi_principal_token_names_the_identity_when_nothing_grants():
    decision = effective_rights((), alice()).decisions[SUBMIT]
    assert decision.reason == "not granted: no ACE for CONTOSO\\alice or any group in its token gives this right"


def test_the_matrix_evaluates_each_principal_on_its_own():
    acl = add_ad_permission(groups(PermissionGroup.ANONYMOUS_USERS), "CONTOSO\\Printers", [ANY_RECIPIENT])
    matrix = effective_matrix(acl, [ANONYMOUS_LOGON, "CONTOSO\\Printers", alice()])
    assert set(matrix) == {ANONYMOUS_LOGON, "CONTOSO\\Printers", "CONTOSO\\alice"}
    assert matrix[ANONYMOUS_LOGON].has(SUBMIT)
    assert not matrix[ANONYMOUS_LOGON].has(ANY_RECIPIENT)
    assert matrix["CONTOSO\\Printers"].allowed_rights == (ANY_RECIPIENT,)
    assert matrix["CONTOSO\\alice"].has(ANY_RECIPIENT)


# --- properties ----------------------------------------------------------------------------------------------------

PRINCIPALS = [ANONYMOUS_LOGON, AUTHENTICATED_USERS, EVERYONE, "CONTOSO\\Printers", "CONTOSO\\alice", PARTNER_SERVERS]
IDENTITIES = [SessionIdentity.anonymous(), alice(), SessionIdentity.partner("fabrikam.com")]
aces = st.builds(
    ACE,
    principal=st.sampled_from(PRINCIPALS),
    right=st.sampled_from(RIGHTS[:8]),
    deny=st.booleans(),
    inherited=st.booleans(),
)


def _allowed(acl):
    return [set(effective_rights(acl, identity).allowed_rights) for identity in IDENTITIES]


@given(st.lists(aces, max_size=12), aces)
def test_adding_an_allow_ace_never_removes_a_right(acl, extra):
    before = _allowed(tuple(acl))
    after = _allowed((*acl, ACE(extra.principal, extra.right, deny=False, inherited=extra.inherited)))
    assert all(b <= a for b, a in zip(before, after))


@given(st.lists(aces, max_size=12), aces)
def test_adding_a_deny_ace_never_adds_a_right(acl, extra):
    before = _allowed(tuple(acl))
    after = _allowed((*acl, ACE(extra.principal, extra.right, deny=True, inherited=extra.inherited)))
    assert all(a <= b for b, a in zip(before, after))


def test_an_inherited_deny_over_an_inherited_allow_is_named_as_such():
    acl = (ACE("CONTOSO\\Printers", SUBMIT, inherited=True), ACE(EVERYONE, SUBMIT, deny=True, inherited=True))
    assert effective_rights(acl, alice()).decisions[SUBMIT].reason == (
        "denied by an inherited Deny ACE for Everyone; an inherited Deny beats an inherited Allow, so it overrides "
        "the inherited grant to CONTOSO\\Printers"
    )


def test_a_group_written_deny_overriding_an_add_ad_permission_grant_names_both():
    legacy = "CONTOSO\\ExchangeLegacyInterop"
    acl = add_ad_permission(groups(PermissionGroup.EXCHANGE_LEGACY_SERVERS), legacy, ["ms-Exch-Accept-Headers-Forest"])
    decision = effective_rights(acl, SessionIdentity.principal(legacy)).decisions["ms-Exch-Accept-Headers-Forest"]
    assert decision.reason == (
        "denied by an explicit Deny ACE for CONTOSO\\ExchangeLegacyInterop (permission group ExchangeLegacyServers); "
        "an explicit Deny beats an Allow, so it overrides the Add-ADPermission grant to CONTOSO\\ExchangeLegacyInterop"
    )
