"""Every factory saves a row the model's own validation accepts, linked the way the app links it."""

import pytest
from django.db import models

from tests import factories

pytestmark = pytest.mark.django_db

MODEL_FACTORIES = sorted(
    (name for name in factories.__all__ if name.endswith("Factory")), key=str.lower
)


def json_left_at_its_default(row: models.Model) -> list[str]:
    """JSON columns still holding their default ``{}`` or ``[]``.

    Several models declare those defaults without ``blank=True``, so ``full_clean`` would call the
    default itself blank; the sync and the planner always fill them.
    """
    return [
        field.name
        for field in row._meta.concrete_fields
        if isinstance(field, models.JSONField)
        and getattr(row, field.attname) == field.get_default()
    ]


@pytest.mark.parametrize("name", MODEL_FACTORIES)
def test_a_factory_row_is_valid(name):
    row = getattr(factories, name)()

    row.full_clean(exclude=json_left_at_its_default(row))


@pytest.mark.parametrize("name", MODEL_FACTORIES)
def test_a_factory_makes_distinct_rows(name):
    make = getattr(factories, name)

    assert make().pk != make().pk


def test_a_draft_entry_reserves_time_of_its_own_drafts_business():
    link = factories.DraftEntryFactory()

    assert link.draft == link.line.draft
    assert link.draft.business == link.draft.run.business == link.time_entry.business
    assert link.business_freshbooks_id == link.draft.business.business_id
    assert link.time_entry_freshbooks_id == link.time_entry.freshbooks_id
    assert link.raw_seconds == link.billed_seconds == link.time_entry.duration_seconds
