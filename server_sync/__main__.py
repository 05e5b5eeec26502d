"""`python -m server_sync <command>`: the server (`serve`) and the admin commands (see cli.py).

The database comes from DATABASE_URL, else SQLite in SERVER_DATA_DIR (default ./data).
"""

from __future__ import annotations

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
