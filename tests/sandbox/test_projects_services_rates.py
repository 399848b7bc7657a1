"""Projects, services, service rates, project service rates, team member rates (reference §5)."""

from __future__ import annotations

from tests.sandbox.helpers import World


def _projects(world: World, **params) -> dict:
    return world.alice.get(f"/projects/business/{world.business_id}/projects", params=params).json()


def test_the_seed_has_every_billing_method_a_fixed_price_and_an_internal_project(world: World):
    projects = _projects(world, per_page=100)["projects"]
    assert {p["billing_method"] for p in projects} >= {
        "business_rate",
        "project_rate",
        "service_rate",
        "team_member_rate",
    }
    fixed = [p for p in projects if p["project_type"] == "fixed_price"]
    assert fixed and fixed[0]["fixed_price"] == "5000.00"
    assert any(p["internal"] and p["client_id"] is None for p in projects)
    # Every hourly project-rate project has its rate but one, held back on purpose.
    project_rates = [
        p["rate"]
        for p in projects
        if p["billing_method"] == "project_rate" and p["project_type"] == "hourly_rate"
    ]
    assert project_rates.count(None) == 1
    assert {rate for rate in project_rates if rate is not None} == {"125.00"}


def test_project_list_meta_and_filters(world: World):
    body = _projects(world, per_page=5)
    assert body["meta"] == {
        "sort": [],
        "total": body["meta"]["total"],
        "per_page": 5,
        "page": 1,
        "pages": -(-body["meta"]["total"] // 5),
    }
    client_id = next(
        p["client_id"] for p in _projects(world, per_page=100)["projects"] if p["client_id"]
    )
    for_client = _projects(world, client_id=client_id, per_page=100)["projects"]
    assert for_client and {p["client_id"] for p in for_client} == {client_id}
    internal = _projects(world, internal="true")["projects"]
    assert {p["internal"] for p in internal} == {True}


def test_project_sort_is_echoed_and_applied(world: World):
    body = _projects(world, sort="-title", per_page=100)
    assert body["meta"]["sort"] == ["-title"]
    titles = [p["title"] for p in body["projects"]]
    assert titles == sorted(titles, reverse=True)
    unknown = _projects(world, sort="no_such_field_desc")
    assert unknown["meta"]["sort"] == ["no_such_field_desc"]


def test_create_get_update_delete_a_project(world: World):
    base = f"/projects/business/{world.business_id}"
    service = world.alice.get(f"/comments/business/{world.business_id}/services").json()[
        "services"
    ][0]
    created = world.alice.post(
        f"{base}/project",
        json={
            "project": {
                "title": "Audit",
                "billing_method": "project_rate",
                "rate": "95.5",
                "services": [{"id": service["id"]}],
            }
        },
    )
    assert created.status_code == 200
    project = created.json()["project"]
    assert project["rate"] == "95.50"
    assert project["internal"] is True
    assert project["services"] == [service]
    assert project["group"]["members"]
    fetched = world.alice.get(f"{base}/project/{project['id']}").json()
    assert fetched["project"]["id"] == project["id"]
    assert {a["name"] for a in fetched["abilities"]} >= {"can_edit", "can_track_time"}
    alias = world.alice.get(f"{base}/projects/{project['id']}").json()
    assert alias["project"] == fetched["project"]
    updated = world.alice.put(
        f"{base}/project/{project['id']}",
        json={"project": {"complete": True, "due_date": "2025-01-31"}},
    ).json()["project"]
    assert (updated["complete"], updated["due_date"], updated["title"]) == (
        True,
        "2025-01-31",
        "Audit",
    )
    assert world.alice.delete(f"{base}/project/{project['id']}").status_code == 204
    assert world.alice.get(f"{base}/project/{project['id']}").status_code == 404


def test_project_validation_errors_name_the_fields(world: World):
    response = world.alice.post(
        f"/projects/business/{world.business_id}/project",
        json={"project": {"billing_method": "flat_rate", "client_id": 1}},
    )
    assert response.status_code == 422
    body = response.json()
    assert body["errno"] == 2001
    assert set(body["error"]) == {"title", "billing_method"}


def test_project_with_an_unknown_client_is_refused(world: World):
    response = world.alice.post(
        f"/projects/business/{world.business_id}/project",
        json={"project": {"title": "Nope", "client_id": 1}},
    )
    assert response.status_code == 422
    assert set(response.json()["error"]) == {"client_id"}


def test_logged_duration_and_billed_status_follow_the_time_entries(world: World):
    entries = world.sandbox.control.time_entries(world.business_id)
    project_id = next(e["project_id"] for e in entries if e["project_id"] and e["billable"])
    base = f"/projects/business/{world.business_id}/project/{project_id}"
    plain = world.alice.get(base).json()["project"]
    assert plain["logged_duration"] is None
    logged = world.alice.get(base, params={"include_logged_duration": "true"}).json()["project"]
    assert logged["logged_duration"] == sum(
        e["duration"] for e in entries if e["project_id"] == project_id and e["active"]
    )
    for entry in entries:
        if entry["project_id"] == project_id and entry["active"] and entry["billable"]:
            world.alice.put(
                f"{world.entries_path()}/{entry['id']}", json={"time_entry": {"billed": True}}
            )
    assert world.alice.get(base).json()["project"]["billed_status"] == "billed"


def test_services_list_create_update_and_delete(world: World):
    base = f"/comments/business/{world.business_id}"
    listed = world.alice.get(f"{base}/services").json()
    assert listed["meta"]["per_page"] == 50
    created = world.alice.post(f"{base}/service", json={"service": {"name": "Research"}}).json()[
        "service"
    ]
    assert created == {
        "business_id": world.business_id,
        "id": created["id"],
        "name": "Research",
        "billable": True,
        "vis_state": 0,
    }
    renamed = world.alice.put(
        f"{base}/service/{created['id']}", json={"service": {"name": "R&D", "billable": False}}
    ).json()["service"]
    assert (renamed["name"], renamed["billable"]) == ("R&D", False)
    world.alice.put(f"{base}/service/{created['id']}", json={"service": {"vis_state": 1}})
    assert world.alice.get(f"{base}/service/{created['id']}").status_code == 404
    ids = {s["id"] for s in world.alice.get(f"{base}/services").json()["services"]}
    assert created["id"] not in ids


def test_service_rates_can_be_set_read_and_listed(world: World):
    base = f"/comments/business/{world.business_id}"
    service = world.alice.post(f"{base}/service", json={"service": {"name": "Coaching"}}).json()[
        "service"
    ]
    missing = world.alice.get(f"{base}/service/{service['id']}/rate")
    assert missing.status_code == 404
    assert missing.json() == {"error": "Requested resource could not be found."}
    created = world.alice.post(
        f"{base}/service/{service['id']}/rate", json={"service_rate": {"rate": "10"}}
    )
    assert created.json() == {
        "service_rate": {
            "business_id": world.business_id,
            "service_id": service["id"],
            "rate": "10.00",
        }
    }
    world.alice.put(
        f"{base}/service/{service['id']}/rate", json={"service_rate": {"rate": "12.50"}}
    )
    assert (
        world.alice.get(f"{base}/service/{service['id']}/rate").json()["service_rate"]["rate"]
        == "12.50"
    )
    rates = world.alice.get(f"{base}/service_rates").json()
    assert set(rates) == {"service_rates"}
    assert {
        "business_id": world.business_id,
        "service_id": service["id"],
        "rate": "12.50",
    } in rates["service_rates"]


def test_project_service_rates_can_be_put_and_read_back(world: World):
    base = f"/comments/business/{world.business_id}"
    project = _projects(world, per_page=100)["projects"][0]
    service = world.alice.get(f"{base}/services").json()["services"][0]
    path = f"{base}/project/{project['id']}/service/{service['id']}/rate"
    put = world.alice.put(path, json={"project_service_rate": {"rate": "150"}})
    assert put.json() == {
        "project_service_rate": {
            "rate": "150.00",
            "service_id": service["id"],
            "project_id": project["id"],
            "business_id": world.business_id,
        }
    }
    assert world.alice.get(path).json() == put.json()
    other_service = world.alice.post(f"{base}/service", json={"service": {"name": "Other"}}).json()[
        "service"
    ]
    none_set = world.alice.get(f"{base}/project/{project['id']}/service/{other_service['id']}/rate")
    assert none_set.status_code == 404


def test_team_member_rates_can_be_listed_read_and_set(world: World):
    base = f"/comments/business/{world.business_id}"
    rates = world.alice.get(f"{base}/team_member_rates").json()["team_member_rates"]
    assert len(rates) == 4
    identity_id = rates[0]["identity_id"]
    updated = world.alice.put(
        f"{base}/team_member_rate/{identity_id}", json={"team_member_rate": {"rate": "40"}}
    ).json()
    assert updated == {
        "team_member_rate": {
            "rate": "40.00",
            "identity_id": identity_id,
            "business_id": world.business_id,
        }
    }
    assert world.alice.get(f"{base}/team_member_rate/{identity_id}").json() == updated
    stranger = world.alice.put(
        f"{base}/team_member_rate/1", json={"team_member_rate": {"rate": "40"}}
    )
    assert stranger.status_code == 404
