"""Every setting the app reads is declared in settings.py and documented in .env.example."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APP_PACKAGES = ("accounts", "connections", "invoicing", "integration_app")


def _app_modules():
    for package in APP_PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" not in path.parts:
                yield path


def test_no_module_reads_a_setting_with_a_fallback_of_its_own():
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in _app_modules()
        if path.name != "settings.py"
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if re.search(r"getattr\(\s*settings\s*,", line)
    ]
    assert offenders == []


def test_every_environment_variable_settings_reads_is_documented_in_env_example():
    settings_source = (ROOT / "integration_app" / "settings.py").read_text()
    read = set(re.findall(r'env_\w+\(\s*"([A-Z0-9_]+)"', settings_source))
    documented = set(
        re.findall(r"^([A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), flags=re.MULTILINE)
    )
    assert read, "settings.py reads its environment through integration_app/env.py"
    assert sorted(read - documented) == []
