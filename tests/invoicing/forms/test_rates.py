"""The rate rule form's pre-fill from a fix link keeps only the business's own ids."""

from __future__ import annotations

from invoicing.forms.rates import rule_prefill
from invoicing.selectors.rates import RateNames

NAMES = RateNames(
    clients={10: "Acme Corp", 11: "Globex"},
    projects={70: "Website", 99: "Orphan"},
    project_clients={70: 10, 99: None},
    services={20: "Design"},
    team_members={30: "Ann Lee"},
)


def test_a_project_alone_brings_its_client():
    assert rule_prefill({"project": "70"}, NAMES) == {"client": 10, "project": 70}


def test_every_picker_can_be_prefilled():
    query = {"client": "11", "project": "70", "service": "20", "member": "30"}
    assert rule_prefill(query, NAMES) == {
        "client": 11,
        "project": 70,
        "service": 20,
        "team_member": 30,
    }


def test_unknown_or_malformed_ids_are_ignored_not_errors():
    query = {"client": "12", "project": "7O", "service": "-20", "member": "", "extra": "1"}
    assert rule_prefill(query, NAMES) == {}
    assert rule_prefill({"project": "99"}, NAMES) == {"project": 99}
