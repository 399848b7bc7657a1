"""The pieces other modules plug in are found by a freshly started process, as in production.

Checked in a subprocess, because this test process may already have imported the modules itself.
"""

import json
import os
import subprocess
import sys

import pytest

from tests.plugins.processes import REPO_ROOT

PROBE = """
import json
import django

django.setup()
from django.contrib import admin
from connections.models import WebhookDelivery, WebhookSubscription
from connections.services import business_hooks
from connections.webhooks import registry
from integration_app.celery import app

app.loader.import_default_modules()
print(json.dumps({
    "tasks": sorted(name for name in app.tasks if name.startswith("webhooks.")),
    "nouns": sorted(registry.registered_nouns()),
    "admin": [admin.site.is_registered(model) for model in (WebhookDelivery, WebhookSubscription)],
    "on_connect": [hook.__name__ for hook in business_hooks._on_connect],
}))
"""


@pytest.fixture(scope="module")
def fresh_process() -> dict:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "integration_app.settings"}
    env.pop("PYTHONPATH", None)
    completed = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(completed.stdout.strip().splitlines()[-1])


def test_the_worker_discovers_every_webhook_task(fresh_process):
    assert fresh_process["tasks"] == [
        "webhooks.confirm_subscription",
        "webhooks.process_delivery",
        "webhooks.prune_deliveries",
        "webhooks.resend_verification",
        "webhooks.sweep",
        "webhooks.sync_subscriptions",
    ]


def test_invoicing_registers_a_handler_for_every_noun_it_mirrors(fresh_process):
    assert {"time_entry", "client", "project", "service"} <= set(fresh_process["nouns"])


def test_invoicing_registers_the_invoice_handler_for_its_drafts(fresh_process):
    assert "invoice" in fresh_process["nouns"]


def test_connecting_a_business_subscribes_its_webhooks(fresh_process):
    assert "subscribe_connected_business" in fresh_process["on_connect"]


def test_operators_find_deliveries_and_subscriptions_in_admin(fresh_process):
    assert fresh_process["admin"] == [True, True]
