"""The preview pages: choosing what to bill, leaving entries or lines out, unpriced time in plain
words, money in each currency's format, stale and outdated previews, discarding, tenancy and CSRF.

A business here has never synced (no sync run), so planning uses the mirror as it is: changing a
mirror row stands for a change made in FreshBooks (the fresh read itself is tested against the
sandbox: tests/invoicing/sync/test_fresh_data.py, tests/invoicing/drafts/test_stale_previews.py).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from html import unescape

import pytest
from django.test import Client as BrowserClient
from django.urls import reverse

from invoicing.drafts import invoice_run_preview
from invoicing.models import (
    BillingPolicy,
    Client,
    DraftInvoice,
    InvoiceRun,
    Project,
    TimeEntry,
)
from tests.factories import ConnectedBusinessFactory, UserFactory

pytestmark = pytest.mark.django_db

STARTED = datetime(2024, 5, 6, 15, 0, tzinfo=UTC)
MAY = {"period": "custom", "start": "2024-05-01", "end": "2024-05-31"}
UNPRICED_WORDS = (
    "Leave unpriced time unbilled and bill the rest",
    "Bill unpriced time as 0.00 lines so it shows on the invoice",
)


def add_entry(business, entry_id, *, client=10, project=70, seconds=3600, day=0, **fields):
    return TimeEntry.objects.create(
        business=business,
        freshbooks_id=entry_id,
        client_freshbooks_id=client,
        project_freshbooks_id=project,
        started_at=STARTED + timedelta(days=day),
        duration_seconds=seconds,
        billable=True,
        **fields,
    )


@pytest.fixture
def business():
    """Acme (USD, Website at 120.00/h, Design at 95.00/h) and Northwind (CAD, Port at 80.00/h)."""
    business = ConnectedBusinessFactory(currency_code="USD", timezone="UTC")
    Client.objects.create(business=business, freshbooks_id=10, display_name="Acme Corp")
    Client.objects.create(
        business=business, freshbooks_id=11, display_name="Northwind", currency_code="CAD"
    )
    for project_id, title, client_id, rate in (
        (70, "Website", 10, "120.00"),
        (71, "Design", 10, "95.00"),
        (72, "Port", 11, "80.00"),
    ):
        Project.objects.create(
            business=business,
            freshbooks_id=project_id,
            title=title,
            client_freshbooks_id=client_id,
            billing_method="project_rate",
            rate=Decimal(rate),
        )
    add_entry(business, 500, seconds=5400)  # Acme, Website, 1.5 h
    add_entry(business, 501, seconds=1800, day=1)  # Acme, Website, 0.5 h
    add_entry(business, 502, project=71, day=2)  # Acme, Design, 1 h
    add_entry(business, 503, client=11, project=72, seconds=7200, day=3)  # Northwind, 2 h
    return business


@pytest.fixture
def owner(client, business):
    client.force_login(business.connection.user)
    return client


def url(name, business, **kwargs):
    return reverse(f"invoices:{name}", kwargs={"business_pk": business.pk, **kwargs})


def form_data(**overrides):
    return {
        "period": "custom",
        "start": "2024-05-01",
        "end": "2024-05-31",
        "grouping": "project",
        "rounding_increment": "0",
        "rounding_direction": "up",
        "rounding_level": "entry",
        "unpriced": "hold",
        "choosing": "True",
        "clients": ["10", "11"],
        "projects": ["70", "71", "72"],
        **overrides,
    }


def preview(business, **options):
    return invoice_run_preview(
        business=business, raw_options={**MAY, "grouping": "project", **options}
    )


def line_entries(run):
    return {
        line["name"]: line["entry_ids"]
        for draft in run.preview["drafts"]
        for line in draft["lines"]
    }


def left_out(run):
    return {item["entry_id"] for item in run.preview["not_billed"] if item["reason"] == "left_out"}


# -- choosing what to bill -----------------------------------------------------------------


def test_the_new_preview_form_offers_every_client_with_its_projects_all_ticked(owner, business):
    page = owner.get(url("new", business)).content.decode()

    for name in ("Acme Corp", "Northwind", "Website", "Design", "Port"):
        assert name in page
    assert page.count('name="clients"') == 2
    assert page.count('name="projects"') == 3
    assert page.count("checked") >= 5
    for words in UNPRICED_WORDS:
        assert words in page
    assert "Allow zero-rated lines" not in page


def test_a_client_or_project_left_unticked_stays_unbilled_and_is_listed_as_left_out_by_you(
    owner, business
):
    response = owner.post(url("new", business), form_data(clients=["10"], projects=["70", "72"]))

    run = InvoiceRun.objects.get()
    assert response.status_code == 302
    assert [draft["client_name"] for draft in run.preview["drafts"]] == ["Acme Corp"]
    assert line_entries(run) == {"Website": [500, 501]}
    assert left_out(run) == {502, 503}
    page = owner.get(response["Location"]).content.decode()
    assert "Left out by you" in page
    assert "You did not choose this client" in page
    assert "You did not choose this project" in page


def test_no_client_ticked_is_refused_next_to_the_field_and_nothing_is_kept(owner, business):
    response = owner.post(url("new", business), form_data(clients=[]))

    assert response.status_code == 400
    assert "Choose at least one client" in response.content.decode()
    assert not InvoiceRun.objects.exists()


@pytest.mark.parametrize("field", ["clients", "projects"])
def test_another_tenants_client_or_project_in_the_pickers_is_refused_and_nothing_is_kept(
    owner, business, field
):
    other = ConnectedBusinessFactory()
    Client.objects.create(business=other, freshbooks_id=90, display_name="Their client")
    Project.objects.create(
        business=other, freshbooks_id=91, title="Theirs", client_freshbooks_id=90
    )
    TimeEntry.objects.create(
        business=other,
        freshbooks_id=900,
        client_freshbooks_id=90,
        project_freshbooks_id=91,
        started_at=STARTED,
        duration_seconds=3600,
        billable=True,
    )
    tampered = {"clients": ["10", "90"], "projects": ["70", "71", "72", "91"]}[field]

    response = owner.post(url("new", business), form_data(**{field: tampered}))

    assert response.status_code == 400
    assert response.context["form"].errors[field], response.context["form"].errors
    assert "is not one of the available choices" in response.content.decode()
    assert not InvoiceRun.objects.exists()


def test_an_unticked_entry_is_left_out_and_can_be_ticked_back(owner, business):
    run = preview(business)

    response = owner.post(
        url("run_select", business, run_pk=run.pk),
        {
            "shown": ["500", "501", "502", "503"],
            "bill": ["501", "502", "503"],
            "bill_line": ["1-1", "1-2", "2-1"],
            "lines_shown": "1",
        },
    )

    run.refresh_from_db()
    assert response.status_code == 302
    assert line_entries(run)["Website"] == [501]
    assert left_out(run) == {500}
    assert run.preview["drafts"][0]["total"] == "155.00"  # 0.5 h × 120 + 1 h × 95
    page = owner.get(url("run", business, run_pk=run.pk)).content.decode()
    assert "You left this entry out of the preview." in page

    owner.post(url("run_select", business, run_pk=run.pk), {"shown": ["500"], "bill": ["500"]})

    run.refresh_from_db()
    assert line_entries(run)["Website"] == [500, 501]
    assert left_out(run) == set()


def test_an_unticked_line_leaves_all_its_entries_out(owner, business):
    run = preview(business)

    owner.post(
        url("run_select", business, run_pk=run.pk),
        {
            "shown": ["500", "501", "502", "503"],
            "bill": ["500", "501", "502", "503"],
            "bill_line": ["1-1", "2-1"],
            "lines_shown": "1",
        },  # Acme's "Website" line unticked
    )

    run.refresh_from_db()
    assert left_out(run) == {500, 501}
    assert "Website" not in line_entries(run)


@pytest.mark.parametrize(
    "choices",
    [
        {"shown": ["500", "999"], "bill": ["500"]},  # 999 is in no preview
        {"shown": ["500"], "bill": ["500", "999"]},
        {"shown": ["500"], "bill": ["500"], "bill_line": ["7-1"]},
        {"shown": ["five hundred"]},
    ],
)
def test_an_entry_or_line_that_is_not_in_the_preview_is_a_clear_error_and_nothing_is_saved(
    owner, business, choices
):
    run = preview(business)
    before = (run.options, run.preview)

    response = owner.post(url("run_select", business, run_pk=run.pk), choices)

    assert response.status_code == 400
    page = response.content.decode()
    assert "not in this preview" in page or "is not a time entry" in page
    run.refresh_from_db()
    assert (run.options, run.preview) == before


def test_create_with_new_ticks_applies_them_and_creates_nothing_until_pressed_again(
    owner, business
):
    run = preview(business)

    response = owner.post(
        url("run_create", business, run_pk=run.pk),
        {"shown": ["503"], "bill": [], "bill_line": ["1-1", "1-2", "2-1"], "lines_shown": "1"},
    )

    assert response.status_code == 302
    assert not DraftInvoice.objects.exists()
    run.refresh_from_db()
    assert run.status == InvoiceRun.Status.PREVIEWED
    assert left_out(run) == {503}

    owner.post(url("run_create", business, run_pk=run.pk), {})

    assert list(DraftInvoice.objects.values_list("client_name", flat=True)) == ["Acme Corp"]


# -- what the preview shows ------------------------------------------------------------------


def test_the_preview_starts_with_a_summary_and_shows_money_in_each_currency_format(owner, business):
    run = preview(business)

    page = owner.get(url("run", business, run_pk=run.pk)).content.decode()

    summary = page[
        page.index('id="preview-summary"') : page.index(
            "</table>", page.index('id="preview-summary"')
        )
    ]
    assert "Acme Corp" in summary and "Northwind" in summary
    assert "$335.00" in summary  # 2 h × 120 + 1 h × 95
    assert "CA$160.00" in summary  # 2 h × 80 in Canadian dollars
    assert "Will be created" in summary
    assert "335.00 USD" not in page
    assert page.index('id="preview-summary"') < page.index("invoice-card")


def test_the_rate_column_shows_the_full_precision_rate_and_amounts_are_rounded_to_cents(
    owner, business
):
    Project.objects.filter(freshbooks_id=71).update(rate=Decimal("12.345"))

    run = preview(business)
    page = owner.get(url("run", business, run_pk=run.pk)).content.decode()

    design = page[page.index('class="line-name">Design') :]
    design = design[: design.index("</tr>")]
    assert '<td class="number" data-label="Rate">$12.345</td>' in design
    assert '<td class="number" data-label="Amount">$12.35</td>' in design  # 1 h × 12.345
    assert '<td class="number" data-label="Rate">$120.00</td>' in page  # Website, as it was


def test_the_business_page_shows_amounts_in_their_currency_format(owner, business):
    page = owner.get(reverse("invoicing:business", args=[business.pk])).content.decode()

    assert "CA$160.00" in page
    assert "160.00 CAD" not in page


def test_time_without_a_client_on_an_internal_project_or_of_an_archived_client_says_why(
    owner, business
):
    Client.objects.create(
        business=business,
        freshbooks_id=12,
        display_name="Old Client",
        active=False,
        raw={"vis_state": 2},
    )
    Client.objects.create(
        business=business,
        freshbooks_id=13,
        display_name="Gone Ltd",
        active=False,
        raw={"vis_state": 1},
    )
    Project.objects.create(
        business=business, freshbooks_id=73, title="Team offsite", raw={"internal": True}
    )
    add_entry(business, 600, client=None, project=None, internal=True)  # as FreshBooks flags it
    add_entry(business, 601, client=None, project=73, internal=True)
    add_entry(business, 602, client=12, project=None)
    add_entry(business, 603, client=13, project=None)

    run = preview(business)

    reasons = {
        item["entry_id"]: (item["reason"], item["detail"]) for item in run.preview["not_billed"]
    }
    assert reasons[600] == ("no_client", "The entry has no client; assign one to bill it.")
    assert reasons[601] == (
        "internal",
        "Project 'Team offsite' is internal: its time is not billed to a client.",
    )
    assert reasons[602] == (
        "client_archived",
        "Client 'Old Client' is archived in FreshBooks; restore the client to bill this time.",
    )
    assert reasons[603][0] == "client_archived" and "is deleted in FreshBooks" in reasons[603][1]
    page = owner.get(url("run", business, run_pk=run.pk)).content.decode()
    for label in ("No client", "Internal", "Archived or deleted client"):
        assert label in page
    assert "not been synced" not in page


def test_unpriced_time_is_held_left_unbilled_or_billed_as_a_0_00_line_as_chosen(owner, business):
    Project.objects.create(
        business=business, freshbooks_id=74, title="Favours", client_freshbooks_id=10
    )
    add_entry(business, 700, project=74, seconds=1800)

    held = preview(business)
    left = preview(business, unpriced="leave_unbilled")
    zero = preview(business, unpriced="bill_zero")

    assert held.preview["drafts"][0]["blocked_reason"].startswith("1 time entry has no rate (#700)")
    assert left.preview["drafts"][0]["blocked_reason"] is None
    assert 700 in {item["entry_id"] for item in left.preview["not_billed"]}
    favours = next(line for line in zero.preview["drafts"][0]["lines"] if line["name"] == "Favours")
    assert (favours["quantity"], favours["unit_cost"], favours["amount"]) == (
        "0.50",
        "0.00",
        "0.00",
    )
    page = owner.get(url("run", business, run_pk=left.pk)).content.decode()
    assert "Favours" in page and "no billing method" in page


def words_of(html: str) -> str:
    """The page as text: tags dropped, white space collapsed."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def test_held_back_time_is_explained_once_without_doubled_words(owner, business):
    favours = Project.objects.create(
        business=business,
        freshbooks_id=74,
        title="Favours",
        client_freshbooks_id=10,
        billing_method="project_rate",
        rate=Decimal("50.00"),
    )
    add_entry(business, 700, project=74, seconds=1800)
    seen = preview(business)
    favours.billing_method, favours.rate = "", None  # the rate is gone since the preview
    favours.save()
    held = preview(business)
    left = preview(business, unpriced="leave_unbilled")
    owner.post(url("run_create", business, run_pk=seen.pk))

    def text(address):
        return words_of(owner.get(address).content.decode())

    held_page, left_page = (
        text(url("run", business, run_pk=held.pk)),
        text(url("run", business, run_pk=left.pk)),
    )
    changes = text(url("run_changes", business, run_pk=seen.pk))
    business_page = text(reverse("invoicing:business", args=[business.pk]))

    why = "1 time entry has no rate (#700)"
    assert f"Held back {why}" in held_page
    assert f"Held back: {why}" in business_page
    assert f"Now held back: {why}" in changes
    assert "No rate Project 'Favours' has no billing method" in left_page
    for page in (held_page, left_page, changes, business_page):
        assert "Blocked" not in page
        assert "No rate No rate" not in page and "No rate: " not in page
        assert "Held back: Held back" not in page


