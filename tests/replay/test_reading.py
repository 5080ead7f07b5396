"""Reading SMTP Receive protocol logs: the #Fields line, Exchange's CSV quoting, events, sessions over two files,
several servers, folders, zip and gzip, malformed lines."""

import gzip
import zipfile

import pytest

from connectors.exchange.log_files import LogFileError, sources, text_source
from connectors.exchange.observed import ReadReport, SessionBuilder, permission_rights, sessions_of
from connectors.exchange.protocol_log import read_rows
from connectors.exchange.replay import build_profile, inventory, profile_of_paths
from tests.replay.logs import FRONTEND_2019, FRONTEND_2019_FILES, HUB_2010, HUB_2019, text


def _sessions(*paths):
    report = ReadReport()
    return {s.session_id: s for s in sessions_of(sources(paths), report)}, report


def test_it_reads_a_2010_hub_log_with_ehlo_logged_line_by_line():
    sessions, report = _sessions(HUB_2010)
    refused, alice = sessions["08CD000000000001"], sessions["08CD000000000002"]
    assert report.malformed_count == 0
    assert refused.connector_id == "EX01\\Default EX01"
    assert refused.remote_ip == "203.0.113.5"
    assert refused.banner.endswith("ready at Mon, 1 Jan 2024 09:00:01 +0000")  # a quoted value with a comma
    assert refused.ehlo == "mx.fabrikam.com"
    assert refused.rights == frozenset()
    (transaction,) = refused.transactions
    assert transaction.mail_reply == "530 5.7.1 Client was not authenticated"
    assert refused.ended == "Local"
    assert refused.complete
    assert alice.tls
    assert alice.authenticated
    assert alice.auth_mechanism == "LOGIN"
    assert alice.auth_account == "CONTOSO\\alice"  # from the `authenticated` line: 2010 logs no client AUTH lines
    assert alice.rights == {
        "ms-Exch-SMTP-Submit",
        "ms-Exch-SMTP-Accept-Any-Recipient",
        "ms-Exch-Bypass-Anti-Spam",
        "ms-Exch-Accept-Headers-Routing",
    }
    (message,) = alice.transactions
    assert message.rcpts == [("x@fabrikam.com", "250 2.1.5 Recipient OK")]
    assert message.data_reply.startswith("354")
    assert message.final_reply.startswith("250 2.6.0 <a1@ex01")


def test_a_session_that_starts_in_one_file_ends_in_the_next():
    sessions, _ = _sessions(FRONTEND_2019)
    alice = sessions["08DC000000000003"]
    assert alice.source.endswith("RECV20240101-1.LOG:28")
    assert alice.complete
    assert alice.tls
    assert alice.authenticated
    assert alice.auth_account == "CONTOSO\\alice"  # decoded AUTH LOGIN user
    assert alice.transactions[0].final_reply.startswith("250 2.6.0")


def test_quoted_data_with_commas_and_quotes_is_one_value_and_pipelined_replies_pair_up():
    sessions, _ = _sessions(FRONTEND_2019)
    (relay,) = sessions["08DC000000000001"].transactions
    assert relay.mail_reply == "250 2.1.0 Sender OK"
    assert relay.rcpts == [
        ('"smith, john"@fabrikam.com', "250 2.1.5 Recipient OK"),
        ("alice@contoso.com", "250 2.1.5 Recipient OK"),
    ]


def test_a_malformed_line_is_counted_with_file_and_line_and_reading_goes_on():
    sessions, report = _sessions(FRONTEND_2019)
    assert report.malformed_count == 1
    (bad,) = report.malformed
    assert bad.source.endswith("2019-frontend/RECV20240101-1.LOG")
    assert bad.line == 33
    internet = sessions["08DC000000000002"]
    assert internet.transactions[0].rcpts == [
        ("x@tailspin.com", "550 5.7.1 Unable to relay"),
        ("bob@contoso.com", "250 2.1.5 Recipient OK"),
    ]
    assert internet.ended == "Remote"


def test_it_reads_a_2019_refusal_at_mail_from_and_a_starttls_auth_login_session():
    sessions, _ = _sessions(FRONTEND_2019)
    laptop = sessions["08DC000000000004"]
    assert (laptop.connector_id, laptop.remote_ip, laptop.ehlo) == (
        "EX01\\Client Frontend EX01",
        "192.0.2.8",
        "laptop2",
    )
    assert not laptop.authenticated
    (refused,) = laptop.transactions
    assert refused.mail_reply == "530 5.7.1 Client was not authenticated"
    assert refused.rcpts == []
    alice = sessions["08DC000000000003"]
    assert (alice.tls, alice.auth_mechanism, alice.auth_reply[:3]) == (True, "LOGIN", "235")
    assert alice.rights is not None
    assert "ms-Exch-SMTP-Submit" in alice.rights


