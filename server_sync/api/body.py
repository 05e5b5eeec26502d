"""Request bodies read defensively: content type, size limits, gzip, before FastAPI parses.

The limit is checked twice: on Content-Length before reading, and on the bytes actually
received and produced while decompressing, so a lying header or a gzip bomb costs at most
the limit in memory.
"""

from __future__ import annotations

import zlib
from typing import Any, Callable, Coroutine

from fastapi import Request, Response
from fastapi.routing import APIRoute

from ..refusal import Refused
from ..settings import Limits

_JSON_TYPES = ("application/json",)


class GuardedRoute(APIRoute):
    """An APIRoute whose request body is checked and decompressed before validation."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            if request.method in ("POST", "PUT", "PATCH"):
                limits: Limits = request.app.state.limits
                request._body = await read_body(request, limits)  # FastAPI reads it from here
            return await handler(request)

        return guarded


async def read_body(request: Request, limits: Limits) -> bytes:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type not in _JSON_TYPES and not media_type.endswith("+json"):
        raise Refused("content_type_unsupported", "content-type", {"value": media_type})
    encoding = request.headers.get("content-encoding", "identity").strip().lower()
    if encoding not in ("identity", "gzip", ""):
        raise Refused("content_type_unsupported", "content-encoding", {"value": encoding})
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limits.body_bytes:
        raise Refused("body_too_large", "", {"limit": limits.body_bytes})
    received = bytearray()
    async for chunk in request.stream():
        received += chunk
        if len(received) > limits.body_bytes:
            raise Refused("body_too_large", "", {"limit": limits.body_bytes})
    if encoding == "gzip":
        return gunzip(bytes(received), limits.decompressed_bytes)
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
