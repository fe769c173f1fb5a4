"""Shared helpers for the benchmarks: timing, medians and the ratio line each one prints.

Machines are shared and noisy, so every benchmark measures its own baseline in the same run,
interleaved with the measurement, and reports the ratio of medians.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence


def timed(function: Callable[[], object]) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def run_process(args: Sequence[str], env: dict[str, str] | None = None) -> float:
    """Wall time of one process run from start to exit (it must exit 0)."""
    start = time.perf_counter()
    subprocess.run(list(args), check=True, env=env, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def interleave(baseline: Callable[[], float], measured: Callable[[], float], rounds: int) -> tuple[list[float], list[float]]:
    """Alternate the two so that load on the machine hits both alike."""
    base, meas = [], []
    for _ in range(rounds):
        base.append(baseline())
        meas.append(measured())
    return base, meas


def report(name: str, baseline: list[float], measured: list[float], *, unit: str = "s",
           goal: str = "", higher_is_better: bool = False) -> float:
    """Print one line: medians, the ratio measured/baseline, and the goal."""
    b, m = statistics.median(baseline), statistics.median(measured)
    ratio = m / b if b else float("inf")
    verdict = ""
    if goal:
        verdict = f"  (goal {goal})"
    kind = "higher is better" if higher_is_better else "lower is better"
    print(f"{name}: baseline {b:.4g} {unit}, measured {m:.4g} {unit}, ratio {ratio:.2f}x, {kind}{verdict}")
    sys.stdout.flush()
    return ratio
