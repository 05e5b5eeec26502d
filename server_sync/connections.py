"""The HTTP connections the server keeps open, bounded (issue 10 §1).

uvicorn closes an idle keep-alive connection after `timeout_keep_alive`, but only once a
request on it has finished: a client that connects and sends nothing, or half a header,
keeps its connection for as long as it likes, and 200 such connections from anyone took
every slot of `--max-connections`. `BoundedH11Protocol` closes a connection on which no
whole request has arrived within `header_seconds`, and refuses more than `per_client`
connections open at once from one address (a trusted reverse proxy's are many browsers',
so it is not counted).
"""

from __future__ import annotations

import asyncio
import ipaddress
from collections import Counter
from typing import Any, ClassVar

from uvicorn.protocols.http.h11_impl import H11Protocol

HEADER_SECONDS = 10.0  # a phone on 2G sends its headers in well under a second
PER_CLIENT = 32  # a browser opens ~6; a phone 1; an office behind one NAT a few dozen


class BoundedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a deadline for each request's headers and a cap on the
    connections one address holds."""

    header_seconds: ClassVar[float] = HEADER_SECONDS
    per_client: ClassVar[int] = PER_CLIENT
    trusted: ClassVar[tuple[Any, ...]] = ()  # networks whose connections are not capped
    _open: ClassVar[Counter[str]] = Counter()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._host = self.client[0] if self.client else ""
        BoundedH11Protocol._open[self._host] += 1
        if BoundedH11Protocol._open[self._host] > self.per_client and not self._is_trusted(self._host):
            transport.close()
            return
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        BoundedH11Protocol._open[self._host] -= 1
        if BoundedH11Protocol._open[self._host] <= 0:
            del BoundedH11Protocol._open[self._host]
        super().connection_lost(exc)

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._arm()

    def _arm(self) -> None:
        """Close the connection unless a new request's headers arrive in time."""
        self.loop.call_later(self.header_seconds, self._no_request, self.cycle)

    def _no_request(self, cycle: Any) -> None:
        waiting = self.cycle is cycle and (cycle is None or cycle.response_complete)
        if waiting and not self.transport.is_closing():
            self.transport.close()

    def _is_trusted(self, host: str) -> bool:
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return False
        return any(address in network for network in self.trusted)


def bounded_protocol(
    trusted: str = "", *, header_seconds: float = HEADER_SECONDS, per_client: int = PER_CLIENT
) -> type[BoundedH11Protocol]:
    """The protocol class to give uvicorn (`http=`), with the reverse proxies `trusted`
    (comma-separated addresses or networks, as `serve --trusted-proxies`)."""
    networks = tuple(ipaddress.ip_network(h.strip(), strict=False) for h in trusted.split(",") if h.strip())
    return type(
        "Bounded",
        (BoundedH11Protocol,),
        {"trusted": networks, "header_seconds": header_seconds, "per_client": per_client},
    )
