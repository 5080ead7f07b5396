"""Add-ADPermission's ACE options (issue 14): -InheritanceType is stored, printed back and simulated (an inherit-only
ACE applies to nothing on a receive connector, a leaf object); -InheritedObjectType, -ChildObjectTypes and
-Properties are stored and printed back; Remove-ADPermission matches them."""

import pytest

from connectors.exchange import acl, ems
from connectors.exchange.catalogue import ANONYMOUS_LOGON, SUBMIT

from .orgs import template

RELAY = "EX01\\Relay"
NEW_RELAY = "New-ReceiveConnector Relay -Custom -Bindings 10.0.0.9:2600 -RemoteIPRanges 10.9.9.9\n"
ANON = "'NT AUTHORITY\\ANONYMOUS LOGON'"


def run(script, org=None):
    result = ems.run_script(org or template(), NEW_RELAY + script)
    assert result.error is None, result.error
    return result


def grant(options=""):
    return f"Add-ADPermission {RELAY} -User {ANON} -ExtendedRights ms-Exch-SMTP-Submit {options}".rstrip() + "\n"


def relay_aces(result):
    return result.org.connector("EX01", "Relay").acl


def submit(result):
    return acl.effective_rights(relay_aces(result), acl.SessionIdentity.anonymous()).decisions[SUBMIT]


def test_it_stores_inheritance_type_and_prints_it_back():
    result = run(grant("-InheritanceType Descendents") + f"Get-ADPermission {RELAY} -User {ANON} | Format-List")
    (ace,) = relay_aces(result)
    assert ace.inheritance_type == "Descendents"
    assert "InheritanceType     : Descendents" in result.output


def test_the_default_inheritance_type_is_all_as_the_reference_documents():
    result = run(grant() + f"(Get-ADPermission {RELAY} -User {ANON}).InheritanceType")
    assert relay_aces(result)[0].inheritance_type == "All"
    assert result.output[-1] == "All"
    # Setup's ACEs print All too
    setup = ems.run_script(
        template(), "Get-ADPermission 'EX01\\Default EX01' | Select-Object -ExpandProperty InheritanceType -Unique"
    )
    assert setup.output == ["All"]


@pytest.mark.parametrize("inheritance", ["Descendents", "Children"])
def test_an_inherit_only_ace_grants_nothing_on_the_connector(inheritance):
    result = run(grant(f"-InheritanceType {inheritance}"))
    decision = submit(result)
    assert not decision.allowed
    assert decision.ace is None
    assert f"InheritanceType {inheritance} is inherit-only" in decision.reason
    assert "a receive connector has none, so it is skipped" in decision.reason


@pytest.mark.parametrize("inheritance", ["None", "All", "SelfAndChildren"])
def test_an_ace_that_applies_to_the_object_itself_grants_the_right(inheritance):
    decision = submit(run(grant(f"-InheritanceType {inheritance}")))
    assert decision.allowed
    assert decision.ace.inheritance_type == inheritance


def test_an_inherit_only_deny_doesnt_override_the_allow_and_the_decision_says_so():
    result = run(grant() + grant("-Deny -InheritanceType Children"))
    decision = submit(result)
    assert decision.allowed
    assert "the Deny ACE for NT AUTHORITY\\ANONYMOUS LOGON with InheritanceType Children is inherit-only" in (
        decision.reason
    )


@pytest.mark.parametrize("written", ["descendents", "DESCENDENTS", " Descendents "])
def test_inheritance_type_takes_full_names_in_any_case(written):
    result = run(grant(f"-InheritanceType '{written}'"))
    assert relay_aces(result)[0].inheritance_type == "Descendents"


@pytest.mark.parametrize("written", ["Desc", "Child", "Everything"])
def test_a_prefix_or_another_word_is_powershells_conversion_error_and_nothing_changes(written):
    org = template()
    result = ems.run_script(org, NEW_RELAY + grant(f"-InheritanceType {written}"), atomic=True)
    assert result.error.startswith(
        f"Cannot bind parameter 'InheritanceType'. Cannot convert value \"{written}\" to type "
        '"System.DirectoryServices.ActiveDirectorySecurityInheritance". Error: "Unable to match the identifier name '
        f"{written} to a valid enumerator name. Specify one of the following enumerator names and try again: None, "
        'All, Descendents, SelfAndChildren, Children"'
    )
    assert result.org is org


def test_an_inherit_only_ace_sits_beside_the_normal_one_for_the_same_user_and_right():
    result = run(grant() + grant("-InheritanceType Descendents"))
    assert [ace.inheritance_type for ace in relay_aces(result)] == ["All", "Descendents"]
    again = run(grant() + grant("-InheritanceType Descendents") + grant("-InheritanceType Descendents"))
    assert len(relay_aces(again)) == 2  # adding an ACE that exists changes nothing


def test_object_types_are_stored_printed_back_and_noted_as_not_simulated():
    result = run(
        grant("-InheritedObjectType ms-Exch-SmtpReceiveConnector -ChildObjectTypes user,group -Properties cn")
        + f"Get-ADPermission {RELAY} -User {ANON} | Format-List"
    )
    (ace,) = relay_aces(result)
    assert ace.inherited_object_type == "ms-Exch-SmtpReceiveConnector"
    assert ace.child_object_types == ("user", "group")
    assert ace.object_properties == ("cn",)
    assert "InheritedObjectType : ms-Exch-SmtpReceiveConnector" in result.output
    assert "ChildObjectTypes    : {user, group}" in result.output
    assert "Properties          : {cn}" in result.output
    notes = [line for line in result.output if line.startswith("NOTE: -")]
    assert [note.split()[1] for note in notes] == ["-InheritedObjectType", "-ChildObjectTypes", "-Properties"]
    assert all("kept on the access control entry" in note for note in notes)
    assert submit(result).allowed  # they don't change what the extended right does on the connector


