"""What the database itself guarantees about runs and drafts (invoicing/models/runs.py)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from invoicing.models import DraftEntry, DraftInvoice, InvoiceRun
from tests.factories import DraftEntryFactory, DraftInvoiceFactory, DraftLineFactory

pytestmark = pytest.mark.django_db


def second_draft_for_the_same_entry(draft: DraftInvoice) -> None:
    other = DraftInvoiceFactory(
        run=draft.run,
        business=draft.business,
        client_freshbooks_id=draft.client_freshbooks_id,
        client_name=draft.client_name,
        currency_code="USD",
        unique_key="another-key",
        total=Decimal("1.00"),
    )
    line = DraftLineFactory(
        draft=other,
        position=1,
        name="Copy",
        quantity=Decimal("1.00"),
        unit_cost=Decimal("1.00"),
        amount=Decimal("1.00"),
        raw_seconds=3600,
        billed_seconds=3600,
    )
    link = draft.entries.get()
    DraftEntryFactory(
        draft=other,
        line=line,
        time_entry=link.time_entry,
        business_freshbooks_id=link.business_freshbooks_id,
        time_entry_freshbooks_id=link.time_entry_freshbooks_id,
        raw_seconds=3600,
        billed_seconds=3600,
    )


def test_an_entry_cannot_sit_on_two_open_drafts(draft):
    with pytest.raises(IntegrityError), transaction.atomic():
        second_draft_for_the_same_entry(draft)


def test_an_entry_of_a_voided_draft_can_go_on_a_new_one(draft):
    draft.entries.update(voided=True)
    DraftInvoice.objects.filter(pk=draft.pk).update(state=DraftInvoice.State.VOIDED)

    second_draft_for_the_same_entry(draft)

    assert DraftEntry.objects.filter(time_entry_freshbooks_id=500).count() == 2


def test_two_open_drafts_cannot_share_a_unique_key(draft):
    with pytest.raises(IntegrityError), transaction.atomic():
        DraftInvoiceFactory(
            run=draft.run,
            business=draft.business,
            client_freshbooks_id=10,
            client_name="Acme Corp",
            currency_code="USD",
            unique_key=draft.unique_key,
            total=Decimal("1.00"),
        )


def test_a_voided_draft_keeps_its_run_lines_and_links_for_the_audit(draft):
    DraftInvoice.objects.filter(pk=draft.pk).update(state=DraftInvoice.State.VOIDED)
    draft.entries.update(voided=True)

    assert InvoiceRun.objects.filter(pk=draft.run_id).exists()
    assert draft.lines.count() == 1
    assert draft.entries.count() == 1


def test_deleting_a_business_with_its_local_data_removes_its_runs_and_drafts(draft):
    draft.business.delete()

    assert not InvoiceRun.objects.exists()
    assert not DraftInvoice.objects.exists()
    assert not DraftEntry.objects.exists()
