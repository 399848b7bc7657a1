"""Re-fetch one FreshBooks object by id and mirror it: how webhooks become current state.

A webhook is only a hint that something changed; the object is read back from FreshBooks, and a 404
means it was deleted there. A project billed by service also has its rates for each service re-read
(they carry no change date, so a `project.update` is the only hint FreshBooks gives).
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from connections.freshbooks import NotFound
from connections.models import ConnectedBusiness
from connections.services.freshbooks_api import api_client_for
from invoicing.models import Client, Expense, Project, Service, Tax, TimeEntry
from invoicing.sync import expense_mappers, mappers
from invoicing.sync.rates_store import project_service_rates_refresh
from invoicing.sync.store import mirror_upsert

_MIRRORS = {
    "time_entry": (TimeEntry, mappers.time_entry_columns),
    "client": (Client, mappers.client_columns),
    "project": (Project, mappers.project_columns),
    "service": (Service, mappers.service_columns),
    "expense": (Expense, expense_mappers.expense_columns),
    "tax": (Tax, expense_mappers.tax_columns),
}
NOUNS = frozenset(_MIRRORS)


def _fetch(client, business: ConnectedBusiness, noun: str, object_id: int) -> dict:
    if noun == "time_entry":
        return client.get_time_entry(business.business_id, object_id)
    if noun == "client":
        return client.get_client(business.account_id, object_id)
    if noun == "project":
        return client.get_project(business.business_id, object_id)
    if noun == "expense":
        return client.get_expense(business.account_id, object_id)
    if noun == "tax":
        return client.get_tax(business.account_id, object_id)
    return client.get_service(business.business_id, object_id)


def object_refresh(*, business: ConnectedBusiness, noun: str, object_id: int) -> str:
    """Returns "updated", "deleted" or "ignored" (an object the mirror cannot use, or unknown noun).

    Raises ReauthorizationRequired and FreshBooks errors other than 404 for the caller to retry.
    """
    if noun not in _MIRRORS:
        return "ignored"
    model, columns = _MIRRORS[noun]
    with api_client_for(business.connection.identity) as client:
        try:
            raw = _fetch(client, business, noun, object_id)
        except NotFound:
            changes = {"active": False, "synced_at": timezone.now()}
            model._default_manager.filter(business=business, freshbooks_id=object_id).update(
                **changes
            )
            return "deleted"
        with transaction.atomic():
            outcome = mirror_upsert(
                model=model,
                business=business,
                run_id=None,
                raws=[raw],
                columns=columns,
                object_name=noun,
            )
        if (
            noun == "project"
            and not outcome.skipped
            and raw.get("billing_method") == "service_rate"
        ):
            # A project's rates for its services carry no change date: re-read them with it.
            project_service_rates_refresh(
                client,
                business,
                int(raw["id"]),
                mappers.project_service_ids(raw),
                complete=True,
            )
    if outcome.skipped:
        return "ignored"
    return "deleted" if outcome.deleted else "updated"