def test_the_standard_rate_fix_links_to_the_rates_page(owner, business):
    Project.objects.create(
        business=business,
        freshbooks_id=75,
        title="Standard work",
        client_freshbooks_id=10,
        billing_method="business_rate",
    )
    add_entry(business, 701, project=75)

    run = preview(business, unpriced="leave_unbilled")

    page = owner.get(url("run", business, run_pk=run.pk)).content.decode()
    rates = reverse("invoicing:rates", kwargs={"business_pk": business.pk})
    assert f'href="{rates}?preview={run.pk}#standard-rate">Set the standard rate</a>' in page


def held_back_by(business, **project):
    """Acme's project Favours (74) without a rate and half an hour on it: Acme is held back."""
    Project.objects.create(
        business=business, freshbooks_id=74, title="Favours", client_freshbooks_id=10, **project
    )
    add_entry(business, 700, project=74, seconds=1800)
    run = preview(business)
    assert [d["client_name"] for d in run.preview["drafts"] if d["blocked_reason"]] == ["Acme Corp"]
    return run


def fix_link_of(owner, business, run, label):
    page = owner.get(url("run", business, run_pk=run.pk)).content.decode()
    return unescape(re.search(rf'href="([^"]+)">{label}</a>', page).group(1))


def acme_held_back(run) -> bool:
    run.refresh_from_db()
    return any(
        d["blocked_reason"] for d in run.preview["drafts"] if d["client_name"] == "Acme Corp"
    )


