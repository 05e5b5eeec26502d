"""Command line: `python -m server_sync serve --host 127.0.0.1 --port 8000`, `… migrate`.

The database comes from DATABASE_URL, else SQLite in SERVER_DATA_DIR (default ./data).
"""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m server_sync")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the HTTP server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    commands.add_parser("migrate", help="upgrade the database schema and exit")
    args = parser.parse_args(argv)

    from . import db
    from .app import create_app

    if args.command == "migrate":
        engine = db.make_engine()
        db.migrate(engine)
        print(f"schema at revision {db.current_revision(engine)}")
        return 0
    import uvicorn

    uvicorn.run(create_app(), host=args.host, port=args.port, proxy_headers=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
