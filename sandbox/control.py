"""``SandboxControl``: a small ``requests`` client for the ``/_sandbox/`` control API.

Used by the app's tests and benchmarks; every method is one control endpoint (see
``sandbox.api.control`` for what each does). Errors raise ``SandboxControlError`` with the body.
"""

from __future__ import annotations

from typing import Any

import requests

DEFAULT_TIMEOUT = 180.0


class SandboxControlError(RuntimeError):
    def __init__(self, status: int, body: Any):
        super().__init__(f"sandbox control call failed with {status}: {body}")
        self.status = status
        self.body = body


class SandboxControl:
    def __init__(self, base_url: str, *, timeout: float = DEFAULT_TIMEOUT):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._session = requests.Session()

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        response = self._session.request(
            method,
            f"{self.base_url}/_sandbox/{path.lstrip('/')}",
            json=body,
            timeout=self.timeout,
        )
        try:
            document = response.json()
        except ValueError:
            document = response.text
        if response.status_code >= 400:
            raise SandboxControlError(response.status_code, document)
        return document

    # State.

    def health(self) -> dict[str, Any]:
        return self._call("GET", "health")

    def info(self) -> dict[str, Any]:
        return self._call("GET", "info")

    def reset(self) -> None:
        self._call("POST", "reset")

    def seed(self, **sizes: Any) -> dict[str, Any]:
        """Sizes: users, businesses, clients, currencies, projects_per_client, services,
        team_members, time_entries, months, billed_fraction, seed. Returns the created ids."""
        return self._call("POST", "seed", sizes)

    # Call counters and faults.

    def calls(self) -> dict[str, int]:
        return self._call("GET", "calls")

    def reset_calls(self) -> None:
        self._call("POST", "calls/reset")

    def add_fault(self, **rule: Any) -> dict[str, Any]:
        """A fault rule: ``kind`` (status|latency|reset|timeout), ``method``, ``path`` (regex),
        ``status``, ``retry_after``, ``body``, ``every``, ``times``, ``latency_ms``,
        ``timeout_s``, ``phase`` (before|after), ``chance`` (0-1) and its ``seed``."""
        return self._call("POST", "faults", rule)["fault"]

    def faults(self) -> list[dict[str, Any]]:
        return self._call("GET", "faults")["faults"]

    def remove_fault(self, fault_id: int) -> None:
        self._call("DELETE", f"faults/{fault_id}")

    def clear_faults(self) -> None:
        self._call("DELETE", "faults")

    # Tokens and OAuth.

    def expire_tokens(self) -> int:
        return self._call("POST", "tokens/expire")["expired"]

    def rotate_refresh_token(self, *, identity_id: int, client_id: str) -> dict[str, Any]:
        """Act as another installation refreshing: returns the new pair, the old refresh dies."""
        return self._call(
            "POST", "tokens/rotate", {"identity_id": identity_id, "client_id": client_id}
        )

    def grant_code(
        self,
        *,
        client_id: str,
        identity_id: int | None = None,
        email: str | None = None,
        redirect_uri: str | None = None,
        scope: str | None = None,
    ) -> str:
        """An authorization code, as if the user had clicked Allow on the consent page."""
        body = {
            "client_id": client_id,
            "identity_id": identity_id,
            "email": email,
            "redirect_uri": redirect_uri,
            "scope": scope,
        }
        return self._call(
            "POST", "oauth/grant", {key: value for key, value in body.items() if value is not None}
        )["code"]

    def obtain_tokens(
        self,
        *,
        client_id: str,
        client_secret: str,
        redirect_uri: str,
        identity_id: int | None = None,
        email: str | None = None,
        scope: str | None = None,
    ) -> dict[str, Any]:
        """Grant a code and exchange it at ``/auth/oauth/token``, as an app would."""
        code = self.grant_code(
            client_id=client_id,
            identity_id=identity_id,
            email=email,
            redirect_uri=redirect_uri,
            scope=scope,
        )
        response = self._session.post(
            f"{self.base_url}/auth/oauth/token",
            json={
                "grant_type": "authorization_code",
                "client_id": client_id,
                "client_secret": client_secret,
                "redirect_uri": redirect_uri,
                "code": code,
            },
            timeout=self.timeout,
        )
        if response.status_code != 200:
            raise SandboxControlError(response.status_code, response.text)
        return response.json()

    # Acting as a FreshBooks user.

    def act_create(self, business_id: int, noun: str, **fields: Any) -> dict[str, Any]:
        """Nouns: time_entries, clients, projects, services, invoices, expenses, taxes.
        ``as_identity_id`` picks the acting user (default: the owner). Returns the created
        object."""
        document = self._call("POST", f"act/{business_id}/{noun}", fields)
        return next(iter(document.values()))

    def act_update(
        self, business_id: int, noun: str, object_id: int, **fields: Any
    ) -> dict[str, Any]:
        document = self._call("PATCH", f"act/{business_id}/{noun}/{object_id}", fields)
        return next(iter(document.values()))

    def act_delete(self, business_id: int, noun: str, object_id: int, **fields: Any) -> Any:
        document = self._call("DELETE", f"act/{business_id}/{noun}/{object_id}", fields or None)
        return next(iter(document.values()))

    def create_time_entry(self, business_id: int, **fields: Any) -> dict[str, Any]:
        return self.act_create(business_id, "time_entries", **fields)

    def update_time_entry(self, business_id: int, entry_id: int, **fields: Any) -> dict[str, Any]:
        return self.act_update(business_id, "time_entries", entry_id, **fields)

    def delete_time_entry(self, business_id: int, entry_id: int) -> dict[str, Any]:
        return self.act_delete(business_id, "time_entries", entry_id)

    def set_invoice_status(
        self, business_id: int, invoice_id: int, status: str, **fields: Any
    ) -> dict[str, Any]:
        """``status``: draft, sent, viewed or paid."""
        return self._call(
            "POST", f"act/{business_id}/invoices/{invoice_id}/status", {"status": status, **fields}
        )["invoice"]

    # Raw state.

    def state(self, scope: int | str, noun: str) -> list[dict[str, Any]]:
        """Every object of a kind, deleted ones included; ``scope`` is a business id or an
        account id."""
        return self._call("GET", f"state/{scope}/{noun}")[noun]

    def time_entries(self, business_id: int) -> list[dict[str, Any]]:
        return self.state(business_id, "time_entries")

    def invoices(self, account_id: str) -> list[dict[str, Any]]:
        return self.state(account_id, "invoices")

    # Webhooks.

    def webhook_deliveries(self) -> list[dict[str, Any]]:
        return self._call("GET", "webhooks/deliveries")["deliveries"]

    def set_webhook_mode(
        self,
        *,
        duplicate: float | bool | None = None,
        delay_ms: int | None = None,
        reorder: bool | None = None,
    ) -> dict[str, Any]:
        body = {"duplicate": duplicate, "delay_ms": delay_ms, "reorder": reorder}
        return self._call(
            "POST",
            "webhooks/mode",
            {key: value for key, value in body.items() if value is not None},
        )

    def flush_webhooks(self) -> dict[str, int]:
        return self._call("POST", "webhooks/flush")
