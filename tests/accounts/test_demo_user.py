import pytest
from allauth.account.models import EmailAddress
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_demo_user_can_log_in_and_is_idempotent(client, django_user_model):
    call_command("ensure_demo_user", "--email", "demo@example.com", "--password", "pw-12345-demo")
    call_command("ensure_demo_user", "--email", "demo@example.com", "--password", "pw-12345-demo")

    assert django_user_model.objects.filter(email="demo@example.com").count() == 1
    assert EmailAddress.objects.get(email="demo@example.com").verified
    response = client.post(
        "/accounts/login/", {"login": "demo@example.com", "password": "pw-12345-demo"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/dashboard/"
