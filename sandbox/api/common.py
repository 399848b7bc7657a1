"""What every FreshBooks route needs: the caller's token, their business, the body and the query."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from flask import current_app, request

from sandbox import clock, errors
from sandbox.db import Transaction
from sandbox.errors import ApiError, FieldError, ValidationFailed
from sandbox.runtime import Sandbox
from sandbox.store import identities, oauth
from sandbox.store.common import Window
from sandbox.validation import LARGEST_ID

MAX_PER_PAGE = 100


def runtime() -> Sandbox:
    return current_app.extensions["sandbox"]


def family() -> str:
    return errors.family_for_path(request.path)


def newer_format() -> bool:
    """SDKs that send an API version header get the newer accounting error shape."""
    return bool(request.headers.get("X-API-VERSION") or request.headers.get("Api-Version"))


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def authorize(reader: Transaction, scope: str | None) -> oauth.AccessGrant:
    """The caller's grant; 401 without a live token, 403 when ``scope`` was not granted."""
    token = bearer_token()
    grant = oauth.authenticate(reader, token) if token else None
    if grant is None:
        raise errors.unauthorized(family(), newer_format=newer_format())
    if scope is not None and scope not in grant.scopes:
        raise errors.missing_scope(family(), scope, list(grant.scopes), newer_format=newer_format())
    return grant


def staff_business(reader: Transaction, grant: oauth.AccessGrant, business_id: int) -> dict:
    """The business, with the caller's ``role``, if the caller is on its staff; else 404."""
    business = identities.business(reader, business_id)
    role = identities.staff_role(reader, grant.identity_id, business_id) if business else None
    if role is None:
        raise errors.not_found(family(), newer_format=newer_format())
    return {**business, "role": role}


def staff_account(reader: Transaction, grant: oauth.AccessGrant, account_id: str) -> dict:
    business = identities.business_by_account(reader, account_id)
    if business is None:
        raise errors.not_found(family(), newer_format=newer_format())
    return staff_business(reader, grant, business["business_id"])


def only_own(business: dict, grant: oauth.AccessGrant) -> int | None:
    """Employees and contractors see only their own time."""
    return None if business["role"] in identities.SEES_ALL_TIME else grant.identity_id


def json_body() -> Any:
    raw = request.get_data(cache=True)
    try:
        body = json.loads(raw) if raw.strip() else None
    except (ValueError, UnicodeDecodeError):
        body = None
    if not isinstance(body, dict):
        raise errors.malformed_body(family(), newer_format=newer_format())
    return body


def form_or_json() -> dict[str, Any]:
    """OAuth bodies: JSON (Node SDK), form-encoded (Python SDK) or multipart (docs)."""
    if request.is_json or request.get_data(cache=True).lstrip().startswith(b"{"):
        try:
            body = json.loads(request.get_data(cache=True))
        except (ValueError, UnicodeDecodeError):
            return {}
        return body if isinstance(body, dict) else {}
    return request.form.to_dict()


def _query_failure(name: str, kind: str, message: str, value: str) -> ApiError:
    failure = ValidationFailed({name: FieldError(kind, message, value)}, "query")
    return errors.validation(family(), failure, newer_format=newer_format())


def page_window(default_per_page: int) -> tuple[int, int, Window]:
    """``page`` and ``per_page``: ``page=0`` is page 1, ``per_page`` is capped at 100."""
    values = {}
    for name, default, errno_kind in (
        ("page", 1, "number"),
        ("per_page", default_per_page, "number"),
    ):
        raw = request.args.get(name)
        if raw is None or raw == "":
            values[name] = default
            continue
        if not raw.strip().isdigit() or len(raw.strip()) > 9:
            raise _query_failure(name, errno_kind, f"{name} must be a number", raw)
        values[name] = int(raw)
    page = max(values["page"], 1)
    per_page = min(values["per_page"], MAX_PER_PAGE)
    if per_page < 1:
        raise _query_failure("per_page", "invalid", "per_page must be at least 1", "0")
    return page, per_page, Window((page - 1) * per_page, per_page)


def pages(total: int, per_page: int) -> int:
    return -(-total // per_page)


def accounting_list(key: str, items: list, page: int, per_page: int, total: int) -> dict:
    return {
        "response": {
            "result": {
                key: items,
                "page": page,
                "pages": pages(total, per_page),
                "per_page": per_page,
                "total": total,
            }
        }
    }


def meta(page: int, per_page: int, total: int, **extra: Any) -> dict:
    return {
        "total": total,
        "per_page": per_page,
        "page": page,
        "pages": pages(total, per_page),
        **extra,
    }


def query_bool(name: str) -> bool | None:
    raw = request.args.get(name)
    if raw is None:
        return None
    lowered = raw.strip().lower()
    if lowered in ("true", "1", "yes", "on"):
        return True
    if lowered in ("false", "0", "no", "off"):
        return False
    raise _query_failure(
        name, "boolean", "Input should be a valid boolean, unable to interpret input", raw
    )


def query_int(name: str, raw: str | None = None) -> int | None:
    raw = request.args.get(name) if raw is None else raw
    if raw is None:
        return None
    if not raw.strip().isdigit() or int(raw) > LARGEST_ID:
        raise _query_failure(
            name, "number", "Input should be a valid integer, unable to parse string", raw
        )
    return int(raw)


def query_datetime(name: str, raw: str | None = None) -> datetime | None:
    raw = request.args.get(name) if raw is None else raw
    if raw is None:
        return None
    try:
        return clock.parse_datetime(raw)
    except ValueError as error:
        raise _query_failure(name, "datetime", str(error), raw) from None


def includes() -> list[str]:
    return request.args.getlist("include[]") + request.args.getlist("include")