def test_the_hub_keeps_the_last_set_session_permissions_of_a_session():
    sessions, _ = _sessions(HUB_2019)
    (leg,) = sessions.values()
    assert leg.permissions.startswith("SMTPSubmit SMTPAcceptAnyRecipient")  # after X-EXPS, not the first "None"
    assert {"ms-Exch-SMTP-Accept-Any-Recipient", "ms-Exch-SMTP-Accept-XProxyFrom", "ms-Exch-SMTP-Accept-Exch50"} <= (
        leg.rights
    )
    assert leg.authenticated
    assert leg.local_endpoint == "10.0.0.10:2525"


def test_the_fields_line_decides_the_columns():
    shuffled = [
        "#Software: Microsoft Exchange Server",
        "#Fields: event,data,session-id,connector-id,date-time,context,sequence-number,remote-endpoint,local-endpoint",
        "+,,S1,EX01\\Relay,2024-01-01T00:00:00.000Z,,0,10.0.0.77:1000,10.0.0.10:25",
        '<,"MAIL FROM:<a@contoso.com>",S1,EX01\\Relay,2024-01-01T00:00:00.001Z,,1,10.0.0.77:1000,10.0.0.10:25',
        "-,,S1,EX01\\Relay,2024-01-01T00:00:00.002Z,Remote,2,10.0.0.77:1000,10.0.0.10:25",
    ]
    (session,) = sessions_of([text_source("x.log", "\r\n".join(shuffled))], ReadReport())
    assert (session.connector_id, session.local_endpoint, session.remote_ip) == (
        "EX01\\Relay",
        "10.0.0.10:25",
        "10.0.0.77",
    )
    assert session.transactions[0].mail_from == "a@contoso.com"
    assert session.ended == "Remote"


def test_a_fields_line_without_the_event_field_and_an_unknown_event_are_malformed():
    lines = ["#Fields: date-time,session-id,data", "2024-01-01T00:00:00.000Z,S1,x", "#Fields: " + ",".join(
        ["date-time", "connector-id", "session-id", "sequence-number", "local-endpoint", "remote-endpoint", "event",
         "data", "context"]), "2024-01-01T00:00:00.000Z,EX01\\R,S1,0,a:1,b:2,?,x,"]  # fmt: skip
    problems = [row.problem for row in read_rows(lines, "y.log")]
    assert problems[0] == "the #Fields line names no event field"
    assert "unknown event '?'" in problems[-1]


def test_set_session_permissions_map_to_extended_right_names():
    rights, other = permission_rights("SMTPSubmit SMTPAcceptAnyRecipient AcceptOrgHeaders SendAs")
    assert rights == {"ms-Exch-SMTP-Submit", "ms-Exch-SMTP-Accept-Any-Recipient", "ms-Exch-Accept-Headers-Organization"}
    assert other == ("SendAs",)
    assert permission_rights("None") == (frozenset(), ())


def test_a_proxy_leg_on_the_hub_names_the_client_it_carries():
    sessions, _ = _sessions(HUB_2019)
    (leg,) = sessions.values()
    assert leg.proxied_for == "10.0.0.50"
    assert leg.auth_mechanism == "X-EXPS"
    assert leg.auth_account == "CONTOSO\\EX01$"
    assert leg.transactions[0].final_reply.startswith("250 2.6.0")  # BDAT LAST ends the data


def test_folders_zip_and_gzip_give_the_same_profile(tmp_path):
    archive = tmp_path / "logs.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for path in FRONTEND_2019_FILES:
            zipped.write(path, f"FrontEnd/{path.name}")
        zipped.writestr("readme.html", "<p>not a log</p>")
    for path in FRONTEND_2019_FILES:
        (tmp_path / f"{path.name}.gz").write_bytes(gzip.compress(path.read_bytes()))
    from_folder = profile_of_paths([FRONTEND_2019])
    from_zip = profile_of_paths([archive])
    from_gzip = profile_of_paths(sorted(tmp_path.glob("*.gz")))
    assert from_folder.kinds.keys() == from_zip.kinds.keys() == from_gzip.kinds.keys()
    assert from_zip.sessions == from_gzip.sessions == 4
    assert from_gzip.report.malformed_count == 1
    assert any("logs.zip!FrontEnd/RECV20240101-1.LOG:" in seen.example for seen in from_zip.kinds.values())


