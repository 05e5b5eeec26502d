"""Entry point of the volunteer app: what `flet build apk` runs on the phone.

On a desktop, `make run` serves it as a web app on 127.0.0.1, offline.
"""

from __future__ import annotations

from pathlib import Path

import flet as ft
from shell import build_shell

ASSETS = Path(__file__).resolve().parent.parent / "assets"


async def main(page: ft.Page) -> None:
    await build_shell(page)


if __name__ == "__main__":
    ft.run(main, assets_dir=str(ASSETS) if ASSETS.is_dir() else "assets")
