"""Run drills: ``python -m bench.drills [names...] [--full]``; exits 1 if any failed.

Drills are found with pkgutil (every module of this package but ``common`` and private ones), so
a new drill needs no registry; with no names, all of them run, in alphabetical order.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from pathlib import Path

import bench.drills
from bench.drills.common import DrillResult

NOT_DRILLS = {"common"}


def drill_names() -> list[str]:
    return sorted(
        module.name
        for module in pkgutil.iter_modules([str(Path(bench.drills.__file__).parent)])
        if not module.name.startswith("_") and module.name not in NOT_DRILLS
    )


def main(argv: list[str] | None = None) -> int:
    available = drill_names()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "names", nargs="*", help=f"drills to run (default all: {', '.join(available)})"
    )
    parser.add_argument("--full", action="store_true", help="the sizes the issue names")
    arguments = parser.parse_args(argv)
    names = [name.replace("-", "_") for name in arguments.names] or available
    unknown = [name for name in names if name not in available]
    if unknown:
        parser.error(f"no drill named {', '.join(unknown)} (drills: {', '.join(available)})")
    results: list[DrillResult] = []
    for name in names:
        print(f"== {name} ({'full' if arguments.full else 'small'} size)", flush=True)
        result = importlib.import_module(f"bench.drills.{name}").run(full=arguments.full)
        result.print()
        results.append(result)
    if len(results) > 1:
        print("\nSummary:")
        for result in results:
            print(result.line())
    failed = [result.name for result in results if not result.passed]
    if failed:
        print(f"FAILED: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