def test_a_rate_set_from_a_preview_fix_link_brings_the_person_back_to_the_preview_replanned(
    owner, business
):
    run = held_back_by(business)
    link = fix_link_of(owner, business, run, "Set a rate for project Favours")
    assert link.endswith(f"?client=10&project=74&preview={run.pk}")
    page = owner.get(url("run", business, run_pk=run.pk)).content.decode()
    card_fixes = page[page.index("data-fixes") : page.index("</ul>", page.index("data-fixes"))]
    assert card_fixes.count("<a ") == 1  # on the held-back card, once
    assert ">Set a rate for project Favours</a>" in card_fixes

    form_page = owner.get(link).content.decode()
    assert f'<input type="hidden" name="preview" value="{run.pk}">' in form_page
    assert f"Back to preview #{run.pk}" in form_page
    response = owner.post(link, {"client": "10", "project": "74", "rate": "40", "preview": run.pk})

    assert response.status_code == 302
    assert response["Location"] == url("run", business, run_pk=run.pk)
    assert not acme_held_back(run)
    acme = next(d for d in run.preview["drafts"] if d["client_name"] == "Acme Corp")
    assert Decimal(acme["total"]) == Decimal("355.00")  # 335.00 + 0.5 h × 40
    assert "planned again with this rate" in owner.get(response["Location"]).content.decode()


