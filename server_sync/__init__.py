"""The sync server: enrolment, batch sync and coverage over SQLite or PostgreSQL.

The survey domain (`survey`) lives in `mobile/` because `flet build` packages that folder
as the app's root. An editable install maps it as a top-level package; when running from
a plain checkout it is found here, so the server and the phone import the same code.
"""

from __future__ import annotations

import sys
from pathlib import Path

try:
    import survey  # noqa: F401
except ImportError:  # a plain checkout: put mobile/ on the path
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "mobile"))

__version__ = "0.1.0"
PROTOCOL = 2  # 2: server revisions of households, per-record form rules (docs/sync-protocol.md)
