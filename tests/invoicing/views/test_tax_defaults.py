"""The Rates page's Taxes: up to two of the business's taxes for the business, a client or a
service, picked by name; bad input is a form error with nothing saved; another user's business or
default is a 404; every form needs its CSRF token; an unusable tax is shown with its reason."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client as BrowserClient
from django.urls import reverse

from invoicing.models import Tax, TaxDefault
from tests.factories import UserFactory
from tests.invoicing.rates_world import ACME, DESIGN, rates_business

pytestmark = pytest.mark.django_db

HST, GST, QST, ODD = 501, 502, 503, 504


def with_taxes(business):
    Tax.objects.create(business=business, freshbooks_id=HST, name="HST", percent=Decimal("13"))
    Tax.objects.create(business=business, freshbooks_id=GST, name="GST", percent=Decimal("5"))
    Tax.objects.create(
        business=business, freshbooks_id=QST, name="QST", percent=Decimal("9.975"), compound=True
    )
    # FreshBooks sent 150: the sync keeps no percent and the raw body says what it was.
    Tax.objects.create(
        business=business, freshbooks_id=ODD, name="Odd", percent=None, raw={"amount": "150"}
    )
    return business


@pytest.fixture
def business(client):
    business = with_taxes(rates_business(name="Maple"))
    client.force_login(business.connection.user)
    return business


def url(name, business, *args):
    return reverse(f"invoicing:{name}", args=[business.pk, *args])


def save(client, business, applies_to="business", taxes=(HST,)):
    return client.post(
        url("tax_default_set", business),
        {"applies_to": applies_to, "taxes": [str(tax) for tax in taxes]},
    )


def test_the_page_lists_the_taxes_and_marks_an_unusable_one_with_its_reason(client, business):
    html = client.get(url("rates", business)).content.decode()
    assert 'id="taxes"' in html
    assert "HST (13%)" in html and "QST (9.975%), compound" in html
    assert "Cannot be charged" in html
    assert "The tax Odd is 150% in FreshBooks, but a tax must be 0 to 100%" in html
    assert f'value="{ODD}"' in html and "disabled" in html
    assert not TaxDefault.objects.exists()  # a GET never writes


def test_the_business_gets_its_taxes_and_the_page_says_so(client, business):
    response = save(client, business, taxes=(HST,))
    assert response.status_code == 302
    row = TaxDefault.objects.get()
    assert (row.scope, row.first_tax_freshbooks_id, row.second_tax_freshbooks_id) == (
        "business",
        HST,
        None,
    )
    page = client.get(response["Location"]).content.decode()
    assert "Time of the whole business now carries HST (13%)." in page
    assert "The whole business" in page


def test_a_client_and_a_service_get_their_own_taxes_and_saving_again_replaces_them(
    client, business
):
    save(client, business, f"client:{ACME}", (GST, QST))
    save(client, business, f"service:{DESIGN}", ())
    save(client, business, f"client:{ACME}", (HST,))

    client_row = TaxDefault.objects.get(scope="client")
    assert (client_row.client_freshbooks_id, client_row.tax_ids) == (ACME, [HST])
    service_row = TaxDefault.objects.get(scope="service")
    assert (service_row.service_freshbooks_id, service_row.tax_ids) == (DESIGN, [])
    html = client.get(url("rates", business)).content.decode()
    assert "Client Acme Corp" in html and "Service Design" in html and "No tax" in html


def test_no_tax_for_the_business_removes_its_row(client, business):
    save(client, business, taxes=(HST,))
    save(client, business, taxes=())
    assert not TaxDefault.objects.exists()


def test_removing_a_default_falls_back_to_the_next_one(client, business):
    save(client, business, f"client:{ACME}", (GST,))
    row = TaxDefault.objects.get()
    response = client.post(url("tax_default_remove", business, row.pk))
    assert response.status_code == 302
    assert not TaxDefault.objects.exists()


@pytest.mark.parametrize(
    ("applies_to", "taxes", "message"),
    [
        ("business", (HST, GST, QST), "Choose at most two taxes"),
        ("business", (HST, HST), "Each tax can be chosen once"),
        ("business", (ODD,), "Odd cannot be charged"),
        ("business", (999,), "Choose among this business&#x27;s taxes"),
        ("client:99999", (HST,), "Choose the whole business or one of this business"),
        ("project:70", (HST,), "Choose the whole business or one of this business"),
        ("nonsense", (HST,), "Choose the whole business or one of this business"),
    ],
)
def test_bad_input_is_a_form_error_and_nothing_is_saved(
    client, business, applies_to, taxes, message
):
    response = save(client, business, applies_to, taxes)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not TaxDefault.objects.exists()


def test_a_tax_of_another_business_is_refused(client, business):
    other = rates_business()
    Tax.objects.create(business=other, freshbooks_id=777, name="VAT", percent=Decimal("20"))
    response = save(client, business, taxes=(777,))
    assert response.status_code == 400
    assert not TaxDefault.objects.exists()


def test_another_users_business_or_default_is_a_404_and_nothing_changes(client):
    theirs = with_taxes(rates_business())
    their_row = TaxDefault.objects.create(
        business=theirs, scope="business", first_tax_freshbooks_id=HST
    )
    client.force_login(UserFactory())

    assert save(client, theirs, taxes=(GST,)).status_code == 404
    assert client.post(url("tax_default_remove", theirs, their_row.pk)).status_code == 404
    assert TaxDefault.objects.get().first_tax_freshbooks_id == HST


def test_another_business_s_default_under_my_business_is_a_404(client, business):
    theirs = with_taxes(rates_business())
    their_row = TaxDefault.objects.create(business=theirs, scope="business")
    assert client.post(url("tax_default_remove", business, their_row.pk)).status_code == 404
    assert TaxDefault.objects.filter(pk=their_row.pk).exists()


@pytest.mark.parametrize("route", ["tax_default_set", "tax_default_remove"])
def test_every_taxes_form_needs_its_csrf_token(business, route):
    existing = TaxDefault.objects.create(
        business=business, scope="business", first_tax_freshbooks_id=HST
    )
    browser = BrowserClient(enforce_csrf_checks=True)
    browser.force_login(business.connection.user)
    assert "csrfmiddlewaretoken" in browser.get(url("rates", business)).content.decode()

    args = [existing.pk] if route == "tax_default_remove" else []
    response = browser.post(url(route, business, *args), {"applies_to": "business"})

    assert response.status_code == 403
    assert TaxDefault.objects.get().first_tax_freshbooks_id == HST


def test_a_get_is_not_allowed_on_the_taxes_forms(client, business):
    assert client.get(url("tax_default_set", business)).status_code == 405
