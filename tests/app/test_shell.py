"""The app shell opens the real on-disk store off the event loop and routes to screens."""

from __future__ import annotations

import asyncio

from storage import Repository
from survey.records import Hamlet, Household

from .harness import start_app


def test_first_run_shows_welcome(tmp_path):
    async def scenario():
        app = await start_app(tmp_path)
        assert app.page.views[-1].route == "/welcome"
        assert "Chào mừng bạn!" in app.texts()
        assert "Dùng thử với dữ liệu mẫu" in app.texts()

    asyncio.run(scenario())


def test_home_shows_each_hamlet_with_its_progress(tmp_path):
    repo = Repository(tmp_path)
    repo.save_hamlets([Hamlet(id="na-pan", name="Thôn Nà Pàn")])
    for name in ("Hoàng Văn Một", "Lý Thị Hai"):
        home = Household(hamlet_id="na-pan", head_name=name)
        home.complete()
        repo.save_household(home)

    async def scenario():
        app = await start_app(tmp_path)
        shown = app.texts()
        assert "Thôn Nà Pàn" in shown
        assert "0/2 hộ đã khảo sát" in "\n".join(shown)
        assert "2 bản ghi chờ đồng bộ" in shown
        assert "Chưa đồng bộ" in shown  # the fake client cannot tell the link, and no sync was tried

    asyncio.run(scenario())
