"""Time entries: pagination, filters, writes, soft delete, visibility (reference §3, §4)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.sandbox.helpers import World, connect


@pytest.fixture
def big_world(sandbox) -> World:
    """One business with 1,200 logged entries over three months."""
    summary = sandbox.control.seed(
        users=1,
        businesses=1,
        clients=5,
        projects_per_client=2,
        services=4,
        team_members=2,
        time_entries=1200,
        months=3,
        billed_fraction=0.3,
        seed=11,
    )
    alice = connect(sandbox, email=summary["users"][0]["email"])
    return World(sandbox=sandbox, summary=summary, alice=alice, bob=alice)


def _walk(api, path: str, **params) -> tuple[list[dict], list[dict]]:
    """Every page of a list; returns the entries and each page's meta."""
    entries, metas, page = [], [], 1
    while True:
        body = api.get(path, params={**params, "page": page}).json()
        entries.extend(body["time_entries"])
        metas.append(body["meta"])
        if page >= body["meta"]["pages"]:
            return entries, metas
        page += 1


def _logged(state: list[dict]) -> list[dict]:
    return [entry for entry in state if entry["active"] and entry["is_logged"]]


def test_paginating_1200_entries_by_100_returns_each_entry_once_newest_first(big_world):
    entries, metas = _walk(big_world.alice, big_world.entries_path(), per_page=100)
    expected = _logged(big_world.sandbox.control.time_entries(big_world.business_id))
    assert len(expected) == 1200
    assert metas[0] == {
        **metas[0],
        "total": 1200,
        "per_page": 100,
        "page": 1,
        "pages": 12,
    }
    assert len(metas) == 12
    assert [entry["id"] for entry in entries] == [entry["id"] for entry in expected]
    keys = [(entry["started_at"], entry["id"]) for entry in entries]
    assert keys == sorted(keys, reverse=True)


def test_pages_asked_for_out_of_order_are_the_pages_of_an_ordered_walk(big_world):
    path = big_world.entries_path()
    in_order, _metas = _walk(big_world.alice, path, per_page=100)
    listed = {}
    # A reader with a few pages in flight: later pages may arrive before earlier ones.
    for page in (1, 3, 2, 6, 4, 5, 9, 7, 8, 12, 11, 10):
        body = big_world.alice.get(path, params={"page": page, "per_page": 100}).json()
        listed[page] = body["time_entries"]

    walked = [entry for page in sorted(listed) for entry in listed[page]]
    assert [entry["id"] for entry in walked] == [entry["id"] for entry in in_order]


def test_an_entry_added_between_pages_shifts_the_later_pages_by_one_as_offsets_do(big_world):
    path = big_world.entries_path()
    first = big_world.alice.get(path, params={"page": 1, "per_page": 10}).json()["time_entries"]
    big_world.alice.get(path, params={"page": 2, "per_page": 10})  # a walk under way
    newest = big_world.alice.post(
        path,
        json={"time_entry": {"duration": 60, "started_at": "2999-01-01T00:00:00Z"}},
    ).json()["time_entry"]

    second = big_world.alice.get(path, params={"page": 2, "per_page": 10}).json()["time_entries"]
    again = big_world.alice.get(path, params={"page": 1, "per_page": 10}).json()["time_entries"]

    assert second[0]["id"] == first[-1]["id"]
    assert [entry["id"] for entry in again] == [newest["id"]] + [e["id"] for e in first[:-1]]


def test_per_page_above_100_is_silently_capped(big_world):
    body = big_world.alice.get(big_world.entries_path(), params={"per_page": 500}).json()
    assert body["meta"]["per_page"] == 100
    assert len(body["time_entries"]) == 100
    assert body["meta"]["pages"] == 12
    entries, _metas = _walk(big_world.alice, big_world.entries_path(), per_page=500)
    assert len({entry["id"] for entry in entries}) == 1200


def test_page_zero_is_page_one_and_a_page_past_the_end_is_empty(big_world):
    path = big_world.entries_path()
    first = big_world.alice.get(path, params={"page": 0, "per_page": 10}).json()
    one = big_world.alice.get(path, params={"page": 1, "per_page": 10}).json()
    assert first["time_entries"] == one["time_entries"]
    beyond = big_world.alice.get(path, params={"page": 999, "per_page": 10}).json()
    assert beyond["time_entries"] == []
    assert beyond["meta"]["total"] == 1200


