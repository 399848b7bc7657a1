"""Each user turns their own notifications on and off; nothing posted reaches another user."""

from __future__ import annotations

import pytest
from django.urls import reverse

from notifications.models import NotificationSettings
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
URL = reverse("notifications:settings")


def test_every_kind_is_on_until_the_user_saves(client):
    client.force_login(UserFactory())

    html = client.get(URL).content.decode()

    assert html.count("checked") == 3
    assert not NotificationSettings.objects.exists()  # a GET writes nothing


def test_unticking_a_kind_turns_only_it_off(client):
    user = UserFactory()
    client.force_login(user)

    response = client.post(URL, {"reauth_needed": "on", "failed": "on"}, follow=True)

    assert "Your notification settings were saved." in response.content.decode()
    saved = NotificationSettings.objects.get(user=user)
    assert (saved.reauth_needed, saved.drafts_ready, saved.failed) == (True, False, True)


def test_settings_posted_with_another_users_id_change_only_ones_own(client):
    me, other = UserFactory(), UserFactory()
    NotificationSettings.objects.create(user=other)
    client.force_login(me)

    client.post(URL, {"user": other.pk, "user_id": other.pk, "failed": "on"})

    theirs = NotificationSettings.objects.get(user=other)
    assert (theirs.reauth_needed, theirs.drafts_ready, theirs.failed) == (True, True, True)
    mine = NotificationSettings.objects.get(user=me)
    assert (mine.reauth_needed, mine.drafts_ready, mine.failed) == (False, False, True)


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.post(URL, {"failed": "on"})

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    assert not NotificationSettings.objects.exists()


def test_the_page_is_linked_from_the_navigation(client):
    client.force_login(UserFactory())

    assert f'href="{URL}"' in client.get(reverse("dashboard")).content.decode()
