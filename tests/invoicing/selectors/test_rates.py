"""Reads behind the Rates page: fix links and their words, overlaps, FreshBooks' rates."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from invoicing.models import BillingPolicy, Project, ProjectServiceRate, RateRule
from invoicing.selectors import billing_context
from invoicing.selectors.rate_rules import rule_overlaps
from invoicing.selectors.rates import (
    FixLink,
    businesses_asking_standard_rate,
    freshbooks_rates,
    rate_fix_link,
    rate_fix_link_for,
    rate_names,
)
from tests.factories import ConnectedBusinessFactory
from tests.invoicing.rates_world import (
    ACME,
    ANN,
    APP,
    BO,
    DESIGN,
    GLOBEX,
    RESEARCH,
    RETAINER,
    SUPPORT,
    WEBSITE,
    logged,
    rates_business,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def business():
    return rates_business()


def new_rule_url(business, query: str) -> str:
    return f"/businesses/{business.pk}/rates/rules/new/?{query}"


# -- fix links ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ids", "query", "label"),
    [
        ({"project_id": WEBSITE}, "client=10&project=70", "Set a rate for project Website"),
        (
            {"project_id": APP, "service_id": RESEARCH},
            "client=10&project=71&service=21",
            "Set a rate for Research on project App",
        ),
        (
            {"project_id": SUPPORT, "team_member_id": BO},
            "client=11&project=73&member=31",
            "Set a rate for Bo Chen on project Support",
        ),
        (
            {"project_id": APP, "service_id": DESIGN, "team_member_id": ANN},
            "client=10&project=71&service=20&member=30",
            "Set a rate for Design by Ann Lee on project App",
        ),
        ({"client_id": GLOBEX}, "client=11", "Set a rate for client Globex"),
        (
            {"client_id": ACME, "service_id": DESIGN},
            "client=10&service=20",
            "Set a rate for Design for client Acme Corp",
        ),
        ({"project_id": 4242}, "project=4242", "Set a rate for project project #4242"),
    ],
)
def test_a_fix_link_prefills_the_rule_form_and_says_what_it_sets(business, ids, query, label):
    assert rate_fix_link(business, **ids) == FixLink(new_rule_url(business, query), label)


def test_the_standard_rate_and_an_existing_rule_have_links_of_their_own(business):
    assert rate_fix_link(business, standard=True) == FixLink(
        f"/businesses/{business.pk}/rates/#standard-rate", "Set the standard rate"
    )
    assert rate_fix_link(business, rule_id=12) == FixLink(
        f"/businesses/{business.pk}/rates/rules/12/", "Change rate rule #12"
    )


def test_many_links_share_one_load_of_names(business, django_assert_num_queries):
    names = rate_names(business)
    with django_assert_num_queries(0):
        for project_id in (WEBSITE, APP, RETAINER, SUPPORT):
            rate_fix_link(business, project_id=project_id, names=names)


def test_every_unpriced_entry_of_a_plan_gets_its_exact_fix(business):
    logged(business, 1, project_id=APP, service_freshbooks_id=RESEARCH)
    logged(business, 2, project_id=RETAINER)
    logged(business, 3, client_id=GLOBEX, project_id=SUPPORT, identity_id=BO)
    logged(business, 4, client_id=GLOBEX)
    logged(business, 5, project_id=WEBSITE)  # priced: nothing to fix
    options = billing_context.options_for(
        business,
        {"period": "custom", "start": "2024-05-01", "end": "2024-05-31"},
        today=date(2024, 6, 1),
    )
    facts, _ = billing_context.entry_facts(
        business, billing_context.candidate_entries(business, options)
    )

    plan = billing_context.billing_plan(
        billing_context.billing_context_for(business), entries=facts, options=options
    )

    names = rate_names(business)
    links = {
        item.entry_id: rate_fix_link_for(business, item.rate_fix, names=names)
        for item in plan.not_billed
    }
    assert {entry_id: link.label for entry_id, link in links.items()} == {
        1: "Set a rate for Research on project App",
        2: "Set the standard rate",
        3: "Set a rate for Bo Chen on project Support",
        4: "Set a rate for client Globex",
    }
    assert links[1].url == new_rule_url(business, "client=10&project=71&service=21")
    assert rate_fix_link_for(business, None) is None


# -- overlaps -------------------------------------------------------------------------------


def rule(business, rule_id, *, start=None, end=None, **scope):
    return RateRule.objects.create(
        business=business,
        pk=rule_id,
        client_freshbooks_id=scope.pop("client", ACME),
        rate=Decimal("100"),
        valid_from=date.fromisoformat(start) if start else None,
        valid_to=date.fromisoformat(end) if end else None,
        **scope,
    )


@pytest.mark.parametrize(
    ("first", "second", "span"),
    [
        ((None, None), (None, None), "always"),
        (("2024-05-01", "2024-05-31"), ("2024-05-31", None), "2024-05-31 to 2024-05-31"),
        ((None, "2024-06-30"), ("2024-06-01", None), "2024-06-01 to 2024-06-30"),
        (("2024-01-01", None), ("2024-03-01", None), "from 2024-03-01"),
        ((None, "2024-01-31"), (None, "2024-03-31"), "until 2024-01-31"),
    ],
)
def test_rules_of_one_scope_whose_dates_meet_overlap(business, first, second, span):
    rules = [rule(business, 1, start=first[0], end=first[1])]
    rules.append(rule(business, 2, start=second[0], end=second[1]))

    [overlap] = rule_overlaps(rules, rate_names(business))

    assert (overlap.first_id, overlap.second_id, overlap.span) == (1, 2, span)
    assert overlap.applies_to == "Acme Corp"


def test_the_overlap_names_the_rule_the_billing_rules_use(business):
    rules = [rule(business, 1, start="2024-06-01"), rule(business, 2, start="2024-01-01")]

    [overlap] = rule_overlaps(rules, rate_names(business))

    assert overlap.winner_id == 1  # the later start wins, whatever the ids
    assert "Rule #1 is used there" in overlap.message


def test_back_to_back_dates_or_different_scopes_do_not_overlap(business):
    rules = [
        rule(business, 1, end="2024-05-31"),
        rule(business, 2, start="2024-06-01"),
        rule(business, 3, project_freshbooks_id=WEBSITE),
        rule(business, 4, client=GLOBEX),
        rule(business, 5, service_freshbooks_id=DESIGN),
        rule(business, 6, team_member_identity_id=ANN),
    ]

    assert rule_overlaps(rules, rate_names(business)) == []


# -- what FreshBooks holds ------------------------------------------------------------------


def test_freshbooks_rates_are_listed_by_what_they_apply_to(business):
    ProjectServiceRate.objects.create(
        business=business, project_freshbooks_id=APP, service_freshbooks_id=DESIGN, rate="150"
    )

    held = freshbooks_rates(business, rate_names(business))

    assert [(rate.applies_to, rate.rate) for rate in held.project_rates] == [
        ("Website (Acme Corp)", Decimal("120.00"))
    ]
    assert [(rate.applies_to, rate.rate) for rate in held.service_rates] == [
        ("Design", Decimal("90.00")),
        ("Research", None),
    ]
    assert [(rate.applies_to, rate.rate) for rate in held.project_service_rates] == [
        ("Design on App (Acme Corp)", Decimal("150.00"))
    ]
    assert [(rate.applies_to, rate.rate) for rate in held.team_member_rates] == [
        ("Ann Lee", Decimal("80.00")),
        ("Bo Chen", None),
    ]


def test_a_project_rate_project_without_its_rate_links_to_the_fix(business):
    Project.objects.filter(business=business, freshbooks_id=WEBSITE).update(rate=None)

    [website] = freshbooks_rates(business, rate_names(business)).project_rates

    assert website.rate is None
    assert website.fix.label == "Set a rate for project Website"


# -- the onboarding question ----------------------------------------------------------------


def test_the_question_is_for_businesses_with_no_rate_and_no_skip():
    asked = ConnectedBusinessFactory()
    user = asked.connection.user
    with_rate = ConnectedBusinessFactory(connection=asked.connection)
    BillingPolicy.objects.create(business=with_rate, standard_rate=Decimal("1"))
    with_defaults_only = ConnectedBusinessFactory(connection=asked.connection)
    BillingPolicy.objects.create(business=with_defaults_only)

    assert set(businesses_asking_standard_rate(user)) == {asked, with_defaults_only}