def test_a_non_numeric_page_is_a_422_in_the_projects_error_shape(big_world):
    response = big_world.alice.get(big_world.entries_path(), params={"page": "two"})
    assert response.status_code == 422
    assert response.json() == {"errno": 2001, "error": {"page": "page must be a number"}}


def test_combined_filters_match_the_state(big_world):
    state = big_world.sandbox.control.time_entries(big_world.business_id)
    some_client = next(entry["client_id"] for entry in state if entry["client_id"])
    started_from = datetime.now(UTC) - timedelta(days=45)
    started_to = datetime.now(UTC) - timedelta(days=5)
    params = {
        "billable": "true",
        "billed": "false",
        "client_id": some_client,
        "started_from": started_from.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "started_to": started_to.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "per_page": 100,
    }
    entries, metas = _walk(big_world.alice, big_world.entries_path(), **params)

    def wanted(entry: dict) -> bool:
        started = datetime.fromisoformat(entry["started_at"].replace("Z", "+00:00"))
        return (
            entry["active"]
            and entry["is_logged"]
            and entry["billable"]
            and not entry["billed"]
            and entry["client_id"] == some_client
            and started_from.replace(microsecond=0) <= started <= started_to
        )

    expected = [entry["id"] for entry in state if wanted(entry)]
    assert expected, "the seed should give this client unbilled time in the window"
    assert [entry["id"] for entry in entries] == expected
    assert metas[0]["total"] == len(expected)
    assert metas[0]["total_unbilled"] == sum(entry["duration"] for entry in state if wanted(entry))


def test_project_filter_and_unknown_filters(big_world):
    state = big_world.sandbox.control.time_entries(big_world.business_id)
    project_id = next(entry["project_id"] for entry in state if entry["project_id"])
    body = big_world.alice.get(
        big_world.entries_path(),
        params={"project_id": project_id, "no_such_filter": "x", "per_page": 100},
    ).json()
    expected = [e["id"] for e in _logged(state) if e["project_id"] == project_id][:100]
    assert [entry["id"] for entry in body["time_entries"]] == expected


def test_a_bad_updated_since_is_a_422_naming_the_field(big_world):
    response = big_world.alice.get(big_world.entries_path(), params={"updated_since": "notadate"})
    assert response.status_code == 422
    assert response.json()["errno"] == 2001
    assert "updated_since" in response.json()["error"]


def test_updated_since_returns_only_entries_changed_since(world: World):
    state = world.sandbox.control.time_entries(world.business_id)
    entry = next(e for e in state if e["active"] and e["is_logged"] and not e["billed"])
    since = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    world.alice.put(f"{world.entries_path()}/{entry['id']}", json={"time_entry": {"billed": True}})
    body = world.alice.get(world.entries_path(), params={"updated_since": since}).json()
    assert [e["id"] for e in body["time_entries"]] == [entry["id"]]
    assert body["time_entries"][0]["billed"] is True


def test_marking_an_entry_billed_and_back(world: World):
    state = world.sandbox.control.time_entries(world.business_id)
    entry = next(e for e in state if e["billable"] and not e["billed"] and e["is_logged"])
    path = f"{world.entries_path()}/{entry['id']}"
    marked = world.alice.put(path, json={"time_entry": {"billed": True}})
    assert marked.status_code == 200
    assert marked.json()["time_entry"]["billed"] is True
    assert marked.json()["time_entry"]["duration"] == entry["duration"]
    unmarked = world.alice.put(path, json={"time_entry": {"billed": False}})
    assert unmarked.json()["time_entry"]["billed"] is False
    assert world.alice.get(path).json()["time_entry"]["billed"] is False


def test_create_get_update_delete_a_time_entry(world: World):
    client = world.alice.get(world.accounting("users/clients")).json()["response"]["result"][
        "clients"
    ][0]
    created = world.alice.post(
        world.entries_path(),
        json={
            "time_entry": {
                "is_logged": True,
                "duration": 7200,
                "note": "Stuff2",
                "started_at": "2024-08-16T20:00:00.000Z",
                "client_id": str(client["id"]),
                "billable": True,
            }
        },
    )
    assert created.status_code == 200
    entry = created.json()["time_entry"]
    assert entry["started_at"] == "2024-08-16T20:00:00Z"
    assert entry["client_id"] == client["id"]
    assert entry["internal"] is False
    assert entry["identity_id"] == world.summary["users"][0]["identity_id"]
    path = f"{world.entries_path()}/{entry['id']}"
    assert world.alice.get(path).json()["time_entry"] == entry
    updated = world.alice.put(path, json={"time_entry": {"note": "Edited", "duration": 3600}})
    assert updated.json()["time_entry"]["note"] == "Edited"
    assert updated.json()["time_entry"]["duration"] == 3600
    deleted = world.alice.delete(path)
    assert deleted.status_code == 204
    assert world.alice.get(path).json()["time_entry"]["active"] is False


