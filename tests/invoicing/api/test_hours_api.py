"""The REST API: tokens, tenancy, pushing hours once per external id, listing and deleting."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.test import Client as HttpClient

from accounts.tokens import api_token_create, api_token_revoke
from invoicing.models import TimeEntry
from tests.factories import ConnectedBusinessFactory, DraftEntryFactory, TimeEntryFactory
from tests.invoicing.api.conftest import entry

pytestmark = pytest.mark.django_db


def push(world, *entries, business=None):
    return world.post("/hours", {"business": business or world.business.pk, "entries": entries})


@pytest.mark.parametrize("header", [None, "Bearer nope", "Bearer fbb_abc_def", "Token x"])
def test_a_missing_or_wrong_token_gets_401(world, header):
    extra = {"HTTP_AUTHORIZATION": header} if header else {}

    response = HttpClient().get("/api/v1/businesses", **extra)

    assert response.status_code == 401
    assert "API token" in response.json()["detail"]


def test_a_revoked_token_gets_401(world):
    row, token = api_token_create(user=world.user, name="Old")
    assert world.http.get("/api/v1/businesses", **world.headers(token)).status_code == 200

    api_token_revoke(user=world.user, token_id=row.pk)

    assert world.http.get("/api/v1/businesses", **world.headers(token)).status_code == 401


def test_the_token_lists_only_its_users_businesses(world):
    ConnectedBusinessFactory(name="Someone else's")

    response = world.get("/businesses")

    assert response.status_code == 200
    assert [(b["id"], b["name"]) for b in response.json()] == [(world.business.pk, "Studio")]


def test_pushed_hours_are_stored_with_how_each_name_was_matched(world):
    response = push(
        world,
        entry(
            client="billing@acme.test",
            project="website",
            service=5,
            team_member="ANA LIMA",
            duration=None,
            end="2026-05-04T10:30:00+02:00",
        ),
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["added"], body["updated"]) == (1, 0)
    [stored] = body["entries"]
    assert stored["client"] == {"id": 10, "name": "Acme Corp", "matched_by": "email"}
    assert stored["project"]["matched_by"] == "name"
    assert stored["service"] == {"id": 5, "name": "Design", "matched_by": "id"}
    assert stored["team_member"]["id"] == 900
    assert stored["entry"]["duration"] == 5400
    assert stored["entry"]["source_label"] == "API"
    row = TimeEntry.objects.get(external_id="ext-1")
    assert (row.client_freshbooks_id, row.project_freshbooks_id, row.identity_id) == (10, 70, 900)


def test_the_organisation_name_matches_too(world):
    response = push(world, entry(client="acme corporation"))

    assert response.json()["entries"][0]["client"]["matched_by"] == "name"


def test_the_same_external_id_updates_while_unbilled_and_is_refused_once_billed(world):
    push(world, entry())
    again = push(world, entry(duration=3600))
    assert (again.json()["added"], again.json()["updated"]) == (0, 1)
    assert TimeEntry.objects.get(external_id="ext-1").duration_seconds == 3600

    TimeEntry.objects.filter(external_id="ext-1").update(billed=True)
    refused = push(world, entry(duration=60))

    assert refused.status_code == 409
    assert "already billed" in refused.json()["detail"][0]["msg"]
    assert TimeEntry.objects.get(external_id="ext-1").duration_seconds == 3600


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"client": "Nobody"}, "client", "No client is called"),
        ({"project": "Unknown"}, "project", "No project"),
        ({"service": 4242}, "service", "No service has the id 4242"),
        ({"team_member": "x@y.test"}, "team_member", "No team member"),
        ({"duration": 0}, "duration", "more than zero"),
        ({"duration": -5}, "duration", "more than zero"),
        ({"duration": 90000}, "duration", "at most 24 hours"),
        ({"start": "2999-01-01T00:00:00+00:00"}, "start", "in the future"),
    ],
)
def test_bad_entries_get_a_message_per_field_and_nothing_is_stored(world, change, field, words):
    response = push(world, entry(external_id="good"), entry(**change))

    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"] == ["body", "entries", 1, field]
    assert words in error["msg"]
    assert not TimeEntry.objects.exists()


def test_the_schema_refuses_a_start_without_offset_and_both_duration_and_end(world):
    response = push(
        world,
        entry(start="2026-05-04T09:00:00"),
        entry(external_id="b", end="2026-05-04T10:00:00+00:00"),
    )

    assert response.status_code == 422
    fields = {tuple(error["loc"][-2:]) for error in response.json()["detail"]}
    assert (0, "start") in fields
    assert any("duration" in error["msg"] for error in response.json()["detail"])
    assert not TimeEntry.objects.exists()


def test_one_external_id_twice_in_a_request_is_refused(world):
    response = push(world, entry(), entry(duration=60))

    assert response.status_code == 422
    assert {error["loc"][2] for error in response.json()["detail"]} == {0, 1}
    assert "more than once" in response.json()["detail"][0]["msg"]
    assert not TimeEntry.objects.exists()


def test_more_than_500_entries_are_refused(world):
    entries = [entry(external_id=str(n)) for n in range(501)]

    assert push(world, *entries).status_code == 422
    assert not TimeEntry.objects.exists()


def test_another_users_business_is_404_and_nothing_is_stored(world):
    other = ConnectedBusinessFactory()

    response = push(world, entry(), business=other.pk)

    assert response.status_code == 404
    assert not TimeEntry.objects.exists()


def test_listing_another_users_business_is_404(world):
    other = ConnectedBusinessFactory()
    TimeEntryFactory(business=other, client_freshbooks_id=10)

    assert world.get("/hours", business=other.pk).status_code == 404
    assert world.get("/hours").json()["items"] == []


def test_hours_list_with_filters_and_cursor_pages(world):
    push(world, *[entry(external_id=f"e{n}") for n in range(5)])
    TimeEntryFactory(business=world.business, client_freshbooks_id=10)
    TimeEntryFactory(business=ConnectedBusinessFactory(), client_freshbooks_id=10)  # not theirs

    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": 2, "source": "api", **({"cursor": cursor} if cursor else {})}
        body = world.get("/hours", **params).json()
        seen += [item["external_id"] for item in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break

    assert seen == [f"e{n}" for n in range(5)]
    assert pages == 3
    everything = world.get("/hours", business=world.business.pk).json()["items"]
    assert {item["source"] for item in everything} == {"api", "freshbooks"}
    assert world.get("/hours", billed="true").json()["items"] == []
    assert world.get("/hours", cursor="garbage!").status_code == 400


def test_delete_an_unbilled_entry_but_not_a_billed_one_nor_anothers(world):
    push(world, entry(), entry(external_id="reserved"))
    row = TimeEntry.objects.get(external_id="ext-1")
    reserved = TimeEntry.objects.get(external_id="reserved")
    DraftEntryFactory(time_entry=reserved, draft__run__business=world.business)
    foreign = TimeEntryFactory(business=ConnectedBusinessFactory(), source="api", external_id="x")

    assert world.delete(f"/hours/{row.pk}").status_code == 204
    assert world.delete(f"/hours/{row.pk}").status_code == 404
    assert world.delete(f"/hours/{reserved.pk}").status_code == 409
    assert world.delete(f"/hours/{foreign.pk}").status_code == 404
    assert world.get("/hours").json()["items"][0]["external_id"] == "reserved"


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_requests_with_one_external_id_make_one_row(world):
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def send(duration: int) -> None:
        barrier.wait()
        statuses.append(push(world, entry(duration=duration)).status_code)
        connection.close()

    threads = [threading.Thread(target=send, args=(seconds,)) for seconds in (3600, 7200)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert statuses == [200, 200]
    assert TimeEntry.objects.filter(external_id="ext-1").count() == 1


@pytest.mark.parametrize(
    "started_before",
    ["4148-12-25T23:56:21-17:55", "2026-05-05T00:00:00-17:55", "0001-01-01T00:00+23:59"],
)
def test_listing_with_offsets_postgresql_cannot_hold_is_no_500(world, started_before):
    """Found by the schema fuzz: an offset beyond PostgreSQL's ±15:59 reached the query."""
    push(world, entry())

    response = world.get("/hours", started_before=started_before)

    assert response.status_code == 200, response.content


def test_a_start_with_an_offset_postgresql_cannot_hold_is_stored_in_utc(world):
    response = push(world, entry(start="2026-05-04T09:00:00-17:55"))

    assert response.status_code == 200, response.content
    row = TimeEntry.objects.get(external_id="ext-1")
    assert row.started_at.isoformat() == "2026-05-05T02:55:00+00:00"
