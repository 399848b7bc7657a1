"""The processes of a drill: waiting on a condition, app processes (gunicorn, Celery workers, beat)
in sessions of their own that can be killed and restarted, and a private Redis that can lose
everything."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))


class DrillError(Exception):
    """The drill could not reach the state it waits for (a time-out, a process that died)."""


# -- waiting -------------------------------------------------------------------------------------


def wait_for(
    condition: Callable[[], Any],
    *,
    timeout: float,
    interval: float = 0.25,
    message: str = "",
    alive: Iterable[AppProcess] = (),
) -> Any:
    """Poll ``condition`` until it returns something truthy; DrillError on time-out, or at once
    if one of ``alive`` has exited."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        for process in alive:
            process.check_alive()
        if time.monotonic() >= deadline:
            raise DrillError(f"timed out after {timeout:.0f}s waiting for {message or condition}")
        time.sleep(interval)


def http_get_ok(url: str, timeout: float = 2.0) -> bool:
    import requests

    try:
        return requests.get(url, timeout=timeout).status_code < 500
    except requests.RequestException:
        return False


# -- app processes -------------------------------------------------------------------------------


class AppProcess:
    """One app process (gunicorn, a Celery worker, beat) in a session of its own, logging to a
    file; ``restart`` starts the same command again (after a kill), appending to the log.

    ``wrap`` prefixes the command (``ip netns exec <ns>`` for the several-hosts drill).
    """

    def __init__(
        self, name: str, command: list[str], *, env: dict[str, str], log_dir: Path, ready: str
    ):
        self.name = name
        self.command = command
        self.env = env
        self.log_path = log_dir / f"{name}.log"
        self.ready_marker = ready
        self.starts = 0
        self.process: subprocess.Popen | None = None
        self.start()

    def start(self) -> None:
        self.starts += 1
        self._ready_from = self.log_path.stat().st_size if self.log_path.exists() else 0
        with self.log_path.open("a") as log:
            log.write(f"\n--- start {self.starts} ---\n")
            log.flush()
            self._ready_from = log.tell()
            self.process = subprocess.Popen(
                self.command,
                cwd=REPO_ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def check_alive(self) -> None:
        if not self.alive():
            raise DrillError(f"{self.name} exited early:\n{self.log()[-3000:]}")

    def is_ready(self) -> bool:
        with self.log_path.open(errors="replace") as log:
            log.seek(self._ready_from)
            return self.ready_marker in log.read()

    def wait_ready(self, timeout: float = 120) -> None:
        wait_for(self.is_ready, timeout=timeout, message=f"{self.name} to be ready", alive=[self])

    def kill(self) -> None:
        """SIGKILL the process and its children at once, as a crashed machine would."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def restart(self) -> None:
        self.kill()
        self.start()

    def stop(self, timeout: float = 20) -> None:
        """SIGTERM its session, then SIGKILL if it has not ended within ``timeout``."""
        if self.process is None or self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
        except ProcessLookupError:
            self.process.wait()


class PrivateRedis:
    """A redis-server of the drill's own on a free port that keeps nothing on disk
    (``--save "" --appendonly no``), so ``restart_empty`` is a Redis that lost everything. Never
    the machine's Redis: other people's work lives there."""

    def __init__(self, log_dir: Path, host: str = "127.0.0.1"):
        from sandbox.process import free_port

        self.host = host
        self.port = free_port(host)
        self.url = f"redis://{host}:{self.port}/0"
        self.log_path = log_dir / "redis.log"
        self.process: subprocess.Popen | None = None
        self.start()

    def start(self) -> None:
        with self.log_path.open("a") as log:
            self.process = subprocess.Popen(
                [
                    shutil.which("redis-server") or "redis-server",
                    "--bind",
                    self.host,
                    "--port",
                    str(self.port),
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--daemonize",
                    "no",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_for(self.answers, timeout=20, interval=0.05, message="the private Redis")

    def answers(self) -> bool:
        import redis

        try:
            return bool(redis.Redis.from_url(self.url, socket_connect_timeout=1).ping())
        except redis.RedisError:
            return False

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def restart_empty(self, down_seconds: float = 0.0) -> None:
        self.kill()
        time.sleep(down_seconds)
        self.start()

    def keys(self) -> int:
        import redis

        return int(redis.Redis.from_url(self.url).dbsize())