def test_a_time_entry_without_a_flag_is_not_billable(world: World):
    created = world.alice.post(
        world.entries_path(),
        json={"time_entry": {"duration": 60, "started_at": "2024-08-16T20:00:00Z"}},
    ).json()["time_entry"]
    assert created["billable"] is False
    assert created["internal"] is True
    assert created["client_id"] is None


def test_an_entry_takes_its_projects_client(world: World):
    project = world.alice.get(
        f"/projects/business/{world.business_id}/projects", params={"internal": "false"}
    ).json()["projects"][0]
    entry = world.alice.post(
        world.entries_path(),
        json={
            "time_entry": {
                "duration": 60,
                "started_at": "2024-08-16T20:00:00Z",
                "project_id": project["id"],
            }
        },
    ).json()["time_entry"]
    assert entry["client_id"] == project["client_id"]


def test_deleted_entries_are_listed_only_with_include_deleted(world: World):
    state = world.sandbox.control.time_entries(world.business_id)
    entry = next(e for e in state if e["active"] and e["is_logged"])
    world.alice.delete(f"{world.entries_path()}/{entry['id']}")
    listed = world.alice.get(world.entries_path(), params={"per_page": 100}).json()
    assert entry["id"] not in {e["id"] for e in listed["time_entries"]}
    with_deleted = world.alice.get(
        world.entries_path(), params={"per_page": 100, "include_deleted": "true", "page": 1}
    ).json()
    ids = set()
    for page in range(1, with_deleted["meta"]["pages"] + 1):
        body = world.alice.get(
            world.entries_path(), params={"per_page": 100, "include_deleted": "true", "page": page}
        ).json()
        ids |= {e["id"] for e in body["time_entries"] if not e["active"]}
    assert entry["id"] in ids


def test_updating_a_deleted_entry_is_not_found(world: World):
    state = world.sandbox.control.time_entries(world.business_id)
    entry = next(e for e in state if e["active"] and e["is_logged"])
    path = f"{world.entries_path()}/{entry['id']}"
    world.alice.delete(path)
    response = world.alice.put(path, json={"time_entry": {"billed": True}})
    assert response.status_code == 404
    assert response.json() == {"error": "Requested resource could not be found."}


def test_running_timers_are_listed_only_with_include_unlogged(world: World):
    state = world.sandbox.control.time_entries(world.business_id)
    running = [e for e in state if not e["is_logged"]]
    assert running, "the seed adds running timers"
    assert all(e["timer"]["is_running"] for e in running)
    default = world.alice.get(world.entries_path(), params={"per_page": 100}).json()
    assert not any(not e["is_logged"] for e in default["time_entries"])
    unlogged = world.alice.get(
        world.entries_path(), params={"per_page": 100, "include_unlogged": "true"}
    ).json()
    assert {e["id"] for e in running} <= {e["id"] for e in unlogged["time_entries"]}


def test_an_employee_sees_only_their_own_entries(world: World):
    """Alice is a business_employee in Bob's business."""
    business_id = world.other_business["business_id"]
    alice_id = world.summary["users"][0]["identity_id"]
    body = world.alice.get(world.entries_path(business_id), params={"per_page": 100}).json()
    assert body["time_entries"], "the seed gives every staff member some time"
    assert {entry["identity_id"] for entry in body["time_entries"]} == {alice_id}
    owner_view = world.bob.get(world.entries_path(business_id), params={"per_page": 100}).json()
    assert len({entry["identity_id"] for entry in owner_view["time_entries"]}) > 1


@pytest.mark.parametrize("started_at", ["0001-01-01T12:00:00Z", "9999-12-31T12:00:00Z"])
def test_a_time_entry_on_a_far_date_is_kept_and_listed_with_a_four_digit_year(
    world: World, started_at: str
):
    created = world.alice.post(
        world.entries_path(),
        json={"time_entry": {"duration": 60, "started_at": started_at, "is_logged": True}},
    )

    assert created.status_code == 200
    entry = created.json()["time_entry"]
    assert entry["started_at"] == started_at
    listed = world.alice.get(f"{world.entries_path()}/{entry['id']}").json()["time_entry"]
    assert listed["started_at"] == started_at
    assert listed["local_started_at"][:4] == started_at[:4]
