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
import re
import zlib
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool

from ..refusal import Refused
from ..settings import Limits

_JSON_TYPES = ("application/json",)
_PAIR = re.compile(rb"\{\}|\[\]")
_NOT_BRACKET = bytes(b for b in range(256) if b not in b"[]{}")


class GuardedRoute(APIRoute):
    """An APIRoute whose request body is checked, decompressed and parsed within `Limits`."""

    small = False  # enrolment: the small limits, since anyone may call it; else a device token first

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        small = self.small

        async def guarded(request: Request) -> Response:
            if request.method in ("POST", "PUT", "PATCH"):
                if not small:  # who is calling, before reading a byte of the body
                    from .deps import device_of

                    request.state.device = await run_in_threadpool(device_of, request)
                limits: Limits = request.app.state.limits
                body = await read_body(request, limits, small=small)
                request._body = body  # FastAPI reads the bytes from here ...
                request._json = parse_json(body, limits, small=small)  # ... and the JSON from here
            return await handler(request)

        return guarded


class SmallBodyRoute(GuardedRoute):
    small = True


async def read_body(request: Request, limits: Limits, *, small: bool = False) -> bytes:
    """The request's body, decompressed: at most `limits.body_bytes` received (16 KiB when
    `small`) and `limits.decompressed_bytes` once inflated, within the time limits.

    Raises `Refused`: content_type_unsupported (415), body_too_large (413), body_timeout
    (408), body_not_gzip (400).
    """
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type not in _JSON_TYPES and not media_type.endswith("+json"):
        raise Refused("content_type_unsupported", "content-type", {"value": media_type})
    encoding = request.headers.get("content-encoding", "identity").strip().lower()
    if encoding not in ("identity", "gzip", ""):
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
    if encoding == "gzip":
        return gunzip(bytes(received), limit if small else limits.decompressed_bytes)
    return bytes(received)


def gunzip(data: bytes, limit: int) -> bytes:
    """Decompress at most `limit` bytes; a corrupt, truncated or oversized stream is refused."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(data, limit + 1)
        if len(out) > limit:
            raise Refused("body_too_large", "", {"limit": limit})
        if not inflater.eof or inflater.unused_data:
            raise Refused("body_not_gzip")
    except zlib.error:
        raise Refused("body_not_gzip") from None
    return out


def check_json_shape(data: bytes, max_elements: int, max_depth: int) -> None:
    """Refuse JSON text with more than `max_elements` values or nested deeper than
    `max_depth`, without parsing it: linear time in C, no object built.

    Elements (values) are bounded from above by one plus the commas plus the non-empty
    containers (every value but the first is the first in its container or follows a comma),
    so valid JSON is never under-counted; brackets and commas inside strings only count
    against the sender. Depth is found by
    removing innermost bracket pairs, one level per pass, for at most `max_depth` passes.
    Text whose brackets do not pair up is left to the parser, which refuses it.

    Raises `Refused("body_too_complex")` (413) with both limits in its context.
    """
    containers = data.count(b"[") + data.count(b"{") - data.count(b"[]") - data.count(b"{}")
    elements = 1 + data.count(b",") + containers
    if elements > max_elements:
        raise Refused("body_too_complex", "", {"elements": max_elements, "depth": max_depth})
    brackets = data.translate(None, _NOT_BRACKET)
    for _ in range(max_depth):
        if not brackets:
            return
        brackets, removed = _PAIR.subn(b"", brackets)
        if not removed:
            return
    if brackets and _PAIR.search(brackets):
        raise Refused("body_too_complex", "", {"elements": max_elements, "depth": max_depth})


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
    except (ValueError, RecursionError) as exc:  # a 5,000-digit number; brackets nested past the parser
        raise Refused("body_not_json", "", {"problem": str(exc)[:120]}) from None
