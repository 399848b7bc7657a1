"""Each drill of bench/drills/ at its smallest size: it sets up its own world in a child process
(database, sandbox, Redis keys, app processes), does harm and checks that nothing was lost or done
twice. The figures (``make drill``) are in bench/README.md."""

from __future__ import annotations

import pytest

from bench.drills.common import IN_TESTS_ENV, DrillResult

pytestmark = pytest.mark.integration


@pytest.fixture(autouse=True)
def smallest_size(monkeypatch):
    monkeypatch.setenv(IN_TESTS_ENV, "1")


def passed(result: DrillResult) -> bool:
    result.print()
    return result.passed


def test_crash_killed_workers_leave_every_run_done_with_one_invoice_per_draft():
    from bench.drills import crash

    assert passed(crash.run())


def test_broker_loss_a_redis_restarted_empty_loses_no_delivery_and_no_draft():
    from bench.drills import broker_loss

    assert passed(broker_loss.run())


def test_db_blips_terminated_connections_lose_nothing_and_no_page_answers_500():
    from bench.drills import db_blips

    assert passed(db_blips.run())


def test_several_hosts_a_worker_host_cut_off_mid_run_loses_nothing_and_rejoins():
    from bench.drills import several_hosts

    assert passed(several_hosts.run())


def test_refresh_race_thirty_two_callers_on_an_expired_token_cause_exactly_one_refresh():
    from bench.drills import refresh_race

    assert passed(refresh_race.run())


def test_faults_429s_5xx_and_lost_answers_end_in_the_state_of_a_fault_free_run():
    from bench.drills import faults

    assert passed(faults.run())


def test_resync_a_full_resync_under_webhook_edits_never_hides_a_live_entry():
    from bench.drills import resync

    assert passed(resync.run())


def test_hostile_input_gets_no_500_changes_no_other_tenants_row_and_logs_no_secret():
    from bench.drills import hostile

    assert passed(hostile.run())
