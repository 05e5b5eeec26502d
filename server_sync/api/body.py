"""Request bodies read defensively, before FastAPI parses them: content type, bytes, time,
gzip, UTF-8, JSON elements and nesting, then the JSON itself (docs/sync-protocol.md, "Limits").

Every limit is checked before the work it bounds:
- bytes on Content-Length before reading, then on the bytes actually received and produced
  while decompressing, so a lying header or a gzip bomb costs at most the limit in memory;
- time: a client that stops sending is dropped (`body_timeout`, 408), so half-sent requests
  do not hold the server's connections;
- JSON elements and depth on the raw text, in C-speed byte counts, before `json.loads`
  builds a single object: 3 KB of gzip holding a million `{}` is refused in milliseconds
  instead of costing gigabytes;
- the records per batch in `api/routes/sync.py`, before any record is read.
Routes other than enrolment authenticate the device before reading the body, so only an
enrolled phone can make the server read and parse a large one.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import zlib
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager, nullcontext
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect

from ..refusal import Refused
from ..settings import Limits

_JSON_TYPES = ("application/json",)
log = logging.getLogger("server_sync")
_PAIR = re.compile(rb"\{\}|\[\]")
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)  # a JSON string, escapes included
_NOT_BRACKET = bytes(b for b in range(256) if b not in b"[]{}")


class GuardedRoute(APIRoute):
    """An APIRoute whose request body is checked, decompressed and parsed within `Limits`."""

    small = False  # enrolment: the small limits, since anyone may call it; else a device token first

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        small = self.small

        async def guarded(request: Request) -> Response:
            if request.method not in ("POST", "PUT", "PATCH"):
                return await handler(request)
            if not small:  # who is calling, before reading a byte of the body
                from .deps import device_of

                request.state.device = await run_in_threadpool(device_of, request)
            limits: Limits = request.app.state.limits
            try:
                # Received first, outside the gate: a slow sender holds only its own connection
                # (and at most body_bytes of memory), never a turn another request needs.
                raw, encoding = await receive(request, limits, small=small)
            except ClientDisconnect:  # the client went away mid-body: nobody to answer
                log.info("client disconnected before its body was in: %s", request.url.path)
                return Response(status_code=400)
            gate = BodyGate.of(request.app, limits)
            async with gate.hold(gate.bodies, limits.queue_seconds):
                inflating = Inflating(raw, encoding, limits.small_body_bytes if small else limits.decompressed_bytes)
                large = inflating.over(limits.large_body_bytes)
                async with gate.hold(gate.large, limits.queue_seconds) if large else nullcontext():
                    body = inflating.rest()
                    request._body = body  # FastAPI reads the bytes from here ...
                    # ... and the JSON from here; parsed off the event loop, which serves the others
                    request._json = await run_in_threadpool(parse_json, body, limits, small=small)
                    return await handler(request)

        return guarded


class SmallBodyRoute(GuardedRoute):
    small = True


class BodyGate:
    """How many request bodies the server reads and works on at once: `parallel_bodies` of
    any size, and of those one larger than `large_body_bytes` once decompressed. Memory is
    then bounded by one largest request plus a few phone-sized ones, however many arrive;
    a request that waits longer than `queue_seconds` for its turn is 503 `server_busy`."""

    def __init__(self, limits: Limits) -> None:
        self.bodies = asyncio.Semaphore(limits.parallel_bodies)
        self.large = asyncio.Semaphore(1)

    @staticmethod
    def of(app: Any, limits: Limits) -> BodyGate:
        """The app's gate for the running event loop (a semaphore belongs to one loop)."""
        gates: dict[int, BodyGate] = app.state.__dict__.setdefault("body_gates", {})
        loop = id(asyncio.get_running_loop())
        if loop not in gates:
            gates[loop] = BodyGate(limits)
        return gates[loop]

    @staticmethod
    @asynccontextmanager
    async def hold(semaphore: asyncio.Semaphore, seconds: float) -> AsyncIterator[None]:
        try:
            await asyncio.wait_for(semaphore.acquire(), seconds)
        except TimeoutError:
            raise Refused("server_busy") from None
        try:
            yield
        finally:
            semaphore.release()


async def receive(request: Request, limits: Limits, *, small: bool = False) -> tuple[bytes, str]:
    """The request's body as sent, and its encoding ("gzip" or "identity"): at most
    `limits.body_bytes` (16 KiB when `small`), within the time limits.

    Raises `Refused`: content_type_unsupported (415), body_too_large (413), body_timeout (408).
    """
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type not in _JSON_TYPES and not media_type.endswith("+json"):
        raise Refused("content_type_unsupported", "content-type", {"value": media_type})
    encoding = request.headers.get("content-encoding", "identity").strip().lower() or "identity"
    if encoding not in ("identity", "gzip"):
        raise Refused("content_type_unsupported", "content-encoding", {"value": encoding})
    limit = limits.small_body_bytes if small else limits.body_bytes
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise Refused("body_too_large", "", {"limit": limit})
    received = bytearray()
    chunks = request.stream().__aiter__()
    try:
        async with asyncio.timeout(limits.body_seconds):
            while True:
                try:
                    chunk = await asyncio.wait_for(chunks.__anext__(), limits.body_idle_seconds)
                except StopAsyncIteration:
                    break
                received += chunk
                if len(received) > limit:
                    raise Refused("body_too_large", "", {"limit": limit})
    except TimeoutError:
        raise Refused("body_timeout", "", {"seconds": int(limits.body_idle_seconds)}) from None
    return bytes(received), encoding