def test_the_standard_rate_set_from_a_preview_fix_link_brings_the_person_back(owner, business):
    run = held_back_by(business, billing_method="business_rate")
    link = fix_link_of(owner, business, run, "Set the standard rate")
    rates = reverse("invoicing:rates", kwargs={"business_pk": business.pk})
    assert link == f"{rates}?preview={run.pk}#standard-rate"
    assert f'name="preview" value="{run.pk}"' in owner.get(link).content.decode()

    response = owner.post(
        reverse("invoicing:standard_rate", kwargs={"business_pk": business.pk}),
        {"standard_rate": "60", "preview": str(run.pk)},
    )

    assert response["Location"] == url("run", business, run_pk=run.pk)
    assert not acme_held_back(run)


@pytest.mark.parametrize(
    "preview_id", ["theirs", "created", "discarded", "abc", "99999999999999999999"]
)
def test_a_preview_id_that_is_not_an_open_preview_of_the_business_is_ignored(
    owner, business, preview_id
):
    run = held_back_by(business)
    theirs = ConnectedBusinessFactory()
    their_run = preview(theirs)
    their_preview = their_run.preview
    closed = {
        "created": InvoiceRun.Status.COMPLETED,
        "discarded": InvoiceRun.Status.DISCARDED,
    }
    if preview_id in closed:
        InvoiceRun.objects.filter(pk=run.pk).update(status=closed[preview_id])
    value = {"theirs": their_run.pk, "created": run.pk, "discarded": run.pk}.get(
        preview_id, preview_id
    )
    before = InvoiceRun.objects.values("preview", "status").get(pk=run.pk)

    response = owner.post(
        reverse("invoicing:rate_rule_new", kwargs={"business_pk": business.pk}),
        {"client": "10", "project": "74", "rate": "40", "preview": value},
    )

    assert response.status_code == 302
    assert response["Location"].endswith("/rates/#rules")
    assert InvoiceRun.objects.values("preview", "status").get(pk=run.pk) == before
    assert InvoiceRun.objects.get(pk=their_run.pk).preview == their_preview


