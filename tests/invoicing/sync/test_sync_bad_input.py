"""Odd data from FreshBooks is stored or skipped with a reason; it never fails the sync."""

import json
import re

import pytest
import responses
from django.conf import settings

from invoicing.models import Expense, Project, SyncRun, Tax, TimeEntry
from invoicing.sync.runs import sync_run_execute
from tests.factories import ConnectedBusinessFactory, SyncRunFactory

pytestmark = pytest.mark.django_db

BUSINESS_ID = 777
ACCOUNT_ID = "ODD1"


def entry(entry_id, **fields):
    return {
        "id": entry_id,
        "identity_id": 1,
        "is_logged": True,
        "started_at": "2026-11-02T15:00:00Z",
        "created_at": "2026-11-02T16:00:00Z",
        "duration": 3600,
        "client_id": 5,
        "project_id": None,
        "service_id": None,
        "note": "",
        "active": True,
        "billable": True,
        "billed": False,
        "internal": False,
        "timer": None,
        **fields,
    }


def time_entry_page(page, pages, entries):
    meta = {"page": page, "pages": pages, "per_page": 100, "total": 5}
    return {"time_entries": entries, "meta": meta}


@pytest.fixture
def odd_freshbooks():
    api = settings.FRESHBOOKS_API_BASE_URL
    empty_meta = {"page": 1, "pages": 0, "per_page": 100, "total": 0}
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.get(
            f"{api}/accounting/account/{ACCOUNT_ID}/users/clients",
            json={"response": {"result": {"clients": [], **empty_meta}}},
        )
        mock.get(
            f"{api}/auth/api/v1/businesses/{BUSINESS_ID}/team_members",
            json={"response": [], "meta": {"page": 1, "per_page": 100, "total": 0}},
        )
        mock.get(
            f"{api}/comments/business/{BUSINESS_ID}/team_member_rates",
            json={"team_member_rates": [{"identity_id": 1, "rate": "not-money"}]},
        )
        mock.get(
            f"{api}/comments/business/{BUSINESS_ID}/services",
            json={"services": [], "meta": empty_meta},
        )
        mock.get(f"{api}/comments/business/{BUSINESS_ID}/service_rates", json={"service_rates": []})
        mock.get(
            f"{api}/projects/business/{BUSINESS_ID}/projects",
            json={
                "projects": [
                    {
                        "id": 9,
                        "title": "Future",
                        "billing_method": "per_moon_phase",
                        "project_type": "hourly_rate",
                        "brand_new_field": {"nested": True},
                    }
                ],
                "meta": {"page": 1, "pages": 1, "per_page": 100, "total": 1},
            },
        )
        mock.get(
            f"{api}/accounting/account/{ACCOUNT_ID}/taxes/taxes",
            json={"response": {"result": {"taxes": [{"id": 3, "name": "Odd", "amount": "150"}]}}},
        )
        expenses = [
            {"id": 11, "billable": True, "amount": None},  # stored: billing says why not
            {"billable": True, "amount": {"amount": "5.00", "code": "USD"}},  # no id: skipped
        ]
        mock.get(
            f"{api}/accounting/account/{ACCOUNT_ID}/expenses/expenses",
            json={"response": {"result": {"expenses": expenses, "page": 1, "pages": 1}}},
        )
        pages = [
            time_entry_page(
                1,
                2,
                [
                    entry(1, client_id=424242),  # a client the mirror has never seen
                    entry(2, started_at="yesterday-ish"),
                    entry(3, duration=-5),
                    entry(4, duration="3600"),
                    entry(5, note="first copy", new_field="kept"),
                ],
            ),
            time_entry_page(2, 2, [entry(5, note="second copy"), entry(6)]),
        ]
        mock.add_callback(
            responses.GET,
            re.compile(rf"{api}/timetracking/business/{BUSINESS_ID}/time_entries.*"),
            callback=lambda request: (
                200,
                {},
                json.dumps(pages["page=2" in request.url]),
            ),
        )
        yield mock


def test_odd_entries_are_stored_or_skipped_with_reasons_and_the_sync_succeeds(odd_freshbooks):
    business = ConnectedBusinessFactory(business_id=BUSINESS_ID, account_id=ACCOUNT_ID)
    run = SyncRunFactory(business=business, kind=SyncRun.Kind.FULL)

    run = sync_run_execute(run_id=run.pk)

    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    stored = {e.freshbooks_id: e for e in TimeEntry.objects.filter(business=business)}
    assert sorted(stored) == [1, 5, 6]
    assert stored[1].client_freshbooks_id == 424242
    assert stored[5].note == "second copy"  # the duplicate across pages is one row, last wins
    assert stored[6].raw["duration"] == 3600
    reasons = {(r["object"], r["id"]): r["reason"] for r in run.skip_reasons}
    assert "is not a date and time" in reasons[("time_entry", 2)]
    assert "is not a whole number of seconds" in reasons[("time_entry", 3)]
    assert "is not a whole number of seconds" in reasons[("time_entry", 4)]
    assert "no valid id" in reasons[("expense", None)]
    assert run.skipped == 5  # three entries, the unreadable team member rate, an expense
    assert Tax.objects.get(business=business).percent is None
    assert Expense.objects.get(business=business, freshbooks_id=11).amount is None
    project = Project.objects.get(business=business)
    assert project.billing_method == "per_moon_phase"
    assert project.raw["brand_new_field"] == {"nested": True}
    business.refresh_from_db()
    assert business.sync_state == "ok"
