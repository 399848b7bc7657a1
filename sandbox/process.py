"""Start ``python -m sandbox`` as a subprocess and wait until it answers (tests, benchmarks)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import TracebackType

import requests

from sandbox.config import RegisteredApp
from sandbox.control import SandboxControl

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class SandboxStartError(RuntimeError):
    pass


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


class SandboxProcess:
    def __init__(self, process: subprocess.Popen, url: str, log_path: Path, control: bool):
        self.process = process
        self.url = url
        self.log_path = log_path
        self.control = SandboxControl(url) if control else None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SandboxStartError(
                    f"sandbox exited with {self.process.returncode}:\n{self.log()[-4000:]}"
                )
            try:
                if requests.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.05)
        self.stop()
        raise SandboxStartError(f"sandbox did not answer within {timeout}s:\n{self.log()[-4000:]}")

    def stop(self, timeout: float = 15.0) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self) -> SandboxProcess:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def start_sandbox_process(
    port: int,
    state_path: Path | str,
    *,
    control: bool = True,
    apps: Iterable[RegisteredApp | str] | None = None,
    token_ttl: int | None = None,
    seed: str = "none",
    host: str = "127.0.0.1",
    extra_args: Iterable[str] = (),
    env: Mapping[str, str] | None = None,
    ready_timeout: float = 30.0,
) -> SandboxProcess:
    """Launch the sandbox with ``sys.executable`` and return once ``/healthz`` answers.

    ``port=0`` picks a free port. The log (stdout and stderr) goes next to the state file.
    """
    port = port or free_port(host)
    state_path = Path(state_path)
    state_path.parent.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable,
        "-m",
        "sandbox",
        "--host",
        host,
        "--port",
        str(port),
        "--state",
        str(state_path),
        "--seed",
        seed,
    ]
    if control:
        command.append("--control")
    for app in apps or ():
        command.extend(["--app", app.to_spec() if isinstance(app, RegisteredApp) else app])
    if token_ttl is not None:
        command.extend(["--token-ttl", str(token_ttl)])
    command.extend(extra_args)
    environment = dict(os.environ if env is None else env)
    environment["PYTHONPATH"] = os.pathsep.join(
        part for part in (str(PROJECT_ROOT), environment.get("PYTHONPATH", "")) if part
    )
    environment.setdefault("PYTHONUNBUFFERED", "1")
    log_path = state_path.with_name(state_path.stem + ".log")
    with log_path.open("ab") as log:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            command, cwd=PROJECT_ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT
        )
    sandbox = SandboxProcess(process, f"http://{host}:{port}", log_path, control)
    sandbox.wait_ready(ready_timeout)
    return sandbox
