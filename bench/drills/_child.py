"""The child process of ``_results.isolated``: ``python -m bench.drills._child <module> <path>``."""

from __future__ import annotations

import sys

from bench.drills._results import child_main

if __name__ == "__main__":
    arguments = sys.argv[1:]
    full = "--full" in arguments
    module, result_path = (argument for argument in arguments if argument != "--full")
    sys.exit(child_main(module, result_path, full))
