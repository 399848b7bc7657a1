"""Tiny runs of the benchmarks in bench/: each runs and its result is correct. Never a time limit:
speed is what ``make bench`` prints, as ratios measured in one run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

BENCH_DIR = Path(__file__).resolve().parents[2] / "bench"
if str(BENCH_DIR) not in sys.path:
    sys.path.insert(0, str(BENCH_DIR))


@pytest.fixture
def run_bench():
    """Run ``bench/<name>.py`` as ``make bench`` does (its own database and sandbox); its output."""

    def run(name: str, *arguments: str) -> str:
        env = {**os.environ, "BENCH_REDIS_URL": os.environ.get("REDIS_URL", "")}
        env.pop("DATABASE_URL", None)
        result = subprocess.run(
            [sys.executable, str(BENCH_DIR / f"{name}.py"), *arguments],
            cwd=BENCH_DIR.parent,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-5000:]
        return result.stdout

    return run
