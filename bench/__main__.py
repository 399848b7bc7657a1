"""Every benchmark, one after another: ``make bench`` (small sizes, a few minutes) or
``make bench FULL=1`` (the sizes of the targets in bench/README.md).

    .venv/bin/python -m bench [--full] [--only sync,pages]

Each benchmark runs as its own process (``bench/<name>.py``) and prints its ratios against a
baseline measured in the same run; this runner only picks the sizes and stops at the first failure.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent

# name: (small arguments, full arguments)
BENCHMARKS: dict[str, tuple[list[str], list[str]]] = {
    "webhooks": (
        ["--requests", "600", "--warmup", "100", "--objects", "50"],
        ["--requests", "4000", "--warmup", "200", "--objects", "500", "--rounds", "4"],
    ),
    "sync": (
        ["--entries", "5000", "--baseline-entries", "500", "--sdk"],
        ["--entries", "50000", "--baseline-entries", "5000", "--sdk"],
    ),
    "invoice_run": (
        ["--entries", "500", "--clients", "10"],
        ["--entries", "5000", "--clients", "50"],
    ),
    "pages": (
        ["--small", "100", "--large", "10000"],
        ["--small", "100", "--large", "100000"],
    ),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="the issue's sizes (slow)")
    parser.add_argument(
        "--only", default="", help="comma-separated names: " + ", ".join(BENCHMARKS)
    )
    args = parser.parse_args()
    names = [name for name in args.only.split(",") if name] or list(BENCHMARKS)
    unknown = sorted(set(names) - set(BENCHMARKS))
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}")
    for name in names:
        small, full = BENCHMARKS[name]
        command = [sys.executable, str(BENCH_DIR / f"{name}.py"), *(full if args.full else small)]
        print(f"== {name}: {' '.join(command[1:])}", flush=True)
        started = time.perf_counter()
        status = subprocess.call(command, cwd=BENCH_DIR.parent)
        print(
            f"== {name}: {'ok' if status == 0 else f'FAILED ({status})'} "
            f"in {time.perf_counter() - started:.0f}s\n",
            flush=True,
        )
        if status:
            return status
    return 0


if __name__ == "__main__":
    sys.exit(main())
