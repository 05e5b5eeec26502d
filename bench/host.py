"""What kind of host a benchmark ran on, in one line printed beside its figures.

Wall-clock figures move with the machine: the same code measured 5,674 visits/s on one of
this workplace's hosts and about 1,900 on another. A fixed pure-Python workload timed in the
same run says how fast this host runs Python, so figures from two runs can be compared.
"""

from __future__ import annotations

import os
import platform
import time


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def python_loop_seconds(repeat: int = 3) -> float:
    """The best of `repeat` runs of 10 million additions in a Python loop (seconds)."""
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        total = 0
        for number in range(10_000_000):
            total += number
        best = min(best, time.perf_counter() - started)
    return best


def describe() -> str:
    return (
        f"host: {cpu_model()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"10 M-addition Python loop {python_loop_seconds():.2f} s (the lower, the faster the host)"
    )