def test_inheritance_type_is_not_noted_as_unmodelled():
    result = run(grant("-InheritanceType All"))
    assert not any(line.startswith("NOTE: -InheritanceType") for line in result.output)


def test_remove_without_inheritance_type_removes_the_all_entry_only():
    result = run(
        grant() + grant("-InheritanceType Descendents") + f"Remove-ADPermission {RELAY} -User {ANON} "
        "-ExtendedRights ms-Exch-SMTP-Submit -Confirm:$false"
    )
    assert [ace.inheritance_type for ace in relay_aces(result)] == ["Descendents"]


def test_remove_with_inheritance_type_removes_that_entry():
    result = run(
        grant() + grant("-InheritanceType Descendents") + f"Remove-ADPermission {RELAY} -User {ANON} "
        "-ExtendedRights ms-Exch-SMTP-Submit -InheritanceType descendents -Confirm:$false"
    )
    assert [ace.inheritance_type for ace in relay_aces(result)] == ["All"]


def test_removing_the_all_entry_when_only_an_inherit_only_one_exists_says_which_to_name():
    result = ems.run_script(
        template(),
        NEW_RELAY
        + grant("-InheritanceType Children")
        + f"Remove-ADPermission {RELAY} -User {ANON} -ExtendedRights ms-Exch-SMTP-Submit -Confirm:$false",
    )
    assert result.error.startswith("The access control entry you want to remove doesn't exist on the object")
    assert "add -InheritanceType Children to remove it" in result.error


def test_get_adpermission_piped_to_remove_removes_exactly_the_piped_rows():
    result = run(
        grant()
        + grant("-InheritanceType Descendents")
        + f"Get-ADPermission {RELAY} -User {ANON} | where {{ $_.InheritanceType -eq 'Descendents' }} | "
        "Remove-ADPermission -Confirm:$false"
    )
    assert [ace.inheritance_type for ace in relay_aces(result)] == ["All"]
    other = run(
        grant()
        + grant("-InheritanceType Descendents")
        + f"Get-ADPermission {RELAY} -User {ANON} | where {{ $_.InheritanceType -eq 'All' }} | "
        "Remove-ADPermission -Confirm:$false"
    )
    assert [ace.inheritance_type for ace in relay_aces(other)] == ["Descendents"]


def test_add_adpermission_prints_the_entry_it_wrote_with_its_options():
    result = run("(" + grant("-InheritanceType SelfAndChildren").strip() + ").InheritanceType")
    assert result.output[-1] == "SelfAndChildren"


def test_get_member_types_the_ace_options():
    result = run(grant() + f"Get-ADPermission {RELAY} | Get-Member -MemberType Property | Format-Table Name,Definition")
    text = "\n".join(result.output)
    assert "System.DirectoryServices.ActiveDirectorySecurityInheritance InheritanceType" in text
    assert "ADSchemaObjectIdParameter InheritedObjectType" in text
    assert "ADSchemaObjectIdParameter[] ChildObjectTypes" in text


def test_the_engine_keeps_the_options_apart_from_the_principal_right_and_deny():
    aces = acl.add_ad_permission((), ANONYMOUS_LOGON, [SUBMIT], options=acl.ace_options("Children"))
    assert aces[0].options == {"inheritance_type": "Children"}
    assert acl.add_ad_permission((), ANONYMOUS_LOGON, [SUBMIT])[0].options == {}


def test_plans_write_the_options_when_not_the_default_values_quoted():
    from connectors.exchange.powershell import _acl_commands

    plain = acl.add_ad_permission((), ANONYMOUS_LOGON, [SUBMIT])
    both = acl.add_ad_permission(
        plain, ANONYMOUS_LOGON, [SUBMIT], options=acl.ace_options("Descendents", "ms-Exch-SmtpReceiveConnector")
    )
    (added,) = [command.text for command in _acl_commands(RELAY, plain, both)]
    assert added == (
        f"Add-ADPermission -Identity '{RELAY}' -User 'NT AUTHORITY\\ANONYMOUS LOGON' -ExtendedRights "
        "'ms-Exch-SMTP-Submit' -InheritanceType 'Descendents' -InheritedObjectType 'ms-Exch-SmtpReceiveConnector'"
    )
    (removed,) = [command.text for command in _acl_commands(RELAY, both, plain)]
    assert "-InheritanceType 'Descendents'" in removed and removed.startswith("Remove-ADPermission")
    assert _acl_commands(RELAY, plain, plain) == []
    # the plan's commands run in the console and give the ACL back
    org = template()
    result = ems.run_script(org, NEW_RELAY + added)
    assert result.error is None
    assert [a.options for a in relay_aces(result)] == [
        {"inheritance_type": "Descendents", "inherited_object_type": "ms-Exch-SmtpReceiveConnector"}
    ]


def test_a_plan_and_its_undo_run_in_the_console_and_give_each_lab_back():
    from connectors.exchange import powershell

    before = run("")
    after = run(grant() + grant("-Deny -InheritanceType Children -ChildObjectTypes user"))
    for old, new in ((before.org, after.org), (after.org, before.org)):
        script = "\n".join(command.text for step in powershell.plan(old, new) for command in step.commands)
        result = ems.run_script(old, script)
        assert result.error is None, script
        assert result.org.connector("EX01", "Relay").acl == new.connector("EX01", "Relay").acl