def test_the_billing_defaults_and_the_schedule_name_the_same_two_choices(owner, business):
    for name in ("policy", "schedule"):
        page = owner.get(url(name, business)).content.decode()
        for words in UNPRICED_WORDS:
            assert words in page, name

    owner.post(
        url("policy", business),
        {
            "grouping": "service",
            "rounding_increment": "0",
            "rounding_direction": "up",
            "rounding_level": "entry",
            "unpriced": "bill_zero",
            "standard_rate": "",
        },
    )

    assert BillingPolicy.objects.get(business=business).unpriced == "bill_zero"
    assert 'value="bill_zero" checked' in owner.get(url("new", business)).content.decode().replace(
        'checked="checked"', "checked"
    ).replace('value="bill_zero" id="id_unpriced_2" checked', 'value="bill_zero" checked')


# -- previews that cannot go stale silently --------------------------------------------------


def test_a_preview_whose_data_changed_is_outdated_and_create_shows_the_changes_first(
    owner, business
):
    run = preview(business)
    assert "data-outdated" not in owner.get(url("run", business, run_pk=run.pk)).content.decode()

    Project.objects.filter(business=business, freshbooks_id=70).update(rate=Decimal("150.00"))
    add_entry(business, 504, client=11, project=72, day=4)

    page = owner.get(url("run", business, run_pk=run.pk)).content.decode()
    assert "data-outdated" in page and "This preview is outdated" in page

    response = owner.post(url("run_create", business, run_pk=run.pk), {})

    assert response.status_code == 302
    assert response["Location"] == url("run_changes", business, run_pk=run.pk)
    assert not DraftInvoice.objects.exists()
    run.refresh_from_db()
    assert run.status == InvoiceRun.Status.PREVIEWED
    changes = owner.get(response["Location"]).content.decode()
    assert "Nothing was created." in changes
    assert "Line “Website”: rate $120.00 → $150.00; amount $240.00 → $300.00." in changes
    assert "1 entry (#504) added" in changes
    assert "Total CA$160.00 → CA$240.00." in changes
    assert "Confirm the new preview" in changes

    response = owner.post(url("run_confirm", business, run_pk=run.pk))

    assert response["Location"] == url("run", business, run_pk=run.pk)
    run.refresh_from_db()
    assert run.replanned == {}
    assert run.preview["totals_by_currency"] == {"CAD": "240.00", "USD": "395.00"}
    assert not DraftInvoice.objects.exists()

    owner.post(url("run_create", business, run_pk=run.pk), {})

    assert sorted(DraftInvoice.objects.values_list("total", flat=True)) == [
        Decimal("240.00"),
        Decimal("395.00"),
    ]


