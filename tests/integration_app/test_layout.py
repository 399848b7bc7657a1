"""The code's shape stays what a newcomer can read: small modules, no prefixed siblings,
models and migrations in step."""

from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_PACKAGES = (
    "accounts",
    "connections",
    "invoicing",
    "integration_app",
    "notifications",
    "sandbox",
)
MAX_LINES = 400
# settings.py is declarations only, and every setting lives there (test_settings_in_one_place.py):
# one place wins over two short files, so it alone may grow to this.
MAX_SETTINGS_LINES = 600


def production_modules():
    for package in PRODUCTION_PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def test_no_production_module_is_over_400_lines():
    too_long = {
        str(path.relative_to(ROOT)): length
        for path in production_modules()
        if (length := len(path.read_text().splitlines()))
        > (MAX_SETTINGS_LINES if path.name == "settings.py" else MAX_LINES)
    }
    assert too_long == {}


def test_no_module_carries_its_package_name_as_a_prefix():
    """`webhook_models.py` beside `webhooks/` means `webhooks/models.py` is missing."""
    prefixed = []
    for path in production_modules():
        package = path.parent.name
        singular = package.removesuffix("s")
        if path.stem.startswith((f"{package}_", f"{singular}_")):
            prefixed.append(str(path.relative_to(ROOT)))
    assert prefixed == []


@pytest.mark.django_db
def test_the_models_need_no_migration():
    call_command("makemigrations", check=True, dry_run=True, verbosity=0)
