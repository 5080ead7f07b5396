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
