"""bench/pages.py at a tiny size: every page answers, with as many queries for many entries as for
few (a query per row would show here). Both sizes give every client time, priced and unpriced."""

import pages
import pytest


@pytest.mark.django_db
def test_every_page_answers_with_the_same_queries_for_few_and_many_entries(settings):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]

    small = pages.measure(*pages.build_world(40, label="small"), repeat=1)
    large = pages.measure(*pages.build_world(400, label="large"), repeat=1)

    assert (
        list(small)
        == list(large)
        == [
            "dashboard",
            "business page",
            "business page, 1st view after a change",
            "dashboard, 1st view after a change",
            "preview (compute)",
            "compute floor: read the rows",
            "preview page",
            "preview page, not billed p.2",
            "admin time entries",
            "admin clients",
            "admin businesses",
        ]
    )
    assert {name: queries for name, (_s, queries) in large.items()} == {
        name: queries for name, (_s, queries) in small.items()
    }
