"""Pages stay flat with long lists: a preview page lists each line's first entries and pages its
not-billed list, ticks still act on whole lines, a held-back draft links to every rate it waits
for; the business page counts its list up to a cap and keeps its estimate until anything it is
computed from changes; the admin counts a business's entries up to a cap.

The limits are made small here (monkeypatch) so a few entries stand for 100,000.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from invoicing.admin import businesses as business_admin
from invoicing.drafts import invoice_run_preview
from invoicing.models import Client, Project, RateRule, TimeEntry
from invoicing.selectors import business_page, preview_pages
from tests.factories import ConnectedBusinessFactory

pytestmark = pytest.mark.django_db

STARTED = datetime(2024, 5, 6, 15, 0, tzinfo=UTC)
MAY = {"period": "custom", "start": "2024-05-01", "end": "2024-05-31", "grouping": "project"}


def add_entries(business, first_id, count, *, client=10, project=70):
    TimeEntry.objects.bulk_create(
        TimeEntry(
            business=business,
            freshbooks_id=first_id + number,
            client_freshbooks_id=client,
            project_freshbooks_id=project,
            started_at=STARTED + timedelta(hours=number),
            duration_seconds=900,
            billable=True,
        )
        for number in range(count)
    )


@pytest.fixture
def business():
    """Acme: 12 entries on "Website" (120.00/h); Globex: 7 entries on "Favours" (no rate)."""
    business = ConnectedBusinessFactory(currency_code="USD", timezone="UTC")
    Client.objects.create(business=business, freshbooks_id=10, display_name="Acme Corp")
    Client.objects.create(business=business, freshbooks_id=11, display_name="Globex")
    Project.objects.create(
        business=business,
        freshbooks_id=70,
        title="Website",
        client_freshbooks_id=10,
        billing_method="project_rate",
        rate=Decimal("120.00"),
    )
    Project.objects.create(
        business=business, freshbooks_id=74, title="Favours", client_freshbooks_id=11
    )
    add_entries(business, 500, 12)
    add_entries(business, 700, 7, client=11, project=74)
    return business


@pytest.fixture
def owner(client, business):
    client.force_login(business.connection.user)
    return client


@pytest.fixture
def short_lists(monkeypatch):
    monkeypatch.setattr(preview_pages, "ENTRIES_SHOWN", 5)
    monkeypatch.setattr(preview_pages, "NOT_BILLED_PER_PAGE", 3)


def run_url(business, run, **query):
    path = reverse("invoices:run", kwargs={"business_pk": business.pk, "run_pk": run.pk})
    return path + (
        "?" + "&".join(f"{key}={value}" for key, value in query.items()) if query else ""
    )


def shown_ids(page: str) -> list[int]:
    return [int(value) for value in re.findall(r'name="shown" value="(\d+)"', page)]


def not_billed_rows(page: str) -> list[int]:
    table = page.split('id="not-billed-table"', 1)[1].split("</table>", 1)[0]
    return [int(value) for value in re.findall(r"#(\d+)", table)]


def test_a_long_line_lists_its_first_entries_and_counts_the_rest(owner, business, short_lists):
    run = invoice_run_preview(business=business, raw_options=MAY, refresh=False)

    page = owner.get(run_url(business, run)).content.decode()

    assert shown_ids(page) == [500, 501, 502, 503, 504]
    assert "12 time entries" in page
    assert "and 7 more time entries on this line: untick the line to leave them all out." in page
    assert len(run.preview["drafts"][0]["lines"][0]["entry_ids"]) == 12  # all kept for Create


def test_unticking_a_long_line_leaves_out_every_entry_of_it_not_only_those_listed(
    owner, business, short_lists
):
    run = invoice_run_preview(
        business=business, raw_options={**MAY, "unpriced": "leave_unbilled"}, refresh=False
    )
    page = owner.get(run_url(business, run)).content.decode()

    owner.post(
        reverse("invoices:run_select", kwargs={"business_pk": business.pk, "run_pk": run.pk}),
        {"shown": shown_ids(page), "bill": shown_ids(page), "lines_shown": "1"},
    )

    run.refresh_from_db()
    left_out = {
        item["entry_id"] for item in run.preview["not_billed"] if item["reason"] == "left_out"
    }
    assert left_out == set(range(500, 512))
    assert all(draft["client_name"] != "Acme Corp" for draft in run.preview["drafts"])


def test_the_not_billed_list_comes_in_pages_and_every_page_answers(owner, business, short_lists):
    run = invoice_run_preview(
        business=business, raw_options={**MAY, "unpriced": "leave_unbilled"}, refresh=False
    )
    first = owner.get(run_url(business, run)).content.decode()
    second = owner.get(run_url(business, run, not_billed_page=2)).content.decode()
    third = owner.get(run_url(business, run, not_billed_page=3)).content.decode()
    beyond = owner.get(run_url(business, run, not_billed_page=99))
    nonsense = owner.get(run_url(business, run, not_billed_page="x"))

    assert "Not billed (7)" in first and "Page 1 of 3" in first
    assert not_billed_rows(first) == [700, 701, 702]
    assert not_billed_rows(second) == [703, 704, 705]
    assert not_billed_rows(third) == [706]
    assert beyond.status_code == 200 and not_billed_rows(beyond.content.decode()) == [706]
    assert nonsense.status_code == 200 and not_billed_rows(nonsense.content.decode())[0] == 700


def test_a_later_page_of_the_not_billed_list_costs_the_same_queries_with_one_page_or_many(
    owner, business, short_lists
):
    """Asked for page 2, a one-page list shows its only page, through the same queries as page 2
    of a long list: the query count of a page does not depend on the list's length."""
    three_pages = invoice_run_preview(
        business=business, raw_options={**MAY, "unpriced": "leave_unbilled"}, refresh=False
    )
    TimeEntry.objects.filter(business=business, freshbooks_id__gte=703).delete()
    one_page = invoice_run_preview(
        business=business, raw_options={**MAY, "unpriced": "leave_unbilled"}, refresh=False
    )

    with CaptureQueriesContext(connection) as short_list:
        short = owner.get(run_url(business, one_page, not_billed_page=2)).content.decode()
    with CaptureQueriesContext(connection) as long_list:
        long = owner.get(run_url(business, three_pages, not_billed_page=2)).content.decode()

    assert not_billed_rows(short) == [700, 701, 702]  # the first 3 rows are its only page's
    assert not_billed_rows(long) == [703, 704, 705]
    assert len(short_list) == len(long_list)


