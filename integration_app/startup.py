"""Fail fast, in one line, when the environment is misconfigured."""

from __future__ import annotations

import os
import sys


def load_settings_or_exit() -> None:
    """Import the settings now so a bad variable stops the process with one readable line."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "integration_app.settings")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    try:
        settings.INSTALLED_APPS  # noqa: B018 - touching a setting imports the module
    except ImproperlyConfigured as error:
        sys.stderr.write(f"Configuration error: {error}\n")
        sys.exit(2)
