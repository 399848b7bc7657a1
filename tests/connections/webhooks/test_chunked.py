"""A delivery sent with chunked transfer encoding (no Content-Length) is read whole."""

import os
from urllib.parse import urlencode

import pytest
import requests

from connections.models import WebhookDelivery
from sandbox.webhooks import sign
from tests.connections.webhooks.helpers import FORM, VERIFIER, event_fields, webhook_url
from tests.integration_app.test_secret_masking import Gunicorn
from tests.plugins.processes import database_url_for_subprocess


@pytest.mark.integration
def test_a_chunked_delivery_reaches_ingest_whole_through_a_real_gunicorn(
    transactional_db, business, subscription, tmp_path
):
    fields = event_fields(business, name="time_entry.create", object_id=4242)
    body = urlencode(fields).encode()
    env = {**os.environ, "DATABASE_URL": database_url_for_subprocess(), "PYTHONUNBUFFERED": "1"}
    log = tmp_path / "gunicorn.log"
    with log.open("w") as output:
        server = Gunicorn(env=env, stdout=output, stderr=output)
        try:
            server.wait_ready(log.read_text)
            response = requests.post(
                server.url + webhook_url(business),
                data=iter([body[:10], body[10:]]),  # a generator body is sent chunked
                headers={"Content-Type": FORM, "X-FreshBooks-Hmac-SHA256": sign(VERIFIER, fields)},
                timeout=10,
            )
        finally:
            server.stop()

    assert response.status_code == 200, response.text
    delivery = WebhookDelivery.objects.get(business=business)
    assert delivery.object_id == 4242
    assert delivery.raw_body == body.decode()
