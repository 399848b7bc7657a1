"""Command line and environment settings of the sandbox process.

Every flag has an environment twin ``SANDBOX_<NAME>`` (``--token-ttl`` is ``SANDBOX_TOKEN_TTL``);
a flag given on the command line wins over the environment. ``SANDBOX_APPS`` separates apps with
``;``. Boolean variables accept ``1/true/yes/on``.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_APP_SPEC = (
    "sandbox-client-id:sandbox-client-secret:http://127.0.0.1:8000/connections/oauth/callback/"
)
SEED_CHOICES = ("default", "none")


@dataclass(frozen=True)
class RegisteredApp:
    """A FreshBooks developer app: the only clients allowed through OAuth."""

    client_id: str
    client_secret: str
    redirect_uris: tuple[str, ...]

    @classmethod
    def parse(cls, spec: str) -> RegisteredApp:
        """Parse ``CLIENT_ID:CLIENT_SECRET:REDIRECT_URI[,REDIRECT_URI...]``."""
        parts = spec.strip().split(":", 2)
        if len(parts) != 3 or not all(parts):
            raise ValueError(
                f"app {spec!r} is not CLIENT_ID:CLIENT_SECRET:REDIRECT_URI[,REDIRECT_URI...]"
            )
        client_id, client_secret, uris = parts
        redirect_uris = tuple(uri.strip() for uri in uris.split(",") if uri.strip())
        if not redirect_uris:
            raise ValueError(f"app {client_id!r} has no redirect URI")
        return cls(client_id, client_secret, redirect_uris)

    def to_spec(self) -> str:
        return f"{self.client_id}:{self.client_secret}:{','.join(self.redirect_uris)}"


@dataclass(frozen=True)
class SandboxConfig:
    host: str = "127.0.0.1"
    port: int = 8100
    state_path: Path = Path(".sandbox/state.sqlite3")
    control: bool = False
    seed: str = "default"
    apps: tuple[RegisteredApp, ...] = field(
        default_factory=lambda: (RegisteredApp.parse(DEFAULT_APP_SPEC),)
    )
    token_ttl: int = 43200
    code_ttl: int = 300
    webhook_retry_base: float = 5.0
    webhook_max_attempts: int = 5
    log_requests: bool = False

    def app(self, client_id: str) -> RegisteredApp | None:
        return next((app for app in self.apps if app.client_id == client_id), None)


def _truthy(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _positive_number(kind: type):
    def parse(text: str):
        value = kind(text)
        if value <= 0:
            raise argparse.ArgumentTypeError(f"must be positive, got {text}")
        return value

    return parse


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m sandbox", description="A local FreshBooks API server."
    )
    parser.add_argument("--host")
    parser.add_argument("--port", type=int)
    parser.add_argument("--state", help="SQLite state file (default .sandbox/state.sqlite3)")
    parser.add_argument(
        "--control",
        action="store_true",
        default=None,
        help="serve the /_sandbox/ control API (tests, demo, benchmarks)",
    )
    parser.add_argument("--seed", choices=SEED_CHOICES, help="seed the default data set if empty")
    parser.add_argument(
        "--app",
        action="append",
        dest="apps",
        metavar="CLIENT_ID:CLIENT_SECRET:REDIRECT_URI[,REDIRECT_URI...]",
    )
    parser.add_argument("--token-ttl", type=_positive_number(int), metavar="SECONDS")
    parser.add_argument("--code-ttl", type=_positive_number(int), metavar="SECONDS")
    parser.add_argument("--webhook-retry-base", type=_positive_number(float), metavar="SECONDS")
    parser.add_argument("--webhook-max-attempts", type=_positive_number(int), metavar="N")
    parser.add_argument(
        "--log-requests", action="store_true", default=None, help="log every request to stderr"
    )
    return parser


def load_config(
    argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None
) -> SandboxConfig:
    """Build the configuration from flags, then ``SANDBOX_*`` variables, then defaults."""
    environ = os.environ if environ is None else environ
    parser = build_parser()
    args = parser.parse_args(argv)

    def pick(flag_value, env_name: str, convert, default):
        if flag_value is not None:
            return flag_value
        raw = environ.get(env_name)
        if raw is None or raw == "":
            return default
        try:
            return convert(raw)
        except (ValueError, argparse.ArgumentTypeError) as error:
            parser.error(f"{env_name}={raw!r}: {error}")
        return default  # pragma: no cover - parser.error exits

    defaults = SandboxConfig()
    seed = pick(args.seed, "SANDBOX_SEED", str, defaults.seed)
    if seed not in SEED_CHOICES:
        parser.error(f"seed must be one of {', '.join(SEED_CHOICES)}, got {seed!r}")

    app_specs = args.apps
    if not app_specs and environ.get("SANDBOX_APPS"):
        app_specs = [spec for spec in environ["SANDBOX_APPS"].split(";") if spec.strip()]
    try:
        apps = tuple(RegisteredApp.parse(spec) for spec in app_specs) if app_specs else None
    except ValueError as error:
        parser.error(str(error))

    return SandboxConfig(
        host=pick(args.host, "SANDBOX_HOST", str, defaults.host),
        port=pick(args.port, "SANDBOX_PORT", int, defaults.port),
        state_path=Path(pick(args.state, "SANDBOX_STATE", str, str(defaults.state_path))),
        control=pick(args.control, "SANDBOX_CONTROL", _truthy, defaults.control),
        seed=seed,
        apps=apps or defaults.apps,
        token_ttl=pick(args.token_ttl, "SANDBOX_TOKEN_TTL", _positive_number(int), 43200),
        code_ttl=pick(args.code_ttl, "SANDBOX_CODE_TTL", _positive_number(int), 300),
        webhook_retry_base=pick(
            args.webhook_retry_base, "SANDBOX_WEBHOOK_RETRY_BASE", _positive_number(float), 5.0
        ),
        webhook_max_attempts=pick(
            args.webhook_max_attempts, "SANDBOX_WEBHOOK_MAX_ATTEMPTS", _positive_number(int), 5
        ),
        log_requests=pick(args.log_requests, "SANDBOX_LOG_REQUESTS", _truthy, False),
    )
