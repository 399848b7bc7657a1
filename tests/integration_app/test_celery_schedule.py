"""Beat's sweepers run as often as the settings say, so an operator (or a drill) can tune how
long work lost with a worker or the broker waits."""

from __future__ import annotations

from integration_app.celery import BEAT_SCHEDULE, beat_schedule


def test_the_sweepers_run_at_the_configured_intervals(settings):
    settings.INVOICE_DRAFT_SWEEP_SECONDS = 7
    settings.WEBHOOK_SWEEP_INTERVAL_SECONDS = 11

    schedule = beat_schedule()

    assert schedule["sweep-drafts"]["schedule"] == 7.0
    assert schedule["webhooks-sweep"]["schedule"] == 11.0


def test_by_default_drafts_are_swept_every_15_seconds_and_deliveries_every_minute():
    assert BEAT_SCHEDULE["sweep-drafts"]["schedule"] == 15.0
    assert BEAT_SCHEDULE["webhooks-sweep"]["schedule"] == 60.0
