import pytest

from integration_app import redis as app_redis

pytestmark = pytest.mark.django_db


def test_healthz_reports_ok_when_database_and_redis_answer(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "redis": "ok"}


def test_healthz_reports_a_down_redis_as_503_with_a_clear_body(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1

    response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["database"] == "ok"
    assert body["redis"].startswith("error: ConnectionError")
    assert "127.0.0.1:1" in body["redis"] or "refused" in body["redis"].lower()


def test_healthz_reports_a_down_database_as_503(client, monkeypatch):
    from django.db import DatabaseError

    from integration_app import health

    def broken_cursor(*args, **kwargs):
        raise DatabaseError("connection to server failed")

    monkeypatch.setattr(health.connection, "cursor", broken_cursor)

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["database"] == "error: DatabaseError: connection to server failed"
    assert response.json()["redis"] == "ok"


def test_healthz_answers_get_only(client):
    assert client.post("/healthz").status_code == 405


def test_redis_clients_are_pooled_per_url():
    assert app_redis._client_for("redis://127.0.0.1:6379/15") is app_redis._client_for(
        "redis://127.0.0.1:6379/15"
    )
