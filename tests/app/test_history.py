"""Lab history: every write records one entry; undo, its conflicts, restore, diff; storage follows the change."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from connectors import history, labfile, labs, store, training
from connectors.exchange import ems
from connectors.store import lab_to_org

pytestmark = pytest.mark.django_db

RELAY = "New-ReceiveConnector -Name Relay -Server EX01 -Custom -Bindings 10.0.0.10:2525 -RemoteIPRanges 10.0.0.50"


@pytest.fixture
def lab(alice):
    return labs.create_lab_from_template("exchangese", owner=alice, name="History lab")


def _run(lab, script, **change):
    """A console script saved as the console saves it; the history entry."""
    result = ems.run_script(lab_to_org(lab), script)
    assert result.error is None, result.error
    return store.save_org(lab, result.org, change=history.Change(source=history.CONSOLE, note=script, **change))


def _ranges(lab, name="Relay"):
    return [r.text for r in lab_to_org(lab).connector("EX01", name).remote_ip_ranges]


def test_creating_a_lab_is_its_first_entry(lab, alice):
    entry = lab.history.get()
    assert (entry.number, entry.action, entry.source) == (1, "create", "command line")
    assert "1 server" in entry.summary
    assert "the exchangese template" in entry.note
    assert entry.commands == "# As Setup leaves it: there is nothing to script."
    demo = labs.create_demo_lab(owner=alice).history.get()
    assert "New-ReceiveConnector -Name 'Anonymous Relay'" in demo.commands
    assert "Add-ADPermission" in demo.commands


def test_a_console_command_is_one_entry_with_its_commands_both_ways(lab, alice):
    entry = _run(lab, RELAY, user=alice)
    assert (entry.number, entry.source, entry.user, entry.note) == (2, "console", alice, RELAY)
    assert entry.summary == "Created receive connector EX01\\Relay"
    assert "New-ReceiveConnector -Name 'Relay' -Server 'EX01'" in entry.commands
    assert "Remove-ReceiveConnector -Identity 'EX01\\Relay'" in entry.undo_commands
    assert entry.touched == [["receive connector", "ex01", "relay", "*"]]


def test_a_change_records_only_the_changed_property_in_lab_file_shape(lab):
    _run(lab, RELAY)
    entry = _run(lab, "Set-ReceiveConnector EX01\\Relay -RemoteIPRanges @{Add='10.0.0.51'} -Banner '220 hi'")
    (change,) = entry.changes
    assert change["op"] == "change"
    assert set(change["after"]) == {"remote_ip_ranges", "banner"}
    assert change["before"]["remote_ip_ranges"] == ["10.0.0.50"]
    assert change["after"]["remote_ip_ranges"] == ["10.0.0.50", "10.0.0.51"]
    assert "RemoteIPRanges (added 10.0.0.51)" in entry.summary
    assert "Banner" in entry.summary


def test_saving_nothing_new_records_nothing(lab):
    assert store.save_org(lab, lab_to_org(lab)) is None
    assert lab.history.count() == 1


def test_undo_puts_the_change_back_as_a_new_entry(lab, alice):
    _run(lab, RELAY)
    removal = _run(lab, "Set-ReceiveConnector EX01\\Relay -RemoteIPRanges @{Add='10.0.0.51'}")
    undone = history.undo(lab, removal.number, history.Change(user=alice, source=history.PAGE))
    assert _ranges(lab) == ["10.0.0.50"]
    assert (undone.action, undone.refers_to, undone.user) == ("undo", removal.number, alice)
    assert "RemoteIPRanges (removed 10.0.0.51)" in undone.summary


def test_undo_of_a_removed_connector_brings_it_back_whole(lab):
    _run(lab, RELAY + "; Add-ADPermission -Identity EX01\\Relay -User 'NT AUTHORITY\\ANONYMOUS LOGON' "
              "-ExtendedRights ms-Exch-SMTP-Accept-Any-Recipient")  # fmt: skip
    before = lab_to_org(lab).connector("EX01", "Relay")
    removal = _run(lab, "Remove-ReceiveConnector EX01\\Relay -Confirm:$false")
    history.undo(lab, removal.number, history.Change())
    assert lab_to_org(lab).connector("EX01", "Relay") == before


def test_undo_is_refused_naming_the_later_entry_that_changed_the_same_property(lab):
    _run(lab, RELAY)
    first = _run(lab, "Set-ReceiveConnector EX01\\Relay -RemoteIPRanges @{Add='10.0.0.51'}")
    later = _run(lab, "Set-ReceiveConnector EX01\\Relay -RemoteIPRanges @{Add='10.0.0.52'}")
    with pytest.raises(history.HistoryError) as refused:
        history.undo(lab, first.number, history.Change())
    assert f"#{later.number}" in str(refused.value)
    assert "RemoteIPRanges of receive connector EX01\\Relay too" in str(refused.value)  # as spelled, not folded
    assert _ranges(lab) == ["10.0.0.50", "10.0.0.51", "10.0.0.52"]


def test_a_later_change_to_another_property_is_not_in_the_way(lab):
    _run(lab, RELAY)
    first = _run(lab, "Set-ReceiveConnector EX01\\Relay -RemoteIPRanges @{Add='10.0.0.51'}")
    _run(lab, "Set-ReceiveConnector EX01\\Relay -Banner '220 later'")
    history.undo(lab, first.number, history.Change())
    connector = lab_to_org(lab).connector("EX01", "Relay")
    assert [r.text for r in connector.remote_ip_ranges] == ["10.0.0.50"]
    assert connector.banner == "220 later"


def test_an_entry_undone_once_says_so_when_undone_again(lab):
    _run(lab, RELAY)
    change = _run(lab, "Set-ReceiveConnector EX01\\Relay -Banner '220 x'")
    undone = history.undo(lab, change.number, history.Change())
    with pytest.raises(history.HistoryError, match=f"already undone by #{undone.number}"):
        history.undo(lab, change.number, history.Change())
    history.undo(lab, undone.number, history.Change())  # undoing the undo is a redo
    assert lab_to_org(lab).connector("EX01", "Relay").banner == "220 x"


def test_the_creation_entry_cant_be_undone(lab):
    with pytest.raises(history.HistoryError, match="created the lab"):
        history.undo(lab, 1, history.Change())


def test_restore_puts_the_whole_lab_back_as_a_new_entry(lab):
    created = lab_to_org(lab)
    _run(lab, RELAY)
    _run(lab, "Set-ReceiveConnector 'EX01\\Default EX01' -Banner '220 changed'")
    _run(lab, "New-AcceptedDomain -Name fabrikam.com -DomainName fabrikam.com -DomainType InternalRelay")
    entry = history.restore(lab, 1, history.Change(source=history.PAGE))
    assert lab_to_org(lab) == created
    assert (entry.action, entry.refers_to) == ("restore", 1)
    history.undo(lab, entry.number, history.Change())  # a restore is undone like any entry
    assert lab_to_org(lab).connector("EX01", "Relay") is not None


def test_restore_to_the_latest_entry_changes_nothing(lab):
    entry = _run(lab, RELAY)
    with pytest.raises(history.HistoryError, match="already as it was"):
        history.restore(lab, entry.number, history.Change())


def test_diff_is_the_plan_between_two_points_either_way(lab):
    _run(lab, RELAY)
    _run(lab, "Set-ReceiveConnector EX01\\Relay -Banner '220 x'")
    forward = history.diff(lab, 1, 3)
    assert [s.summary for s in forward.steps] == ["Create receive connector EX01\\Relay"]
    assert "-Banner '220 x'" in forward.script
    backward = history.diff(lab, 3, 2)
    assert [s.summary for s in backward.steps] == ["Change receive connector EX01\\Relay"]
    assert history.diff(lab, 2, 2).steps == []


def test_unknown_entries_are_named(lab):
    with pytest.raises(history.HistoryError, match="no history entry #9"):
        history.undo(lab, 9, history.Change())


def test_every_way_of_making_a_lab_records_how(alice):
    copied = labs.copy_lab(labs.create_demo_lab(owner=alice), "demo-copy")
    loaded = labs.load_lab(labfile.dump_lab(copied), "loaded")
    started = training.start(training.get_scenario("close-open-relay"), slug="started", owner=alice)
    assert [lab.history.get().action for lab in (copied, loaded, started)] == ["copy", "load", "scenario"]
    assert "close-open-relay" in started.history.get().note


def test_the_model_answer_is_one_entry(alice):
    lab = training.start(training.get_scenario("close-open-relay"), slug="answered", owner=alice)
    training.solve(lab)
    entry = lab.history.first()
    assert (entry.number, entry.action) == (2, "answer")
    assert "model answer" in entry.note


def _call(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_the_ems_command_records_from_the_command_line_and_the_commands_undo_and_restore(lab, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(RELAY))
    _call("ems", lab.slug)
    entries = json.loads(_call("history", lab.slug, "--json"))
    assert [(e["number"], e["source"], e["action"]) for e in entries] == [
        (2, "command line", "command"),
        (1, "command line", "create"),
    ]
    assert "New-ReceiveConnector" in entries[0]["commands"]
    assert "#2" in _call("history", lab.slug)
    assert "Created receive connector EX01\\Relay" in _call("history", lab.slug)
    assert "Undid #2" in _call("undo", lab.slug, "2")
    assert lab_to_org(lab).connector("EX01", "Relay") is None
    assert "Restored" in _call("restore", lab.slug, "2")
    assert lab_to_org(lab).connector("EX01", "Relay") is not None
    with pytest.raises(CommandError, match="created the lab"):
        _call("undo", lab.slug, "1")


def test_storage_follows_the_change_not_the_lab(alice):
    """A console command on a 20-server generated lab stores about what it changed (one connector's ranges)."""
    big = labs.generate_lab("big", 20, 10, 100)
    assert big.history.get().changes == []  # the creation entry copies nothing
    command = "Set-ReceiveConnector 'EX007\\Relay 003' -RemoteIPRanges @{Add='192.0.2.7'}"
    result = ems.run_script(lab_to_org(big), command)
    entry = store.save_org(big, result.org, ["EX007"], change=history.Change(source=history.CONSOLE))
    lab_bytes = len(labfile.dump_lab(big).encode())
    assert history.entry_size(entry) < 12_000 < lab_bytes // 100
    assert entry.touched == [["receive connector", "ex007", "relay 003", "remote_ip_ranges"]]
    history.undo(big, entry.number, history.Change())
    assert len(lab_to_org(big, ["EX007"]).connector("EX007", "Relay 003").remote_ip_ranges) == 100


def test_a_diff_ignores_later_changes_on_servers_it_does_not_concern(alice):
    lab = labs.create_lab_from_template("exchangese-edge", owner=alice, name="Two servers")
    _run(lab, "Set-ReceiveConnector 'EX01\\Default EX01' -Banner '220 one'")
    _run(lab, "Set-ReceiveConnector 'EDGE01\\Default internal receive connector EDGE01' -Banner '220 edge'")
    steps = history.diff(lab, 1, 2).steps
    assert [s.summary for s in steps] == ["Change receive connector EX01\\Default EX01"]
    history.restore(lab, 1, history.Change())
    assert {c.banner for c in lab_to_org(lab).connectors} == {""}