def test_several_servers_at_once_and_the_inventory_says_who_uses_what():
    profile = profile_of_paths([HUB_2010, FRONTEND_2019, HUB_2019])
    assert profile.sessions == 7
    assert profile.messages == 7
    by_connector = {entry["connector"]: entry for entry in inventory(profile)}
    relay = by_connector["EX01\\Anonymous Relay"]
    assert relay["remote_addresses"] == ["10.0.0.50"]
    assert relay["messages"] == 1
    assert relay["recipients"] == 2
    client = by_connector["EX01\\Client Frontend EX01"]
    assert client["remote_addresses"] == ["192.0.2.7", "192.0.2.8"]
    assert client["accounts"] == ["CONTOSO\\alice"]
    assert client["first_seen"] == "2024-01-01T10:05:00.000Z"
    assert client["last_seen"] == "2024-01-01T10:06:00.000Z"
    hub = {a["address"]: a for a in by_connector["EX01\\Default EX01"]["by_address"]}
    assert hub["10.0.0.10"]["proxied_for"] == ["10.0.0.50"]
    assert hub["203.0.113.5"]["messages"] == 1


def test_since_and_until_keep_the_sessions_that_start_between():
    profile = build_profile(sources([FRONTEND_2019]), since="2024-01-01T10:04", until="2024-01-01T10:05:30Z")
    assert profile.sessions == 1
    (kind,) = profile.kinds
    assert kind.remote_ip == "192.0.2.7"


def test_memory_holds_only_the_open_sessions():
    builder = SessionBuilder()
    lines = text(FRONTEND_2019_FILES[0]).splitlines()[5:]
    most_open = 0
    for copy in range(200):  # the same sessions again and again, with new ids
        for row in read_rows([line.replace(",08DC", f",{copy:04X}") for line in lines], "f"):
            if isinstance(row, list):
                builder.feed(row, "f")
                most_open = max(most_open, len(builder.open))
        builder.feed(["t", "EX01\\Client Frontend EX01", f"{copy:04X}000000000003", "9", "", "", "-", "", "", 1], "f")
    assert most_open <= 3
    assert builder.open == {}


def test_a_missing_file_and_a_broken_archive_cant_be_read(tmp_path):
    with pytest.raises(LogFileError, match="No such file"):
        sources([tmp_path / "nowhere.LOG"])
    broken = tmp_path / "broken.zip"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(LogFileError, match="not a readable zip archive"):
        sources([broken])


def test_it_reads_a_corrupt_gzip_up_to_where_it_breaks_and_refuses_one_broken_from_the_start(tmp_path):
    broken_member = gzip.compress(b"")[:10] + b"\x07" + bytes(16)  # a deflate block of the reserved type: zlib.error
    broken = tmp_path / "RECV20240101-1.LOG.gz"
    broken.write_bytes(gzip.compress(FRONTEND_2019_FILES[0].read_bytes()) + broken_member)
    profile = profile_of_paths([broken])
    assert profile.report.malformed[-1].line == 0
    assert profile.report.malformed[-1].problem.startswith("the rest of the file can't be read (Error -3")
    assert profile.sessions == 3
    early = tmp_path / "early.LOG.gz"
    early.write_bytes(broken_member)
    with pytest.raises(LogFileError, match="early.LOG.gz: can't be read"):
        profile_of_paths([early])


def test_a_folder_of_each_servers_zipped_logs_is_read(tmp_path):
    for server in ("EX01", "EX02"):
        with zipfile.ZipFile(tmp_path / f"{server}.zip", "w") as zipped:
            for path in FRONTEND_2019_FILES:
                text_of = path.read_text(encoding="utf-8").replace("EX01\\", f"{server}\\")
                zipped.writestr(f"SmtpReceive/{path.name}", text_of)
    profile = profile_of_paths([tmp_path])
    assert profile.sessions == 8
    assert profile.report.files[0] == f"{tmp_path / 'EX01.zip'}!SmtpReceive/RECV20240101-1.LOG"
    assert {kind.server for kind in profile.kinds} == {"EX01", "EX02"}


def test_files_named_out_of_order_are_read_in_the_order_exchange_wrote_them(tmp_path):
    first, second = FRONTEND_2019_FILES
    (tmp_path / "RECV20240101-10.LOG").write_bytes(second.read_bytes())
    (tmp_path / "RECV20240101-9.LOG").write_bytes(first.read_bytes())
    as_a_shell_globs = sorted(str(path) for path in tmp_path.iterdir())  # -10 before -9
    profile = profile_of_paths(as_a_shell_globs)
    assert profile.report.files == [str(tmp_path / "RECV20240101-9.LOG"), str(tmp_path / "RECV20240101-10.LOG")]
    assert profile.sessions == 4  # alice's session, from -9 into -10, is one
