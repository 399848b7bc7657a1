"""Bill from fresh data: a preview and "Create drafts" read FreshBooks just before planning.

Against the real sandbox process: a business is fully synced, then a rate changes in FreshBooks
(project rate, service rate, project service rate, team member rate) and, with no full sync in
between, the next preview bills the new rate. Also: what it costs in calls, and what happens when
FreshBooks cannot be reached.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from connections.services.freshbooks_api import api_client_for
from invoicing.drafts import invoice_run_preview
from invoicing.models import ProjectServiceRate, SyncRun
from tests.invoicing.drafts.conftest import sync_business
from tests.plugins.freshbooks import connect_sandbox_business

pytestmark = pytest.mark.django_db

TODAY = datetime.now(UTC).date()
PERIOD = {
    "period": "custom",
    "start": (TODAY - timedelta(days=10)).isoformat(),
    "end": (TODAY + timedelta(days=1)).isoformat(),
    "grouping": "project",
    "unpriced": "leave_unbilled",
    "expenses": "none",  # the seed's expenses aside: these drafts are about time and rates
}


def put(identity, path: str, body: dict) -> dict:
    """A write to FreshBooks as the business owner would make it (the app only reads rates)."""
    with api_client_for(identity) as client:
        return client.request("PUT", path, json=body)


class RatedBusiness:
    """One client with four projects, one per way FreshBooks prices time, an hour on each."""

    def __init__(self, sandbox):
        seeded = connect_sandbox_business(
            sandbox,
            users=1,
            businesses=1,
            clients=1,
            projects_per_client=0,
            services=0,
            team_members=0,
            time_entries=0,
        )
        self.sandbox, self.business, self.identity = sandbox, seeded.business, seeded.identity
        control, bid = sandbox.control, self.business.business_id
        self.owner = seeded.seed["businesses"][0]["owner_identity_id"]
        [client] = control.state(self.business.account_id, "clients")
        self.client_id = client["id"]
        design = control.act_create(bid, "services", name="Design")["id"]
        support = control.act_create(bid, "services", name="Support")["id"]
        self.design, self.support = design, support

        def project(title, method, **fields):
            return control.act_create(
                bid,
                "projects",
                title=title,
                client_id=self.client_id,
                billing_method=method,
                project_type="hourly_rate",
                **fields,
            )["id"]

        self.website = project("Website", "project_rate", rate="100.00")
        self.app = project("App", "service_rate", services=[{"id": design}])
        self.helpdesk = project("Helpdesk", "service_rate", services=[{"id": support}])
        self.team = project("Team work", "team_member_rate")
        self.rate(f"service/{support}/rate", {"service_rate": {"rate": "60.00"}})
        self.rate(f"service/{design}/rate", {"service_rate": {"rate": "80.00"}})
        self.rate(
            f"project/{self.app}/service/{design}/rate",
            {"project_service_rate": {"rate": "120.00"}},
        )
        self.rate(f"team_member_rate/{self.owner}", {"team_member_rate": {"rate": "40.00"}})
        started = datetime.now(UTC) - timedelta(days=2)
        for project_id, service_id in (
            (self.website, None),
            (self.app, design),
            (self.helpdesk, support),
            (self.team, None),
        ):
            control.create_time_entry(
                bid,
                client_id=self.client_id,
                project_id=project_id,
                service_id=service_id,
                identity_id=self.owner,
                started_at=started.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                duration=3600,
                is_logged=True,
                billable=True,
            )
        sync_business(self.business)

    def rate(self, tail: str, body: dict) -> None:
        put(self.identity, f"/comments/business/{self.business.business_id}/{tail}", body)

    def preview_rates(self) -> dict[str, str]:
        run = invoice_run_preview(business=self.business, raw_options=PERIOD)
        [draft] = run.preview["drafts"]
        return {line["name"]: line["unit_cost"] for line in draft["lines"]}, run


@pytest.fixture
def rated(use_sandbox):
    return RatedBusiness(use_sandbox)


def test_rates_changed_in_freshbooks_after_a_full_sync_are_billed_with_no_full_sync_between(
    rated,
):
    before, _ = rated.preview_rates()
    assert before == {
        "App": "120.00",  # the project's own rate for Design
        "Helpdesk": "60.00",  # Support's business rate
        "Team work": "40.00",  # the owner's billable rate
        "Website": "100.00",  # the project rate
    }
    full_syncs = SyncRun.objects.filter(kind=SyncRun.Kind.FULL).count()

    rated.sandbox.control.act_update(
        rated.business.business_id, "projects", rated.website, rate="150.00"
    )
    rated.rate(f"service/{rated.support}/rate", {"service_rate": {"rate": "65.50"}})
    rated.rate(
        f"project/{rated.app}/service/{rated.design}/rate",
        {"project_service_rate": {"rate": "131.25"}},
    )
    rated.rate(f"team_member_rate/{rated.owner}", {"team_member_rate": {"rate": "45.00"}})

    after, run = rated.preview_rates()

    assert after == {
        "App": "131.25",
        "Helpdesk": "65.50",
        "Team work": "45.00",
        "Website": "150.00",
    }
    assert run.preview["drafts"][0]["total"] == "391.75"
    assert run.preview["freshness"]["refreshed"] is True
    assert run.preview["freshness"]["rates_changed"] == 3  # the project rate came with the project
    assert SyncRun.objects.filter(kind=SyncRun.Kind.FULL).count() == full_syncs
    assert SyncRun.objects.count() == full_syncs  # no sync of any kind ran in between


def test_a_plan_costs_a_few_calls_plus_one_per_project_and_service_billed_by_service(rated):
    rated.sandbox.control.reset_calls()

    _, run = rated.preview_rates()

    calls = rated.sandbox.control.calls()
    # time entries, projects, clients, live and deleted expenses changed since the sync; team
    # member rates and service rates (a project bills by each); App's and Helpdesk's rate for
    # their one service each.
    assert run.preview["freshness"]["api_calls"] == 9
    assert calls["total"] == 9, calls


def test_a_new_entry_made_in_freshbooks_a_moment_ago_is_on_the_preview(rated):
    rated.sandbox.control.create_time_entry(
        rated.business.business_id,
        client_id=rated.client_id,
        project_id=rated.website,
        identity_id=rated.owner,
        started_at=(datetime.now(UTC) - timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        duration=1800,
        is_logged=True,
        billable=True,
    )

    _, run = rated.preview_rates()

    website = next(line for line in run.preview["drafts"][0]["lines"] if line["name"] == "Website")
    assert website["quantity"] == "1.50"
    assert run.preview["freshness"]["entries_changed"] >= 1


def test_when_freshbooks_cannot_be_reached_the_plan_uses_the_mirror_and_says_so(rated):
    rated.sandbox.control.add_fault(kind="status", status=503)

    rates, run = rated.preview_rates()

    assert rates["Website"] == "100.00"  # what the last sync brought
    freshness = run.preview["freshness"]
    assert freshness["refreshed"] is False
    assert "could not be reached" in freshness["problem"]
    assert freshness["last_synced_at"]


def test_one_failed_rate_read_among_the_concurrent_ones_leaves_every_rate_as_synced(rated):
    # The rates are read side by side; one project's rate cannot be read (503 on every attempt).
    rated.rate(f"service/{rated.support}/rate", {"service_rate": {"rate": "65.50"}})
    rated.rate(f"team_member_rate/{rated.owner}", {"team_member_rate": {"rate": "45.00"}})
    rated.sandbox.control.add_fault(
        kind="status", status=503, method="GET", path=rf"/project/{rated.app}/service/"
    )

    rates, run = rated.preview_rates()

    freshness = run.preview["freshness"]
    assert freshness["refreshed"] is False
    assert "could not be reached" in freshness["problem"]
    # The reads that did answer were not stored on their own: the plan is the last sync's.
    assert rates == {
        "App": "120.00",
        "Helpdesk": "60.00",
        "Team work": "40.00",
        "Website": "100.00",
    }


def test_creating_drafts_after_a_failed_fresh_read_keeps_the_reason_on_the_run(rated):
    from invoicing.drafts import invoice_run_create
    from invoicing.models import InvoiceRun

    _, preview = rated.preview_rates()
    rated.sandbox.control.add_fault(
        kind="status", status=503, method="GET", path=rf"/project/{rated.app}/service/"
    )

    run = invoice_run_create(run_id=preview.pk)

    assert run.status == InvoiceRun.Status.CREATING  # planned from the mirror, as the preview was
    assert "could not be reached" in run.preview["freshness_at_create"]["problem"]


def test_a_project_update_webhook_re_reads_the_projects_service_rates(rated):
    from invoicing.sync.objects import object_refresh

    rated.rate(
        f"project/{rated.app}/service/{rated.design}/rate",
        {"project_service_rate": {"rate": "99.00"}},
    )

    object_refresh(business=rated.business, noun="project", object_id=rated.app)

    row = ProjectServiceRate.objects.get(
        business=rated.business, project_freshbooks_id=rated.app, service_freshbooks_id=rated.design
    )
    assert row.rate == Decimal("99.00")