class Inflating:
    """A body being decompressed in two steps: enough to know whether it is large (`over`),
    then the rest (`rest`), at most `limit` bytes in all, so a gzip bomb costs at most the
    limit. Raises `Refused`: body_too_large (413), body_not_gzip (400)."""

    def __init__(self, raw: bytes, encoding: str, limit: int) -> None:
        self.limit = limit
        self.inflater = zlib.decompressobj(16 + zlib.MAX_WBITS) if encoding == "gzip" else None
        self.head = raw if self.inflater is None else b""
        self.pending = raw if self.inflater is not None else b""
        if self.inflater is None and len(raw) > limit:
            raise Refused("body_too_large", "", {"limit": limit})

    def _inflate(self, upto: int) -> None:
        assert self.inflater is not None
        try:
            self.head += self.inflater.decompress(self.pending, max(0, upto - len(self.head)))
        except zlib.error:
            raise Refused("body_not_gzip") from None
        self.pending = self.inflater.unconsumed_tail

    def over(self, size: int) -> bool:
        """Whether the decompressed body is longer than `size` bytes."""
        if self.inflater is not None and len(self.head) <= size and not self.inflater.eof:
            self._inflate(size + 1)
        return len(self.head) > size

    def rest(self) -> bytes:
        """The whole decompressed body."""
        if self.inflater is None:
            return self.head
        self._inflate(self.limit + 1)
        if len(self.head) > self.limit:
            raise Refused("body_too_large", "", {"limit": self.limit})
        if not self.inflater.eof or self.inflater.unused_data:
            raise Refused("body_not_gzip")
        return self.head


def check_json_shape(data: bytes, max_elements: int, max_depth: int) -> None:
    """Refuse JSON text with more than `max_elements` values or nested deeper than
    `max_depth`, without parsing it: linear time in C, no object built.

    Elements (values) are bounded from above by one plus the commas plus the non-empty
    containers (every value but the first is the first in its container or follows a comma),
    so valid JSON is never under-counted; brackets and commas inside strings only count
    against the sender. Depth is found by removing innermost bracket pairs, one level per
    pass, for at most `max_depth` passes. Brackets inside strings can stop that pairing (a
    lone "}" in an address); then the strings are blanked out (a regular expression, C speed
    again) and the depth is found on what is left, so no text nests deeper than allowed.

    Raises `Refused("body_too_complex")` (413) with both limits in its context.
    """
    containers = data.count(b"[") + data.count(b"{") - data.count(b"[]") - data.count(b"{}")
    elements = 1 + data.count(b",") + containers
    if elements > max_elements:
        raise Refused("body_too_complex", "", {"elements": max_elements, "depth": max_depth})
    if _too_deep(data.translate(None, _NOT_BRACKET), max_depth) is None:
        return  # within the depth
    # Inconclusive or too deep with strings counted: judge the structure alone.
    bare = _STRING.sub(b'""', data).translate(None, _NOT_BRACKET)
    if _too_deep(bare, max_depth):  # True: deeper; None: fine; False: malformed, the parser says so
        raise Refused("body_too_complex", "", {"elements": max_elements, "depth": max_depth})


def _too_deep(brackets: bytes, max_depth: int) -> bool | None:
    """None: pairs up within `max_depth` levels; True: deeper; False: the brackets do not
    pair up (text the parser will refuse, or brackets inside strings)."""
    for _ in range(max_depth):
        if not brackets:
            return None
        brackets, removed = _PAIR.subn(b"", brackets)
        if not removed:
            return False
    if not brackets:
        return None
    return bool(_PAIR.search(brackets))


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_json(data: bytes, limits: Limits, *, small: bool = False) -> Any:
    """The body as JSON (RFC 8259: UTF-8, no NaN or Infinity), within the element and depth
    limits. Raises `Refused`: body_too_complex (413), body_not_json (400) with what is wrong
    in `problem` (not UTF-8, not JSON, a number too long)."""
    check_json_shape(data, limits.small_json_elements if small else limits.json_elements, limits.json_depth)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Refused("body_not_json", "", {"problem": f"not UTF-8 at byte {exc.start}"}) from None
    try:
        return json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise Refused("body_not_json", "", {"problem": f"{exc.msg} at character {exc.pos}"}) from None
    except RecursionError:  # brackets that never close, nested past the parser
        raise Refused("body_not_json", "", {"problem": "brackets nested too deep and not closed"}) from None
    except ValueError as exc:  # a 5,000-digit number
        raise Refused("body_not_json", "", {"problem": str(exc)[:120]}) from None