def test_a_held_back_draft_links_to_every_rate_it_waits_for_even_past_the_first_page(
    owner, business, short_lists
):
    """Globex's first unpriced rows are on "Favours"; one on "Errands" is past the first page."""
    Project.objects.create(
        business=business, freshbooks_id=75, title="Errands", client_freshbooks_id=11
    )
    Project.objects.create(
        business=business,
        freshbooks_id=72,
        title="Port",
        client_freshbooks_id=11,
        billing_method="project_rate",
        rate=Decimal("80.00"),
    )
    add_entries(business, 800, 1, client=11, project=75)
    add_entries(business, 900, 1, client=11, project=72)
    run = invoice_run_preview(business=business, raw_options=MAY, refresh=False)
    held_back = [draft["client_name"] for draft in run.preview["drafts"] if draft["blocked_reason"]]
    assert held_back == ["Globex"]

    page = owner.get(run_url(business, run)).content.decode()

    fixes = page.split("data-fixes", 1)[1].split("</ul>", 1)[0]
    assert "Favours" in fixes and "Errands" in fixes
    assert 800 not in not_billed_rows(page)


def test_the_business_page_counts_its_list_up_to_a_cap(owner, business, monkeypatch):
    monkeypatch.setattr(business_page, "ENTRIES_COUNTED", 10)
    page = owner.get(reverse("invoicing:business", args=[business.pk])).content.decode()

    assert "more than 10 entries (filter to see older ones)" in page

    monkeypatch.setattr(business_page, "ENTRIES_COUNTED", 19)
    page = owner.get(reverse("invoicing:business", args=[business.pk])).content.decode()

    assert "19 entries" in page and "more than" not in page


def test_the_business_page_estimate_follows_every_change_it_is_computed_from(owner, business):
    url = reverse("invoicing:business", args=[business.pk])
    assert "$360.00" in owner.get(url).content.decode()  # 12 × 0.25 h × 120.00

    Project.objects.filter(business=business, freshbooks_id=70).update(rate=Decimal("100.00"))
    assert "$300.00" in owner.get(url).content.decode()

    RateRule.objects.create(business=business, client_freshbooks_id=10, rate=Decimal("80.00"))
    assert "$240.00" in owner.get(url).content.decode()

    TimeEntry.objects.filter(business=business, freshbooks_id=500).update(billed=True)
    assert "$220.00" in owner.get(url).content.decode()


def test_the_admin_counts_a_business_s_entries_up_to_a_cap(admin_client, business, monkeypatch):
    monkeypatch.setattr(business_admin, "TIME_ENTRIES_COUNTED", 10)

    page = admin_client.get("/admin/connections/connectedbusiness/").content.decode()

    assert '<td class="field-time_entry_total">10+</td>' in page
