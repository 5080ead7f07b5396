"""SMTP Receive protocol logs as Exchange writes them (protocol-logging.md), kept as the files themselves in data/:

- 2010-hub: Exchange 2010 Hub Transport (EX01 of the exchange2010 template). An anonymous Internet sender refused
  at MAIL FROM (530 5.7.1) on Default EX01, and alice signing in on Client EX01 after STARTTLS (AUTH LOGIN, the
  account in the `authenticated` line); EHLO replies logged line by line, as 2010 logs them.
- 2019-frontend: Exchange 2019 Front End Transport (EX01 of the demo lab), two files. The application server
  10.0.0.50 relays through Anonymous Relay (pipelined, a quoted recipient with a comma and quotes), an Internet
  sender is refused an outside recipient (550 5.7.1), a malformed line, alice's STARTTLS + AUTH LOGIN session that
  starts in the first file and ends in the second, and a laptop refused at MAIL FROM (530 5.7.1).
- 2019-hub: the Hub (Transport) service of the same server: the Front End's proxy leg (XPROXY, X-EXPS, BDAT).
"""

from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
HUB_2010 = DATA / "2010-hub"
FRONTEND_2019 = DATA / "2019-frontend"
HUB_2019 = DATA / "2019-hub"
FRONTEND_2019_FILES = sorted(FRONTEND_2019.glob("*.LOG"))


def text(path: Path) -> str:
    return path.read_bytes().decode("utf-8")


HEADER = (
    "#Software: Microsoft Exchange Server\r\n#Version: 15.2.1118.7\r\n#Log-Type: SMTP Receive Protocol Log\r\n"
    "#Date: 2024-02-01T09:00:00.000Z\r\n"
    "#Fields: date-time,connector-id,session-id,sequence-number,local-endpoint,remote-endpoint,event,data,context\r\n"
)


def relay_session(session_id: str, remote: str, rcpts: list[str], connector: str = "EX01\\Anonymous Relay") -> str:
    """One anonymous session in the documented format (protocol-logging.md): MAIL FROM, each RCPT TO accepted."""
    events = [("+", "", ""), ("<", "MAIL FROM:<app@contoso.com>", ""), (">", "250 2.1.0 Sender OK", "")]
    for rcpt in rcpts:
        events += [("<", f"RCPT TO:<{rcpt}>", ""), (">", "250 2.1.5 Recipient OK", "")]
    events.append(("-", "", "Local"))
    return "".join(
        f"2024-02-01T09:00:{n:02d}.000Z,{connector},{session_id},{n},10.0.0.10:25,{remote},{event},{data},{context}\r\n"
        for n, (event, data, context) in enumerate(events)
    )
