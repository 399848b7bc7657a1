"""Right after connecting a business: "What do you charge per hour?", once, skippable."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from invoicing.models import BillingPolicy
from tests.factories import (
    ConnectedBusinessFactory,
    ConnectionFactory,
    IdentityFactory,
    UserFactory,
    membership,
)

pytestmark = pytest.mark.django_db

ONBOARDING = reverse("invoicing:onboarding")


def answer_url(business):
    return reverse("invoicing:onboarding_rate", args=[business.pk])


def rate_field(business):
    return f"business-{business.pk}-standard_rate"


@pytest.fixture
def business(client):
    business = ConnectedBusinessFactory(name="Northwind", currency_code="CAD")
    client.force_login(business.connection.user)
    return business


def test_connecting_a_business_leads_to_the_standard_rate_question(client):
    identity = IdentityFactory(memberships=[membership(101, account_id="ACC1", name="Alpha")])
    connection = ConnectionFactory(identity=identity)
    client.force_login(connection.user)

    response = client.post(
        reverse("connections:businesses", args=[connection.pk]),
        {"business_ids": ["101"]},
        follow=True,
    )

    assert response.redirect_chain[0][0] == ONBOARDING
    html = response.content.decode()
    assert "1 business connected." in html
    assert "What do you charge per hour?" in html
    assert "Alpha" in html


def test_saving_without_adding_a_business_goes_straight_to_the_dashboard(client):
    identity = IdentityFactory(memberships=[membership(101, account_id="ACC1")])
    connection = ConnectionFactory(identity=identity)
    client.force_login(connection.user)

    response = client.post(reverse("connections:businesses", args=[connection.pk]), {})

    assert response.url == reverse("dashboard")


def test_the_answer_is_saved_at_full_precision_then_on_to_the_dashboard(client, business):
    response = client.post(answer_url(business), {rate_field(business): "95.125"}, follow=True)

    assert BillingPolicy.objects.get(business=business).standard_rate == Decimal("95.125")
    assert [url for url, _ in response.redirect_chain] == [ONBOARDING, reverse("dashboard")]
    assert "Standard rate of Northwind set to 95.125 per hour." in response.content.decode()


def test_skipping_is_remembered_and_never_asked_again(client, business):
    client.post(answer_url(business), {"skip": "1"})

    policy = BillingPolicy.objects.get(business=business)
    assert policy.standard_rate is None
    assert policy.standard_rate_skipped_at is not None
    assert client.get(ONBOARDING).url == reverse("dashboard")


def test_only_businesses_still_without_an_answer_are_asked(client, business):
    answered = ConnectedBusinessFactory(connection=business.connection, name="Answered")
    BillingPolicy.objects.create(business=answered, standard_rate=Decimal("80"))
    skipped = ConnectedBusinessFactory(connection=business.connection, name="Skipped")
    client.post(answer_url(skipped), {"skip": "1"})
    removed = ConnectedBusinessFactory(connection=business.connection, name="Removed")
    removed.active = False
    removed.save()
    ConnectedBusinessFactory(name="Someone else's")

    response = client.get(ONBOARDING)

    assert [step["business"].name for step in response.context["steps"]] == ["Northwind"]


def test_the_question_itself_writes_nothing(client, business):
    assert client.get(ONBOARDING).status_code == 200
    assert not BillingPolicy.objects.exists()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "Enter your hourly rate, or choose “Skip for now”."),
        ("-10", "A rate cannot be negative."),
        ("2000000", "over 1,000,000 per hour"),
        ("a lot", "Enter the rate as a number"),
    ],
)
def test_a_bad_answer_is_a_form_error_and_nothing_is_saved(client, business, value, message):
    response = client.post(answer_url(business), {rate_field(business): value})

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not BillingPolicy.objects.exists()


def test_another_users_business_is_a_404_and_nothing_is_saved(client):
    theirs = ConnectedBusinessFactory()
    client.force_login(UserFactory())

    assert client.post(answer_url(theirs), {rate_field(theirs): "90"}).status_code == 404
    assert client.post(answer_url(theirs), {"skip": "1"}).status_code == 404
    assert not BillingPolicy.objects.exists()
