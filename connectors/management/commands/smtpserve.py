import asyncio
import signal

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from connectors.exchange.addresses import parse_ip
from connectors.exchange.errors import ExchangeError
from connectors.exchange.protocol_log import ProtocolLogWriter
from connectors.exchange.smtp import Simulator
from connectors.management.commands.dumplab import lab_named, server_named
from connectors.smtpserve import Endpoint, Listener, start_listeners, tls_context
from connectors.smtpstore import HEARTBEAT_SECONDS, Heartbeat, MessageStore
from connectors.store import lab_to_org


class Command(BaseCommand):
    help = (
        "Serve a lab server's receive connectors over real SMTP: each --listen HOST:PORT stands for the modelled "
        "endpoint IP:PORT. Replies, drops and fates come from the engine; accepted mail is kept, never sent on."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--server", required=True, help="The modelled Exchange server (e.g. EX01)")
        parser.add_argument(
            "--listen",
            action="append",
            required=True,
            metavar="HOST:PORT=IP:PORT",
            help="A real listener and the server endpoint it stands for, e.g. 127.0.0.1:2525=10.0.0.10:25; repeat",
        )
        parser.add_argument("--remote-ip", help="The modelled client address for every session (default: the real one)")
        parser.add_argument(
            "--xclient", action="store_true", help="Accept Postfix's XCLIENT ADDR=… (real Exchange has none)"
        )
        parser.add_argument("--tls-cert", help="PEM certificate for STARTTLS (default: self-signed for the FQDN)")
        parser.add_argument("--tls-key", help="PEM private key of --tls-cert")
        parser.add_argument(
            "--inactivity-timeout",
            type=float,
            help="Seconds of client silence before 451 4.7.0 (default: ConnectionInactivityTimeout, 300 s; Edge 60 s)",
        )
        parser.add_argument("--stop-after", type=float, help="Stop after this many seconds (demos and tests)")

    def handle(self, *args, **options):
        lab = lab_named(options["slug"])
        server = server_named(lab, options["server"])
        try:
            listeners = [Listener.parse(text) for text in options["listen"]]
        except ValueError as error:
            raise CommandError(f"--listen: {error}") from None
        if options["remote_ip"]:
            try:
                parse_ip(options["remote_ip"])
            except ExchangeError as error:
                raise CommandError(f"--remote-ip: {error}") from None
        if bool(options["tls_cert"]) != bool(options["tls_key"]):
            raise CommandError("--tls-cert and --tls-key go together.")
        org = lab_to_org(lab, servers=[server.name])
        model = org.server(server.name)
        names = [model.fqdn, *(c.fqdn for c in org.connectors_of(model.name) if c.fqdn)]
        try:
            context, fingerprint = tls_context(names, options["tls_cert"], options["tls_key"])
        except (OSError, ValueError) as error:
            raise CommandError(f"The TLS certificate can't be loaded: {error}") from None
        log_dir = settings.EXCHSIM_SMTP_LOG_DIR / lab.slug / "SmtpReceive"
        store = MessageStore(lab)
        config = Endpoint(
            Simulator(org),
            model.name,
            remote_ip=options["remote_ip"],
            xclient=options["xclient"],
            tls_context=context,
            log_writer=ProtocolLogWriter(log_dir),
            on_message=store.put,
            keep_bytes=settings.EXCHSIM_SMTP_MAX_STORED_BYTES,
            inactivity_timeout=options["inactivity_timeout"],
        )
        heartbeat = Heartbeat(
            lab,
            model.name,
            listeners,
            remote_ip=options["remote_ip"] or "",
            xclient=options["xclient"],
            tls_fingerprint=fingerprint,
            protocol_log=str(log_dir),
        )
        try:
            asyncio.run(self._serve(config, listeners, heartbeat, fingerprint, log_dir, options["stop_after"]))
        except OSError as error:
            raise CommandError(f"Can't listen: {error}") from None
        finally:
            store.close()
            heartbeat.stop()
            config.log_writer.close()
        self.stdout.write(f"Stopped after {config.sessions} sessions; {store.saved} messages kept.")

    async def _serve(self, config, listeners, heartbeat, fingerprint, log_dir, stop_after):
        servers = await start_listeners(config, listeners)
        for listener, server in zip(listeners, servers):
            real = server.sockets[0].getsockname()
            connector = config.simulator.session(
                config.server, config.remote_ip or listener.host, listener.modelled_ip, listener.modelled_port
            ).connector
            taken = f" ({connector.identity} for {config.remote_ip})" if connector and config.remote_ip else ""
            self.stdout.write(
                f"Listening on {real[0]}:{real[1]} as {config.server} {listener.modelled_ip}:{listener.modelled_port}"
                + taken
            )
        self.stdout.write(f"STARTTLS certificate SHA-256 fingerprint: {fingerprint}")
        self.stdout.write(f"XCLIENT: {'on (not an Exchange command)' if config.xclient else 'off'}")
        self.stdout.write(f"Protocol log: {log_dir}")
        self.stdout.write("Nothing is sent onward. Stop with Ctrl+C.", ending="\n")
        self.stdout.flush()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            try:
                loop.add_signal_handler(signum, stop.set)
            except (RuntimeError, ValueError):  # not the main thread (tests): --stop-after stops it
                pass
        if stop_after:
            loop.call_later(stop_after, stop.set)
        while not stop.is_set():
            try:
                await asyncio.wait_for(stop.wait(), HEARTBEAT_SECONDS)
            except TimeoutError:
                await loop.run_in_executor(None, heartbeat.beat, config.sessions)
        for server in servers:
            server.close()
        for protocol in list(config.active):
            protocol._close()
        for server in servers:
            await server.wait_closed()
