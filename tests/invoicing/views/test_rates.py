"""The Rates page: the standard rate, FreshBooks' rates read-only, local rate rules with name
pickers, overlap warnings, pre-filled fix links; tenancy, CSRF and bad input on every URL."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client as BrowserClient
from django.urls import reverse

from invoicing.models import BillingPolicy, Client, Project, RateRule, Service, TeamMember
from tests.factories import UserFactory
from tests.invoicing.rates_world import (
    ACME,
    ANN,
    APP,
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
def business(client):
    business = rates_business(name="Northwind")
    client.force_login(business.connection.user)
    return business


def url(name, business, *args, query=""):
    return reverse(f"invoicing:{name}", args=[business.pk, *args]) + query


def rule(business, **fields):
    values = {"client_freshbooks_id": ACME, "rate": Decimal("100.00"), **fields}
    return RateRule.objects.create(business=business, **values)


def good_rule(**changes):
    return {"client": str(ACME), "rate": "150", "valid_from": "", "valid_to": "", **changes}


# -- the page -------------------------------------------------------------------------------


def test_the_rates_page_names_what_every_rate_applies_to(client, business):
    rule(business, project_freshbooks_id=WEBSITE, service_freshbooks_id=DESIGN, rate="99.5")

    response = client.get(url("rates", business))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Acme Corp · project Website · service Design" in html
    assert "99.50" in html
    for held in ("Website (Acme Corp)", "120.00", "Design", "90.00", "Ann Lee", "80.00"):
        assert held in html
    assert 'id="standard-rate"' in html
    assert "No standard rate" in html
    assert not BillingPolicy.objects.exists()  # a GET never writes


def test_the_business_page_and_the_invoice_pages_link_to_the_rates_page(client, business):
    rates = url("rates", business)
    assert rates in client.get(url("business", business)).content.decode()
    runs = reverse("invoices:runs", args=[business.pk])
    assert rates in client.get(runs).content.decode()


def test_two_rules_of_the_same_scope_with_crossing_dates_are_flagged(client, business):
    first = rule(business, valid_from="2024-05-01", valid_to="2024-05-31")
    second = rule(business, valid_from="2024-05-15", rate="110.00")
    rule(business, project_freshbooks_id=WEBSITE, valid_from="2024-05-15")  # another scope

    html = client.get(url("rates", business)).content.decode()

    assert (
        f"Rules #{first.pk} and #{second.pk} both apply to Acme Corp 2024-05-15 to 2024-05-31"
        in html
    )
    assert html.count('data-overlap="') == 1
    assert f"Rule #{second.pk} is used there" in html


# -- the standard rate ----------------------------------------------------------------------


def test_the_standard_rate_is_saved_at_full_precision_and_can_be_cleared(client, business):
    response = client.post(url("standard_rate", business), {"standard_rate": "112.345"})

    assert response.status_code == 302
    assert response.url.endswith("#standard-rate")
    assert BillingPolicy.objects.get(business=business).standard_rate == Decimal("112.345")
    page = client.get(url("rates", business)).content.decode()
    assert "Standard rate set to 112.345 per hour." in page

    client.post(url("standard_rate", business), {"standard_rate": ""})
    assert BillingPolicy.objects.get(business=business).standard_rate is None


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("-5", "A rate cannot be negative."),
        ("1000000.01", "over 1,000,000 per hour"),
        ("99999999999999999", "too large"),
        ("ninety", "Enter the rate as a number"),
        ("1.1234567", "at most 6 decimal places"),
    ],
)
def test_a_bad_standard_rate_is_a_form_error_and_nothing_is_saved(client, business, value, message):
    response = client.post(url("standard_rate", business), {"standard_rate": value})

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not BillingPolicy.objects.exists()


# -- rate rules -----------------------------------------------------------------------------


def test_a_rule_is_created_from_names_and_reported_in_words(client, business):
    response = client.post(
        url("rate_rule_new", business),
        good_rule(
            project=str(APP),
            service=str(RESEARCH),
            team_member=str(ANN),
            rate="12.345",
            valid_from="2024-05-01",
            valid_to="2024-05-31",
            note="Agreed in April",
        ),
        follow=True,
    )

    saved = RateRule.objects.get()
    assert (saved.business, saved.client_freshbooks_id, saved.project_freshbooks_id) == (
        business,
        ACME,
        APP,
    )
    assert (saved.service_freshbooks_id, saved.team_member_identity_id) == (RESEARCH, ANN)
    assert saved.rate == Decimal("12.345")
    assert str(saved.valid_from) == "2024-05-01" and str(saved.valid_to) == "2024-05-31"
    html = response.content.decode()
    assert (
        f"Rate rule #{saved.pk} added: Acme Corp · project App · service Research · Ann Lee "
        "at 12.345 per hour." in html
    )


def test_saving_a_rule_that_overlaps_another_warns_at_once(client, business):
    existing = rule(business, valid_from="2024-01-01")

    response = client.post(
        url("rate_rule_new", business), good_rule(valid_from="2024-06-01"), follow=True
    )

    new = RateRule.objects.exclude(pk=existing.pk).get()
    html = response.content.decode()
    assert f"Rules #{existing.pk} and #{new.pk} both apply to Acme Corp from 2024-06-01" in html


def test_the_rule_form_offers_only_the_business_s_own_names(client, business):
    other = rates_business(name="Someone else")
    Project.objects.filter(business=other).update(title="Secret project")

    html = client.get(url("rate_rule_new", business)).content.decode()

    assert "Acme Corp" in html and "Globex" in html and "Bo Chen" in html
    assert "Secret project" not in html
    assert 'data-client="10"' in html  # projects say their client, for the filter script
    assert "js/rate_pickers.js" in html


def test_a_rule_is_edited_and_deleted(client, business):
    existing = rule(business)

    edit = url("rate_rule_edit", business, existing.pk)
    assert 'value="100.00"' in client.get(edit).content.decode()
    client.post(edit, good_rule(client=str(GLOBEX), project=str(SUPPORT), rate="75"))
    existing.refresh_from_db()
    assert (existing.client_freshbooks_id, existing.project_freshbooks_id) == (GLOBEX, SUPPORT)
    assert existing.rate == Decimal("75.00")

    delete = url("rate_rule_delete", business, existing.pk)
    assert "Globex · project Support" in client.get(delete).content.decode()
    assert RateRule.objects.exists()  # the GET only asks
    response = client.post(delete, follow=True)
    assert not RateRule.objects.exists()
    assert f"Rate rule #{existing.pk} deleted." in response.content.decode()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"rate": "-1"}, "rate", "A rate cannot be negative."),
        ({"rate": "1000001"}, "rate", "over 1,000,000 per hour"),
        ({"rate": ""}, "rate", "This field is required."),
        ({"rate": "12,50"}, "rate", "Enter the rate as a number"),
        (
            {"valid_from": "2024-06-01", "valid_to": "2024-05-31"},
            "valid_to",
            "The rule ends before it starts",
        ),
        ({"valid_from": "2024-02-30"}, "valid_from", "Enter a valid date."),
        ({"client": ""}, "client", "Choose the client this rate is for."),
        ({"client": "999"}, "client", "Choose one of this business"),
        ({"project": str(SUPPORT)}, "project", "Support is a project of Globex, not of Acme"),
        ({"service": "abc"}, "service", "Choose one of this business"),
        ({"team_member": "-3"}, "team_member", "Choose one of this business"),
    ],
)
def test_bad_rule_input_is_a_clear_form_error_and_nothing_is_saved(
    client, business, changes, field, message
):
    response = client.post(url("rate_rule_new", business), good_rule(**changes))

    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert message.split("'")[0] in response.content.decode()
    assert not RateRule.objects.exists()


def test_picker_ids_of_another_tenant_are_refused_and_nothing_is_saved(client, business):
    other = rates_business(name="Someone else")
    Client.objects.create(business=other, freshbooks_id=990, display_name="Their client")
    Project.objects.create(business=other, freshbooks_id=991, client_freshbooks_id=ACME)
    Service.objects.create(business=other, freshbooks_id=992, name="Their service")
    TeamMember.objects.create(business=other, identity_id=993, name="Their member")
    theirs = {"client": "990", "project": "991", "service": "992", "team_member": "993"}

    for field, value in theirs.items():
        response = client.post(url("rate_rule_new", business), good_rule(**{field: value}))
        assert response.status_code == 400
        assert response.context["form"].errors[field] == [
            f"Choose one of this business's {field.replace('_', ' ')}s."
        ]
    existing = rule(business)
    response = client.post(
        url("rate_rule_edit", business, existing.pk), good_rule(project="991", rate="1")
    )
    assert response.status_code == 400
    existing.refresh_from_db()
    assert (existing.project_freshbooks_id, existing.rate) == (None, Decimal("100.00"))
    assert RateRule.objects.count() == 1


# -- pre-filled fix links -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "heading", "selected"),
    [
        ("?project=70", "Set a rate for project Website", {"client": ACME, "project": WEBSITE}),
        (
            "?client=10&project=71&service=21",
            "Set a rate for Research on project App",
            {"client": ACME, "project": APP, "service": RESEARCH},
        ),
        (
            "?project=73&member=31",
            "Set a rate for Bo Chen on project Support",
            {"client": GLOBEX, "project": SUPPORT, "team_member": 31},
        ),
        ("?client=11", "Set a rate for client Globex", {"client": GLOBEX}),
        ("?project=4242&client=abc", "Add a rate rule", {}),
    ],
)
def test_a_fix_link_opens_the_rule_form_prefilled(client, business, query, heading, selected):
    response = client.get(url("rate_rule_new", business, query=query))

    assert response.status_code == 200
    assert f"<h1>{heading}</h1>" in response.content.decode()
    assert response.context["form"].initial == selected
    assert not RateRule.objects.exists()


def test_ids_of_another_business_in_a_fix_link_are_ignored(client, business):
    other = rates_business()
    Project.objects.filter(business=other, freshbooks_id=WEBSITE).update(freshbooks_id=555)

    response = client.get(url("rate_rule_new", business, query="?project=555"))

    assert response.context["form"].initial == {}


def test_the_business_page_links_unpriced_time_to_its_exact_fix(client, business):
    logged(business, 1, project_id=APP, service_freshbooks_id=RESEARCH)  # service without rate
    logged(business, 2, project_id=RETAINER)  # standard rate unknown
    logged(business, 3, client_id=GLOBEX)  # no project

    html = client.get(url("business", business)).content.decode()

    new_rule = url("rate_rule_new", business)
    assert f'href="{new_rule}?client=10&amp;project=71&amp;service=21"' in html
    assert "Set a rate for Research on project App" in html
    assert f'href="{url("rates", business)}#standard-rate">Set the standard rate' in html
    assert f'href="{new_rule}?client=11">Set a rate for client Globex' in html


# -- tenancy, CSRF and sign-in --------------------------------------------------------------

ROUTES = [
    ("rates", "get", False),
    ("standard_rate", "post", False),
    ("rate_rule_new", "get", False),
    ("rate_rule_new", "post", False),
    ("rate_rule_edit", "get", True),
    ("rate_rule_edit", "post", True),
    ("rate_rule_delete", "get", True),
    ("rate_rule_delete", "post", True),
    ("onboarding_rate", "post", False),
]


@pytest.mark.parametrize(("route", "method", "takes_rule"), ROUTES)
def test_another_users_business_or_rule_is_a_404_and_nothing_changes(
    client, route, method, takes_rule
):
    theirs = rates_business()
    their_rule = rule(theirs)
    client.force_login(UserFactory())

    args = [their_rule.pk] if takes_rule else []
    data = {"standard_rate": "1", "client": str(ACME), "rate": "1"}
    response = getattr(client, method)(url(route, theirs, *args), data)

    assert response.status_code == 404
    assert RateRule.objects.get().rate == Decimal("100.00")
    assert not BillingPolicy.objects.exists()


@pytest.mark.parametrize("route", ["rate_rule_edit", "rate_rule_delete"])
def test_another_business_s_rule_under_my_business_is_a_404(client, business, route):
    their_rule = rule(rates_business())

    assert client.get(url(route, business, their_rule.pk)).status_code == 404
    assert client.post(url(route, business, their_rule.pk), good_rule()).status_code == 404
    assert RateRule.objects.get() == their_rule


@pytest.mark.parametrize(
    ("route", "takes_rule"),
    [
        ("standard_rate", False),
        ("rate_rule_new", False),
        ("rate_rule_edit", True),
        ("rate_rule_delete", True),
        ("onboarding_rate", False),
    ],
)
def test_every_rates_form_needs_its_csrf_token(business, route, takes_rule):
    existing = rule(business)
    browser = BrowserClient(enforce_csrf_checks=True)
    browser.force_login(business.connection.user)
    args = [existing.pk] if takes_rule else []
    page = url("rate_rule_edit", business, existing.pk) if takes_rule else url("rates", business)
    assert "csrfmiddlewaretoken" in browser.get(page).content.decode()

    response = browser.post(url(route, business, *args), good_rule(standard_rate="5"))

    assert response.status_code == 403
    assert RateRule.objects.get().rate == Decimal("100.00")
    assert not BillingPolicy.objects.exists()


@pytest.mark.parametrize(("route", "takes_rule"), [("rates", False), ("rate_rule_edit", True)])
def test_signed_out_visitors_are_sent_to_sign_in(client, route, takes_rule):
    business = rates_business()
    args = [rule(business).pk] if takes_rule else []

    response = client.get(url(route, business, *args))

    assert response.status_code == 302
    assert "/accounts/login/" in response.url
