"""A real HTTP proxy on 127.0.0.1 that injects faults and shapes the link, for sync tests and benches.

    with FaultProxy("http://127.0.0.1:8000", script=[Fault("drop_response")]) as proxy:
        SyncClient(proxy.url, ...)          # the phone talks to proxy.url

Per request the proxy does one of (`Fault.kind`):

- ``pass``          forward, answer with the server's response;
- ``drop_request``  read the request, close the client connection, forward nothing;
- ``drop_response`` forward, read the server's whole response (it has committed), then close
                    the client connection without sending it: the classic duplicate risk;
- ``duplicate``     forward the request twice, one after the other, answer with the second response;
- ``race``          forward it twice at the same time on two connections, answer with the one
                    that finished last;
- ``delay``         sleep ``ms`` before forwarding (past the client's read timeout this is a
                    timeout: the client gives up and retries while the first copy still reaches
                    the server).

Which fault applies is decided in arrival order, deterministically: first from ``script``
(a list consumed one per request; ``None`` entries mean ``pass``), then from ``mix``
(kind → probability) drawn with the seeded ``rng``, else ``pass``. Only requests whose path
starts with one of ``paths`` take faults (default: the sync endpoint), so enrolment and
coverage reads go through untouched.

Link shaping (``rtt_ms``, ``bandwidth_bps``) models a slow mobile link as store-and-forward:
a new TCP connection costs one round trip (handshake); each request costs half a round trip
plus its bytes at the bandwidth, each response the same on the way back. Bandwidth is one
shared bottleneck per direction (concurrent transfers queue), like a phone's radio link.
TCP slow start and packet loss are not modelled, so the figures are a floor for a real link.

Every exchange is logged (``log``): path, fault, status, bytes each way (request and response
line, headers and body, as they crossed the client side), seconds. Standard library only.
"""

from __future__ import annotations

import http.client
import random
import socket
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

KINDS = ("pass", "drop_request", "drop_response", "duplicate", "race", "delay")
HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailers",
    "transfer-encoding",
    "upgrade",
    "content-length",
    "host",
}
UPSTREAM_TIMEOUT = 60.0


@dataclass(frozen=True)
class Fault:
    kind: str = "pass"
    ms: int = 0  # for "delay"

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown fault {self.kind!r}; one of {KINDS}")


PASS = Fault()


@dataclass
class Exchange:
    """One request the client sent to the proxy, and what became of it."""

    method: str
    path: str
    fault: Fault
    status: int | None = None  # what the proxy sent back (None: nothing; the client may have left)
    forwarded: int = 0  # how many times the server received it
    upstream_statuses: list[int] = field(default_factory=list)  # the server's answers, each copy
    bytes_up: int = 0  # client → proxy
    bytes_down: int = 0  # proxy → client (0 when the response was dropped)
    new_connection: bool = False
    seconds: float = 0.0


class _Link:
    """One direction of a bandwidth-limited link: transfers queue for the bottleneck."""

    def __init__(self, bandwidth_bps: float | None) -> None:
        self.bandwidth_bps = bandwidth_bps
        self._free_at = 0.0
        self._lock = threading.Lock()

    def transmit(self, size: int) -> None:
        if not self.bandwidth_bps or size <= 0:
            return
        with self._lock:
            start = max(time.monotonic(), self._free_at)
            self._free_at = done = start + size * 8 / self.bandwidth_bps
        _sleep_until(done)


def _sleep_until(moment: float) -> None:
    remaining = moment - time.monotonic()
    if remaining > 0:
        time.sleep(remaining)


