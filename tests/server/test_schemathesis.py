"""Property-based requests generated from the served OpenAPI schema: never a 5xx.

Bounded (`max_examples` per operation, a fixed seed via derandomize) so it runs in seconds.
"""

from __future__ import annotations

import functools
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings

from server_sync.app import create_app

from .conftest import build_commune, enrol


@functools.cache
def _server():
    """One app for every generated case, made on first use."""
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="schemathesis-"))
    app = create_app(f"sqlite:///{folder / 'server.db'}")
    volunteer_id = build_commune(app)
    app.state.token = enrol(app, volunteer_id)[0]
    return app


schema = schemathesis.openapi.from_asgi("/openapi.json", _server())


@schema.parametrize()
@settings(max_examples=30, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors(case: schemathesis.Case) -> None:
    case.headers = {**(case.headers or {}), "Authorization": f"Bearer {_server().state.token}"}
    response = case.call()
    assert response.status_code < 500, (case.method, case.path, response.status_code, response.text[:500])
