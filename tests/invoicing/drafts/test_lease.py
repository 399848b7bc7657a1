"""Leases: short, renewed by a heartbeat while the worker lives, free soon after it dies."""

import time

import pytest
from django.utils import timezone

from invoicing.drafts.lease import lease_claim, lease_heartbeat, lease_release, submit_timeout
from invoicing.models import DraftInvoice

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def short_leases(settings):
    settings.INVOICE_DRAFT_LEASE_SECONDS = 0.6


def test_the_heartbeat_keeps_a_working_drafts_lease_past_its_length(draft, short_leases):
    held = lease_claim(draft.pk)
    assert held is not None

    with lease_heartbeat(held):
        time.sleep(1.5)  # a slow FreshBooks call: more than twice the lease
        assert lease_claim(draft.pk) is None  # nobody else can take it meanwhile

    assert DraftInvoice.objects.get(pk=draft.pk).lease_expires_at > timezone.now()
    lease_release(held)


def test_a_dead_workers_lease_runs_out_within_one_lease_length(draft, short_leases):
    held = lease_claim(draft.pk)
    assert held is not None
    assert lease_claim(draft.pk) is None

    time.sleep(0.7)  # the worker died: no heartbeat renews its lease

    taken_over = lease_claim(draft.pk)
    assert taken_over is not None
    assert taken_over.lease_token != held.lease_token


def test_the_heartbeat_stops_once_another_worker_took_the_draft_over(draft, short_leases):
    held = lease_claim(draft.pk)
    assert held is not None
    with lease_heartbeat(held):
        DraftInvoice.objects.filter(pk=draft.pk).update(lease_token="another-worker")
        time.sleep(0.5)

    assert DraftInvoice.objects.get(pk=draft.pk).lease_token == "another-worker"


@pytest.mark.parametrize("lease", [30, 6, 0.6])
@pytest.mark.parametrize("connect_and_read", [(5, 30), (1, 1), (10, 60)])
def test_a_drafts_post_answers_or_gives_up_well_within_the_lease_it_was_sent_under(
    settings, lease, connect_and_read
):
    """Else a worker cut off mid-POST could still land its invoice after another worker took
    the draft over and found no invoice by its reference: a duplicate."""
    settings.INVOICE_DRAFT_LEASE_SECONDS = lease
    settings.FRESHBOOKS_CONNECT_TIMEOUT, settings.FRESHBOOKS_READ_TIMEOUT = connect_and_read

    connect, read = submit_timeout()

    assert 0 < connect <= connect_and_read[0] and 0 < read <= connect_and_read[1]
    assert connect + read <= lease * 5 / 6
