"""What a browser does to sign in: open the form (which sets its login-CSRF cookie), then
send it back with the form's token. For TestClient and requests.Session alike."""

from __future__ import annotations

import re
from typing import Any

FORM_TOKEN = re.compile(r'name="csrf" value="([^"]*)"')


def sign_in_form(client: Any, base: str = "", **fields: str) -> dict[str, str]:
    """The sign-in form's fields with its token, the cookie now in `client`'s jar."""
    page = client.get(f"{base}/dash/sign-in")
    assert page.status_code == 200, page.status_code
    return {**fields, "csrf": FORM_TOKEN.search(page.text)[1]}
