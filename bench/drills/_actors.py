"""What people and FreshBooks do during a drill: start invoice runs, read pages signed in, send
signed webhook deliveries."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

# -- invoice runs --------------------------------------------------------------------------------


def period_options(days: int = 400, **overrides: Any) -> dict[str, Any]:
    """Options of a run over the last ``days`` days (the seed's time is in the months before)."""
    today = date.today()
    return {
        "period": "custom",
        "start": (today - timedelta(days=days)).isoformat(),
        "end": (today + timedelta(days=1)).isoformat(),
        "grouping": "service",
        "unpriced": "leave_unbilled",
        **overrides,
    }


def start_invoice_run(business, *, client_ids: Iterable[int] = (), **options: Any):
    """Preview and create a run (as a person approving the preview at once); its drafts are
    enqueued for the workers."""
    from invoicing.drafts import invoice_run_start

    return invoice_run_start(
        business=business, raw_options=period_options(**options), client_ids=client_ids
    )


# -- the web, as a signed-in person ---------------------------------------------------------------


def signed_in_session(user):
    """A ``requests.Session`` carrying a session cookie of ``user`` (made in this process's
    database and cache, which the drill's web processes share)."""
    import requests
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    session = requests.Session()
    session.cookies.set(
        settings.SESSION_COOKIE_NAME, client.cookies[settings.SESSION_COOKIE_NAME].value
    )
    return session


# -- webhooks ------------------------------------------------------------------------------------


class WebhookSender:
    """FreshBooks' side of webhooks for a drill: a verified ``time_entry`` subscription of the
    business, and signed deliveries POSTed to the app's endpoint at ``base_url``."""

    SIGNATURE_HEADER = "X-FreshBooks-Hmac-SHA256"

    def __init__(self, business, base_url: str, *, event: str = "time_entry"):
        import secrets

        from connections.models import WebhookSubscription

        self.business = business
        self.verifier = secrets.token_hex(16)
        self.url = f"{base_url}/webhooks/freshbooks/{business.webhook_token}/"
        WebhookSubscription.objects.create(
            business=business,
            event=event,
            uri=self.url,
            callback_id=abs(hash(self.verifier)) % 1_000_000 + 1,
            verified=True,
            verifier=self.verifier,
        )
        self.identity_id = str(business.connection.identity.identity_id)

    def send(self, name: str, object_id: int, *, timeout: float = 10) -> int:
        """POST one signed delivery (``time_entry.update``...); returns the status, or 0 when
        the app could not be reached."""
        from urllib.parse import urlencode

        import requests

        from connections.webhooks.signatures import signature_compute

        fields = {
            "name": name,
            "object_id": str(object_id),
            "account_id": self.business.account_id,
            "business_id": str(self.business.business_id),
            "identity_id": self.identity_id,
            "user_id": self.identity_id,
        }
        signature = signature_compute(verifier=self.verifier, fields=fields)
        try:
            response = requests.post(
                self.url,
                data=urlencode(list(fields.items())),
                headers={
                    "Content-Type": "application/x-www-form-urlencoded",
                    self.SIGNATURE_HEADER: signature,
                },
                timeout=timeout,
            )
        except requests.RequestException:
            return 0
        return response.status_code
