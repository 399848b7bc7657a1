"""A sync whose worker is killed mid-run finishes on another worker with the same result."""

import pytest

from invoicing.models import SyncRun, TimeEntry
from invoicing.sync.runs import sync_run_request, sync_runs_sweep
from tests.plugins.freshbooks import connect_sandbox_business, sandbox_env
from tests.plugins.processes import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_a_killed_worker_sync_resumes_on_a_new_worker_to_the_same_state(
    use_sandbox, celery_worker_factory, settings
):
    seeded = connect_sandbox_business(use_sandbox, time_entries=6000, months=3)
    use_sandbox.control.add_fault(
        method="GET", path=r".*/time_entries.*", kind="latency", latency_ms=150
    )
    first_worker = celery_worker_factory(sandbox_env(use_sandbox))

    run = sync_run_request(business=seeded.business, trigger="test", full=True)

    def deep_into_time_entries():
        run.refresh_from_db()
        return run.progress.get("stage") == "time_entries" and run.progress.get("page", 0) > 5

    wait_until(deep_into_time_entries, timeout=120, message="the sync to reach time entries")
    first_worker.kill()
    killed_at_page = SyncRun.objects.get(pk=run.pk).progress["page"]
    use_sandbox.control.clear_faults()
    use_sandbox.control.reset_calls()
    second_worker = celery_worker_factory(sandbox_env(use_sandbox))
    settings.SYNC_STALE_SECONDS = 0

    assert sync_runs_sweep() == 1

    def finished():
        run.refresh_from_db()
        return run.status in (SyncRun.Status.SUCCEEDED, SyncRun.Status.FAILED)

    wait_until(finished, timeout=180, message="the resumed sync to finish")
    assert run.status == SyncRun.Status.SUCCEEDED, run.error + second_worker.log()[-3000:]
    assert run.attempts == 2
    sandbox_ids = {entry["id"] for entry in use_sandbox.control.time_entries(seeded.business_id)}
    mirrored = set(
        TimeEntry.objects.filter(business=seeded.business).values_list("freshbooks_id", flat=True)
    )
    assert mirrored == sandbox_ids
    # The second attempt resumed where the first stopped instead of re-reading every page.
    total_pages = -(-len(sandbox_ids) // 100)
    resumed_pages = use_sandbox.control.calls()["GET /timetracking/business/{bid}/time_entries"]
    assert resumed_pages <= total_pages - killed_at_page + 2
