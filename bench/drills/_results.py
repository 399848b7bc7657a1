"""A drill's result, and how a drill runs: in a Python process of its own, which writes the result.

``isolated`` runs a drill module's ``drill(full=...)`` in a child process
(``python -m bench.drills._child``) so that each drill sets Django up on its own database and
environment, whether it is called by the runner (``python -m bench.drills``) or from inside the
test-suite (tests/bench/test_drills.py), whose own Django points at pytest's database.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from dataclasses import asdict, dataclass, field
from pathlib import Path

from bench.drills._processes import REPO_ROOT

# Environment a drill's child process must not inherit from whoever started it (pytest's database,
# make test's Redis prefix): the drill sets its own.
INHERITED_APP_ENV = (
    "DATABASE_URL",
    "REDIS_URL",
    "REDIS_KEY_PREFIX",
    "CELERY_BROKER_URL",
    "CELERY_BROKER_KEYPREFIX",
    "DJANGO_SETTINGS_MODULE",
    "APP_ENV",
)
SMALL_TIMEOUT = 900
# Set by tests/bench/test_drills.py: the drill runs inside `make test`, so it may shrink further
# than its small size (fewer rounds, shorter leases); it says so in its notes.
IN_TESTS_ENV = "DRILLS_IN_TESTS"
FULL_TIMEOUT = 3 * 3600


def in_tests() -> bool:
    """True when the drill runs inside the test-suite (``DRILLS_IN_TESTS=1``)."""
    return os.environ.get(IN_TESTS_ENV) == "1"


# -- the result ----------------------------------------------------------------------------------


@dataclass
class DrillResult:
    name: str
    passed: bool
    counts: dict[str, int | float] = field(default_factory=dict)
    ratios: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    def line(self) -> str:
        counts = " ".join(f"{key}={_figure(value)}" for key, value in self.counts.items())
        ratios = " ".join(f"{key}={value:.2f}" for key, value in self.ratios.items())
        parts = ["PASS" if self.passed else "FAIL", self.name, f"{self.seconds:.0f}s"]
        return "  ".join(part for part in (*parts, counts, ratios) if part)

    def print(self) -> None:
        """One line: PASS/FAIL, the drill, its duration, its counts and its ratios; then notes."""
        for note in self.notes:
            print(f"  {self.name}: {note}")
        print(self.line(), flush=True)

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> DrillResult:
        return cls(**json.loads(text))


def _figure(value: int | float) -> str:
    return str(value) if isinstance(value, int) else f"{value:.1f}"


def isolated(module: str, *, full: bool = False, timeout: float | None = None) -> DrillResult:
    """Run ``module``'s ``drill(full=...)`` in a fresh Python process and return its result.

    The child's output goes to this process's stdout (progress lines as they happen). A child
    that dies without a result is a failed drill with the end of its output as the note.
    """
    name = module.rsplit(".", 1)[-1]
    timeout = timeout or (FULL_TIMEOUT if full else SMALL_TIMEOUT)
    env = {key: value for key, value in os.environ.items() if key not in INHERITED_APP_ENV}
    env["PYTHONUNBUFFERED"] = "1"
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix=f"drill-{name}-") as scratch:
        result_path = Path(scratch) / "result.json"
        command = [sys.executable, "-m", "bench.drills._child", module, str(result_path)]
        if full:
            command.append("--full")
        child = subprocess.Popen(command, cwd=REPO_ROOT, env=env, start_new_session=True)
        try:
            child.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            # Its own cleanup (processes, namespaces, the database) runs on SIGTERM.
            os.killpg(child.pid, signal.SIGTERM)
            try:
                child.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(child.pid, signal.SIGKILL)
                child.wait()
        if result_path.exists():
            return DrillResult.from_json(result_path.read_text())
        return DrillResult(
            name=name,
            passed=False,
            seconds=time.monotonic() - started,
            notes=[f"the drill's process ended with status {child.returncode} and no result"],
        )


def child_main(module_name: str, result_path: str, full: bool) -> int:
    """The child side of ``isolated``: run the drill, write its result, whatever happens."""
    import importlib

    name = module_name.rsplit(".", 1)[-1]
    started = time.monotonic()

    def stop(signum, frame):  # unwind so every World cleans up
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, stop)
    try:
        result = importlib.import_module(module_name).drill(full=full)
    except BaseException as error:  # a drill that crashed is a FAIL with its reason
        detail = traceback.format_exception(error)
        print("".join(detail[-12:]), file=sys.stderr, flush=True)
        result = DrillResult(
            name=name,
            passed=False,
            seconds=time.monotonic() - started,
            notes=[f"{type(error).__name__}: {error}"[:2000]],
        )
    Path(result_path).write_text(result.to_json())
    return 0 if result.passed else 1
