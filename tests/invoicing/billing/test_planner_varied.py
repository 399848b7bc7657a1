"""The planner on a varied generated world (`varied_world`): every option set gives exactly the
plan recorded in `data/varied_plans.json`, and every entry gets the verdict the rules give it
when applied to that entry alone (`assess_entry`), whatever the planner shares between entries.

The expected file was written by the planner before it was made faster; a change to any number,
label, line or entry of these plans fails here. To record a deliberate change of the rules:
`VARIED_PLANS_WRITE=1 scripts/test.sh tests/invoicing/billing/test_planner_varied.py`, then read
the diff.
"""

import json
import os
import random
from pathlib import Path

import pytest

from invoicing.billing import plan_drafts
from invoicing.billing.eligibility import assess_entry

from . import varied_world as world

EXPECTED = Path(__file__).parent / "data" / "varied_plans.json"


def plan_of(values, entries=None):
    return plan_drafts(
        entries=world.entries() if entries is None else entries,
        catalog=world.catalog(),
        rules=world.rules(),
        options=world.options(values),
        business=world.BUSINESS,
        business_key="freshbooks-business-16",
        taxes=world.tax_defaults(),
        expenses=world.expenses(),
        reserved_expense_ids=frozenset({909}),
    )


def test_every_option_set_gives_the_recorded_plan():
    rendered = [world.render_plan(plan_of(values)) for values in world.OPTION_SETS]
    if os.environ.get("VARIED_PLANS_WRITE"):
        EXPECTED.write_text(json.dumps(rendered, indent=1, sort_keys=True) + "\n")
    expected = json.loads(EXPECTED.read_text())
    assert len(expected) == len(world.OPTION_SETS)
    for values, got, want in zip(world.OPTION_SETS, rendered, expected, strict=True):
        assert json.loads(json.dumps(got, sort_keys=True)) == want, values


def test_the_recorded_plans_bill_and_hold_real_money():
    """The fixture is not trivially empty: drafts, held drafts, lines, taxes and left-out time."""
    expected = json.loads(EXPECTED.read_text())
    drafts = [draft for plan in expected for draft in plan["drafts"]]
    assert len({draft["currency"] for draft in drafts}) == 3
    assert any(draft["blocked"] for draft in drafts)
    assert any(draft["taxes"] for draft in drafts)
    assert any(draft["expense_lines"] for draft in drafts)
    assert sum(draft["line_count"] for draft in drafts) > 100
    assert all(plan["not_billed_count"] > 100 for plan in expected)


@pytest.mark.parametrize("values", world.OPTION_SETS, ids=lambda values: values["grouping"])
def test_each_entry_gets_the_verdict_of_the_rules_applied_to_it_alone(values):
    entries = world.entries()
    plan = plan_of(values)
    options = world.options(values)
    not_billed = {item.entry_id: item for item in plan.not_billed}
    on_lines = {
        entry_id: (draft, line)
        for draft in plan.drafts
        for line in draft.lines
        for entry_id in line.entry_ids
    }
    assert len(not_billed) + len(on_lines) == len(entries)
    for entry in entries:
        alone = assess_entry(
            entry,
            period=options.period,
            catalog=world.catalog(),
            rules=world.rules(),
            business=world.BUSINESS,
            unpriced=options.unpriced,
            excluded_client_ids=options.excluded_client_ids,
            excluded_project_ids=options.excluded_project_ids,
            excluded_entry_ids=options.excluded_entry_ids,
        )
        if alone.reason is not None:
            item = not_billed[entry.id]
            assert (item.reason, item.detail, item.client_id) == (
                alone.reason,
                alone.detail,
                entry.client_id,
            )
            fix = alone.rate.source.fix if alone.rate and alone.reason.unpriced else None
            assert item.rate_fix == fix
        else:
            draft, line = on_lines[entry.id]
            assert alone.rate is not None
            assert draft.client_id == entry.client_id
            assert line.unit_cost == alone.rate.rate
            assert alone.rate.source.label in line.rate_sources


def test_the_plan_does_not_depend_on_the_order_entries_come_in():
    values = world.OPTION_SETS[2]
    shuffled = world.entries()
    random.Random(7).shuffle(shuffled)
    assert world.render_plan(plan_of(values, shuffled)) == world.render_plan(plan_of(values))