def test_a_preview_whose_data_did_not_change_is_created_at_once(owner, business):
    run = preview(business)

    response = owner.post(url("run_create", business, run_pk=run.pk), {})

    assert response["Location"] == url("run", business, run_pk=run.pk)
    assert DraftInvoice.objects.count() == 2
    page = words_of(owner.get(response["Location"]).content.decode())
    assert "The preview this run was made from" in page
    assert "Will be created" not in page and "Planned" in page


def test_a_discarded_preview_creates_nothing_and_is_listed_apart(owner, business):
    kept, discarded = preview(business), preview(business)

    response = owner.post(url("run_discard", business, run_pk=discarded.pk))

    assert response["Location"] == url("runs", business)
    discarded.refresh_from_db()
    assert discarded.status == InvoiceRun.Status.DISCARDED
    assert discarded.discarded_by == business.connection.user
    owner.post(url("run_create", business, run_pk=discarded.pk), {})
    assert not DraftInvoice.objects.exists()
    runs_page = owner.get(url("runs", business)).content.decode()
    previews = runs_page[
        runs_page.index('id="previews-heading"') : runs_page.index('id="runs-heading"')
    ]
    assert f"#{kept.pk}" in previews and f"#{discarded.pk}<" not in previews
    assert "1 discarded preview kept for the record" in runs_page