@dataclass
class FaultProxy:
    upstream: str
    script: list[Fault | None] = field(default_factory=list)
    mix: dict[str, float] = field(default_factory=dict)
    rng: random.Random = field(default_factory=lambda: random.Random(0))
    delay_ms: tuple[int, int] = (50, 300)  # range of a "delay" drawn from the mix
    rtt_ms: float = 0.0
    bandwidth_bps: float | None = None  # fixed at construction
    paths: tuple[str, ...] = ("/api/v1/sync",)
    on_forward: Callable[[Exchange], None] | None = None  # called just before the server gets it

    def __post_init__(self) -> None:
        parts = urlsplit(self.upstream)
        if parts.hostname not in ("127.0.0.1", "localhost"):
            raise ValueError("the fault proxy only forwards to a server on this machine")
        self._target = (parts.hostname, parts.port or 80)
        self.log: list[Exchange] = []
        self.connections = 0
        self.in_flight = 0
        self._lock = threading.Condition()  # a lock whose holders can wait for the proxy to be idle
        self._up, self._down = _Link(self.bandwidth_bps), _Link(self.bandwidth_bps)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- control ------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        assert self._server is not None, "start() first"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def set_faults(
        self, script: Iterable[Fault | None] = (), mix: dict[str, float] | None = None, rng: random.Random | None = None
    ) -> None:
        """Replace the faults to come; `set_faults()` turns them all off ("recovery")."""
        with self._lock:
            self.script = list(script)
            self.mix = dict(mix or {})
            if rng is not None:
                self.rng = rng

    def reset_log(self) -> None:
        with self._lock:
            self.log = []
            self.connections = 0

    def exchanges(self, path_prefix: str = "/api/v1/") -> list[Exchange]:
        """Every exchange so far, once none is in flight: a response the proxy dropped reaches
        the client (closed) before the proxy's handler has recorded that exchange."""
        self.wait_idle()
        with self._lock:
            return [e for e in self.log if e.path.startswith(path_prefix)]

    def wait_idle(self, timeout: float = 30.0) -> None:
        """Until no request is being handled (e.g. a delayed copy the client gave up on)."""
        with self._lock:
            if not self._lock.wait_for(lambda: self.in_flight == 0, timeout):
                raise TimeoutError(f"{self.in_flight} request(s) still in the proxy after {timeout} s")

    def start(self) -> FaultProxy:
        proxy = self

        class Handler(_Handler):
            owner = proxy

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        server.block_on_close = False
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="fault-proxy", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    # -- per request ----------------------------------------------------------------------------
    def _decide(self, path: str) -> Fault:
        if not path.startswith(self.paths):
            return PASS
        with self._lock:
            if self.script:
                return self.script.pop(0) or PASS
            draw = self.rng.random()
            for kind, probability in sorted(self.mix.items()):
                if draw < probability:
                    ms = self.rng.randint(*self.delay_ms) if kind == "delay" else 0
                    return Fault(kind, ms)
                draw -= probability
        return PASS

    def _begin(self) -> None:
        with self._lock:
            self.in_flight += 1

    def _record(self, exchange: Exchange) -> None:
        with self._lock:
            self.log.append(exchange)
            self.in_flight -= 1
            self._lock.notify_all()

    def _new_connection(self) -> None:
        with self._lock:
            self.connections += 1
        if self.rtt_ms:
            time.sleep(self.rtt_ms / 1000)  # SYN → SYN-ACK: one round trip before the first byte

    def _forward(
        self, method: str, path: str, headers: list[tuple[str, str]], body: bytes
    ) -> tuple[int, str, list[tuple[str, str]], bytes]:
        """Send one copy to the server on a connection of its own (never silently re-sent)."""
        upstream = http.client.HTTPConnection(*self._target, timeout=UPSTREAM_TIMEOUT)
        try:
            upstream.request(
                method,
                path,
                body=body or None,
                headers={**dict(headers), "Host": f"{self._target[0]}:{self._target[1]}"},
            )
            response = upstream.getresponse()
            return response.status, response.reason, response.getheaders(), response.read()
        finally:
            upstream.close()


class _Handler(BaseHTTPRequestHandler):
    owner: FaultProxy
    protocol_version = "HTTP/1.1"  # keep-alive, as requests.Session uses it

    def setup(self) -> None:
        super().setup()
        self._fresh = True
        self.owner._new_connection()

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self._handle()

    do_POST = do_PUT = do_DELETE = do_GET

    def _handle(self) -> None:
        owner = self.owner
        owner._begin()
        began = time.monotonic()
        exchange = Exchange(self.command, self.path, owner._decide(self.path), new_connection=self._fresh)
        self._fresh = False
        try:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = [(k, v) for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP]
            exchange.bytes_up = (
                len(self.raw_requestline)
                + len(body)
                + 2
                + sum(len(f"{k}: {v}\r\n".encode("latin-1", "replace")) for k, v in self.headers.items())
            )
            # the request crosses the link: its bytes at the bandwidth plus half a round trip
            owner._up.transmit(exchange.bytes_up)
            if owner.rtt_ms:
                time.sleep(owner.rtt_ms / 2000)
            kind = exchange.fault.kind
            if kind == "drop_request":
                self._hang_up()
                return
            if kind == "delay":
                time.sleep(exchange.fault.ms / 1000)
            if owner.on_forward:
                owner.on_forward(exchange)
            if kind == "race":
                answer = self._race(headers, body, exchange)
            else:
                answer = owner._forward(self.command, self.path, headers, body)
                exchange.forwarded += 1
                exchange.upstream_statuses.append(answer[0])
                if kind == "duplicate":
                    answer = owner._forward(self.command, self.path, headers, body)
                    exchange.forwarded += 1
                    exchange.upstream_statuses.append(answer[0])
            if kind == "drop_response":
                self._hang_up()
                return
            self._answer(answer, exchange)
        except (TimeoutError, BrokenPipeError, ConnectionResetError, OSError):
            self.close_connection = True  # the client went away (e.g. its read timeout)
        finally:
            exchange.seconds = time.monotonic() - began
            owner._record(exchange)

    def _race(self, headers: list[tuple[str, str]], body: bytes, exchange: Exchange) -> tuple:
        answers: list[tuple[float, tuple]] = []
        errors: list[BaseException] = []

        def one() -> None:
            try:
                answer = self.owner._forward(self.command, self.path, headers, body)
                answers.append((time.monotonic(), answer))
            except BaseException as error:
                errors.append(error)

        threads = [threading.Thread(target=one, daemon=True) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(UPSTREAM_TIMEOUT + 5)
        exchange.forwarded += len(answers)
        exchange.upstream_statuses += [answer[0] for _, answer in answers]
        if errors:
            raise errors[0]
        return max(answers, key=lambda a: a[0])[1]

    def _answer(self, answer: tuple, exchange: Exchange) -> None:
        status, reason, headers, data = answer
        lines = [f"HTTP/1.1 {status} {reason}\r\n"]
        lines += [f"{k}: {v}\r\n" for k, v in headers if k.lower() not in HOP_BY_HOP]
        lines.append(f"Content-Length: {len(data)}\r\n\r\n")
        raw = "".join(lines).encode("latin-1") + data
        # the response crosses the link back: half a round trip plus its bytes
        if self.owner.rtt_ms:
            time.sleep(self.owner.rtt_ms / 2000)
        self.owner._down.transmit(len(raw))
        self.wfile.write(raw)
        self.wfile.flush()
        exchange.status, exchange.bytes_down = status, len(raw)

    def _hang_up(self) -> None:
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
