"""Where a created draft's invoice link points: the sandbox's own invoice page when the app uses
the sandbox, FreshBooks' invoice page with real FreshBooks, and the environment's choice over
both."""

import os
import subprocess
import sys

import pytest

from tests.plugins.processes import REPO_ROOT

PRINT_TEMPLATE = "from django.conf import settings; print(settings.FRESHBOOKS_INVOICE_URL_TEMPLATE)"


def invoice_url_template(**env: str) -> str:
    base = {key: value for key, value in os.environ.items() if key in {"PATH", "HOME", "LANG"}}
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", PRINT_TEMPLATE],
        cwd=REPO_ROOT,
        env={**base, "APP_ENV": "development", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "http://127.0.0.1:8100/_sandbox/invoices/{account_id}/{invoice_id}"),
        (
            {"SANDBOX_URL": "http://127.0.0.1:8234"},
            "http://127.0.0.1:8234/_sandbox/invoices/{account_id}/{invoice_id}",
        ),
        (
            {"FRESHBOOKS_CLIENT_ID": "real-client-id", "FRESHBOOKS_CLIENT_SECRET": "real"},
            "https://my.freshbooks.com/#/invoice/{account_id}-{invoice_id}",
        ),
        (
            {"FRESHBOOKS_INVOICE_URL_TEMPLATE": "https://fb.example/{account_id}/{invoice_id}"},
            "https://fb.example/{account_id}/{invoice_id}",
        ),
    ],
    ids=["sandbox", "sandbox-elsewhere", "freshbooks", "chosen"],
)
def test_the_invoice_link_opens_the_sandbox_view_with_the_sandbox_and_freshbooks_otherwise(
    env, expected
):
    assert invoice_url_template(**env) == expected
