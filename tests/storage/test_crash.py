"""Kill the writer at random moments, fill the disk mid-write: the store always opens and
keeps every save it reported done (the harness is bench/crash.py)."""

from __future__ import annotations

import random
import signal
from pathlib import Path

import pytest

from bench.crash import disk_full, torture

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX signals"),
]


def test_thirty_kills_lose_nothing(tmp_path: Path) -> None:
    report = torture("ours", kills=30, workdir=tmp_path, rng=random.Random(7), after_saves=2)
    assert report.rounds == 30
    assert report.saves_reported >= 60  # each kill waited for two saves: it landed among saves
    assert (report.unreadable, report.lost) == (0, 0)


@pytest.mark.skipif(not hasattr(signal, "SIGXFSZ"), reason="needs RLIMIT_FSIZE")
def test_a_disk_filling_up_mid_write_loses_nothing(tmp_path: Path) -> None:
    report = disk_full("ours", rounds=8, workdir=tmp_path, rng=random.Random(7))
    assert report.rounds == 8 and report.saves_reported > 0
    assert (report.unreadable, report.lost) == (0, 0)
