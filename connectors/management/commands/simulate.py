import json

from django.core.management.base import BaseCommand, CommandError

from connectors.exchange.addresses import parse_ip
from connectors.exchange.errors import ExchangeError
from connectors.exchange.smtp import Probe, SessionResult, simulate
from connectors.management.commands.dumplab import lab_named, server_named
from connectors.store import lab_to_org


def render_text(result: SessionResult) -> str:
    """The transcript as an SMTP client would see it, then what exchsim decided and why."""
    lines = [f"Connector: {result.connector.identity if result.connector else '(none)'}"]
    lines.append(f"  {result.selection.reason}")
    if result.identity:
        lines.append(f"Identity:  {result.identity.name} ({result.identity.kind})")
    if result.rights is not None:
        lines.append(f"Rights:    {', '.join(result.rights.allowed_rights) or '(none)'}")
    lines += ["", "Transcript:"]
    for step in result.transcript:
        if step.client is not None:
            lines.append(f"C: {step.client}")
        lines += [f"S: {reply}" for reply in step.server]
    if not result.transcript:
        lines.append("(no SMTP session: the connection is refused or closed at once)")
    if result.recipients:
        lines += ["", "Recipients:"]
        for outcome in result.recipients:
            lines.append(f"  {outcome.address}: {outcome.fate} — {outcome.reply or 'not sent'}")
            lines.append(f"    {outcome.reason}")
            if outcome.ndr:
                lines.append(f"    NDR: {outcome.ndr}")
    if result.reasons:
        lines += ["", "Why:"]
        lines += [f"  - {reason}" for reason in result.reasons]
    return "\n".join(lines)


class Command(BaseCommand):
    help = "Simulate one SMTP session against a lab server: transcript, connector, rights, recipients' fates, why."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--server", required=True, help="The Exchange server the client connects to")
        parser.add_argument("--remote-ip", required=True, help="The client's IP address")
        parser.add_argument("--local-ip", help="The server address connected to (default: the server's first IP)")
        parser.add_argument("--port", type=int, default=25)
        parser.add_argument("--helo", default="client.example.com")
        parser.add_argument("--starttls", action="store_true")
        parser.add_argument("--auth-user", help="Account to sign in with (CONTOSO\\alice, alice or an address)")
        parser.add_argument("--auth-password", help="Password (default: the account's right one)")
        parser.add_argument("--auth-mechanism", choices=["LOGIN", "NTLM", "GSSAPI"], type=str.upper)
        parser.add_argument("--mail-from", help="The envelope sender (MAIL FROM)")
        parser.add_argument("--rcpt", action="append", default=[], help="A recipient (RCPT TO); repeat for several")
        parser.add_argument("--from-header", help="The message's From header (default: the MAIL FROM address)")
        parser.add_argument("--size", type=int, help="Message size in bytes (SIZE= on MAIL FROM)")
        parser.add_argument("--json", action="store_true", help="Print a JSON object instead of text")

    def handle(self, *args, **options):
        lab = lab_named(options["slug"])
        server = server_named(lab, options["server"])
        parsed = {}  # parsed once here; the probe hands the values on to selection and session
        for option in ("remote_ip", "local_ip"):
            try:
                parsed[option] = parse_ip(options[option]) if options[option] else None
            except ExchangeError as error:
                raise CommandError(f"--{option.replace('_', '-')}: {error}") from None
        probe = Probe(
            server=server.name,
            remote_ip=parsed["remote_ip"],
            local_ip=parsed["local_ip"],
            port=options["port"],
            helo=options["helo"],
            starttls=options["starttls"],
            auth_mechanism=options["auth_mechanism"] or ("LOGIN" if options["auth_user"] else None),
            auth_user=options["auth_user"],
            auth_password=options["auth_password"],
            mail_from=options["mail_from"],
            size=options["size"],
            rcpts=tuple(options["rcpt"]),
            from_header=options["from_header"],
        )
        try:
            result = simulate(lab_to_org(lab, servers=[server]), probe)
        except ExchangeError as error:
            raise CommandError(str(error)) from None
        if options["json"]:
            self.stdout.write(json.dumps(result.to_json(), indent=2, ensure_ascii=False))
        else:
            self.stdout.write(render_text(result))
