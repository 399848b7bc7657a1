"""Sign up, confirm the emailed link, log in, land on the dashboard."""

import re

import pytest
from django.core import mail
from django.urls import reverse

pytestmark = pytest.mark.django_db

EMAIL = "ada@example.com"
PASSWORD = "a-long-enough-passphrase-42"


def _confirmation_link(message) -> str:
    match = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^/\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


def test_signup_then_confirming_the_email_signs_in_and_reaches_the_dashboard(client):
    response = client.post(
        reverse("account_signup"),
        {"email": EMAIL, "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [EMAIL]

    link = _confirmation_link(mail.outbox[0])
    assert client.get(link).status_code == 200
    confirmed = client.post(link)

    # Confirming the address signs the new user in: no second login.
    assert confirmed.status_code == 302
    assert confirmed["Location"] == reverse("dashboard")
    dashboard = client.get(reverse("dashboard"))
    assert dashboard.status_code == 200
    assert b"Connect FreshBooks to start" in dashboard.content


def test_a_confirmation_link_opened_in_another_browser_confirms_but_asks_to_sign_in(client):
    # Another address: allauth sends one confirmation per address every few minutes.
    email = "grace@example.com"
    client.post(
        reverse("account_signup"),
        {"email": email, "password1": PASSWORD, "password2": PASSWORD},
    )
    client.logout()
    other_browser = client.__class__()
    link = _confirmation_link(mail.outbox[0])

    confirmed = other_browser.post(link)

    assert confirmed.status_code == 302
    assert other_browser.get(reverse("dashboard")).status_code == 302  # not signed in
    logged_in = other_browser.post(reverse("account_login"), {"login": email, "password": PASSWORD})
    assert logged_in["Location"] == reverse("dashboard")


def test_login_before_confirming_does_not_reach_the_dashboard(client):
    client.post(
        reverse("account_signup"),
        {"email": EMAIL, "password1": PASSWORD, "password2": PASSWORD},
    )
    client.logout()

    response = client.post(reverse("account_login"), {"login": EMAIL, "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert client.get(reverse("dashboard")).status_code == 302


def test_signup_with_mismatched_passwords_shows_a_form_error(client):
    response = client.post(
        reverse("account_signup"),
        {"email": EMAIL, "password1": PASSWORD, "password2": PASSWORD + "x"},
    )

    assert response.status_code == 200
    assert b"You must type the same password each time" in response.content
    assert len(mail.outbox) == 0


def test_dashboard_requires_login(client):
    response = client.get(reverse("dashboard"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_password_reset_sends_a_link(client, django_user_model):
    django_user_model.objects.create_user(email=EMAIL, password=PASSWORD)

    response = client.post(reverse("account_reset_password"), {"email": EMAIL})

    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert "/accounts/password/reset/key/" in mail.outbox[0].body


def test_signup_page_uses_the_app_layout_without_external_assets(client):
    response = client.get(reverse("account_signup"))

    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="site-header"' in html
    assert "/static/css/app.css" in html
    assert not re.search(r'(src|href)="https?://', html)
