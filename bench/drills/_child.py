"""The child process of ``common.isolated``: ``python -m bench.drills._child <module> <result>``."""

from __future__ import annotations

import sys

from bench.drills.common import child_main

if __name__ == "__main__":
    arguments = sys.argv[1:]
    full = "--full" in arguments
    module, result_path = (argument for argument in arguments if argument != "--full")
    sys.exit(child_main(module, result_path, full))
