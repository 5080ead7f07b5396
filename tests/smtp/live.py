"""A live endpoint for tests: connectors.smtpserve on 127.0.0.1, free ports, in a background event-loop thread,
and a small raw client that speaks line by line (for what smtplib won't send: junk, pipelined bursts, no QUIT)."""

from __future__ import annotations

import asyncio
import base64
import socket
import ssl
import threading
from contextlib import contextmanager

from connectors.exchange.smtp import Probe, Simulator
from connectors.smtpserve import Endpoint, Listener, start_listeners, tls_context

TIMEOUT = 10


class LiveEndpoint:
    def __init__(self, config: Endpoint, listeners: list[Listener]):
        self.config = config
        self.listeners = listeners
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.ports: dict[int, int] = {}  # modelled port -> real port

    def start(self) -> LiveEndpoint:
        self.thread.start()
        future = asyncio.run_coroutine_threadsafe(self._start(), self.loop)
        self.servers = future.result(TIMEOUT)
        for listener, server in zip(self.listeners, self.servers):
            self.ports[listener.modelled_port] = server.sockets[0].getsockname()[1]
        return self

    async def _start(self):
        return await start_listeners(self.config, self.listeners)

    def stop(self) -> None:
        async def close():
            for server in self.servers:
                server.close()
            for protocol in list(self.config.active):
                protocol._close()
            for server in self.servers:
                await server.wait_closed()

        asyncio.run_coroutine_threadsafe(close(), self.loop).result(TIMEOUT)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(TIMEOUT)
        self.loop.close()


@contextmanager
def live_endpoint(org, server="EX01", ports=(25, 587), ip=None, **options):
    """Serve `org`'s server on 127.0.0.1 free ports standing for ip:port (ip: the server's first address)."""
    model = org.server(server)
    ip = ip or model.ip_addresses[0]
    context, _fingerprint = tls_context([model.fqdn])
    options.setdefault("deterministic", True)
    config = Endpoint(Simulator(org), server, tls_context=context, **options)
    endpoint = LiveEndpoint(config, [Listener("127.0.0.1", 0, ip, port) for port in ports]).start()
    try:
        yield endpoint
    finally:
        endpoint.stop()


class RawClient:
    """A line-by-line SMTP client: send() a command, reply() reads one whole reply (all its lines)."""

    def __init__(self, port: int, timeout: float = TIMEOUT):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.file = self.sock.makefile("rb")

    def send(self, line: str | bytes) -> None:
        data = line if isinstance(line, bytes) else line.encode()
        self.sock.sendall(data + b"\r\n")

    def reply(self) -> list[str]:
        lines = []
        while True:
            raw = self.file.readline()
            if not raw:
                return lines  # connection closed
            line = raw.decode().rstrip("\r\n")
            lines.append(line)
            if len(line) < 4 or line[3] != "-":
                return lines

    def command(self, line: str | bytes) -> list[str]:
        self.send(line)
        return self.reply()

    def starttls(self) -> None:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        self.sock = context.wrap_socket(self.sock)
        self.file = self.sock.makefile("rb")

    def closed(self) -> bool:
        return self.file.readline() == b""

    def close(self) -> None:
        self.sock.close()


def play(port: int, probe: Probe, sim: Simulator) -> list[tuple[str | None, list[str]]]:
    """Send the probe's commands, exactly as the simulator's transcript lists them, to a live endpoint; return
    (client, reply lines) per step, like the transcript. A dropped connection ends the list."""
    expected = sim.simulate(probe).transcript
    try:
        client = RawClient(port)
    except OSError:
        return []
    steps = []
    banner = client.reply()
    if not banner:
        return []
    steps.append((None, banner))
    for step in expected[1:]:
        line = step.client
        if line == "********":
            line = base64.b64encode((probe.auth_password or "x").encode()).decode()
        if line.startswith("From: <"):
            client.sock.sendall(_message(probe))
            steps.append((step.client, client.reply()))
            continue
        reply = client.command(line)
        steps.append((step.client, reply))
        if not reply:
            break
        if step.client == "STARTTLS" and reply[0].startswith("220"):
            client.starttls()
    client.close()
    return steps


def _message(probe: Probe) -> bytes:
    header = f"From: <{probe.from_header or probe.mail_from}>\r\nSubject: parity\r\n\r\n".encode()
    size = probe.message_size if probe.message_size is not None else probe.size
    body = b"x" * max(0, (size or 0) - len(header) - 2) + b"\r\n"
    return header + body + b".\r\n"