def test_the_business_page_lists_runs_that_created_drafts_apart_from_previews(owner, business):
    waiting = preview(business)
    created = preview(business)
    owner.post(url("run_create", business, run_pk=created.pk), {})

    page = owner.get(reverse("invoicing:business", args=[business.pk])).content.decode()

    runs = page[page.index("Recent invoice runs") : page.index('id="previews-heading"')]
    previews = page[
        page.index('id="previews-heading"') : page.index(
            "</table>", page.index('id="previews-heading"')
        )
    ]
    assert f"Run #{created.pk}" in runs and f"#{waiting.pk}<" not in runs
    assert f"Preview #{waiting.pk}" in previews and f"#{created.pk}<" not in previews


# -- tenancy and CSRF --------------------------------------------------------------------------

NEW_URLS = [
    ("run_select", "post"),
    ("run_changes", "get"),
    ("run_confirm", "post"),
    ("run_discard", "post"),
    ("run_create", "post"),
]


@pytest.mark.parametrize(("name", "method"), NEW_URLS)
def test_another_users_preview_is_not_found_on_every_new_url(client, business, name, method):
    run = preview(business)
    stranger = ConnectedBusinessFactory()
    client.force_login(stranger.connection.user)

    through_own = getattr(client, method)(url(name, stranger, run_pk=run.pk))
    through_theirs = getattr(client, method)(url(name, business, run_pk=run.pk))

    assert through_own.status_code == 404
    assert through_theirs.status_code == 404
    run.refresh_from_db()
    assert run.status == InvoiceRun.Status.PREVIEWED


@pytest.mark.parametrize("name", ["run_select", "run_confirm", "run_discard", "run_create"])
def test_every_new_form_needs_its_csrf_token(business, name):
    run = preview(business)
    browser = BrowserClient(enforce_csrf_checks=True)
    browser.force_login(business.connection.user)

    response = browser.post(url(name, business, run_pk=run.pk), {"shown": ["500"], "bill": []})

    assert response.status_code == 403
    run.refresh_from_db()
    assert run.status == InvoiceRun.Status.PREVIEWED
    assert left_out(run) == set()


def test_every_preview_form_carries_a_csrf_token(owner, business):
    run = preview(business)

    page = owner.get(url("run", business, run_pk=run.pk)).content.decode()

    assert page.count('name="csrfmiddlewaretoken"') >= 2  # the tick boxes' form and discard
    assert page.count("<form") == page.count('name="csrfmiddlewaretoken"') + page.count(
        'method="get"'
    )


def test_a_get_of_any_preview_page_writes_nothing(owner, business):
    run = preview(business)
    Project.objects.filter(freshbooks_id=70).update(rate=Decimal("150.00"))
    before = InvoiceRun.objects.values().get(pk=run.pk)

    for name in ("run", "run_changes"):
        owner.get(url(name, business, run_pk=run.pk))
    owner.get(url("runs", business))

    assert InvoiceRun.objects.values().get(pk=run.pk) == before


def test_a_logged_out_visitor_is_sent_to_log_in(client, business):
    run = preview(business)

    response = client.post(url("run_discard", business, run_pk=run.pk))

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    assert UserFactory  # the factory module is shared with the other view tests
