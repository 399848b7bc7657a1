"""A database connection cut in the middle of a request (pg_terminate_backend, a failover) is no
500: a safe request runs again on a fresh connection, any other gets 503 with Retry-After."""

from __future__ import annotations

import pytest
from django.db import connection
from django.http import HttpResponse
from django.test import Client
from django.urls import path

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.urls(__name__)]

calls: list[str] = []


def cut_own_connection() -> None:
    """What an operator's pg_terminate_backend does to this request's connection."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(pg_backend_pid())")


def cut_once(request):
    calls.append(request.method)
    if len(calls) == 1:
        cut_own_connection()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("read")


def cut_always(request):
    calls.append(request.method)
    cut_own_connection()
    return HttpResponse("never")


def other_database_error(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM no_such_table")
    return HttpResponse("never")


urlpatterns = [
    path("cut-once/", cut_once),
    path("cut-always/", cut_always),
    path("other-error/", other_database_error),
]


@pytest.fixture(autouse=True)
def fresh_calls():
    calls.clear()


@pytest.fixture
def client():
    return Client(raise_request_exception=False)


def test_a_page_whose_connection_was_cut_is_read_again_on_a_fresh_connection(client):
    response = client.get("/cut-once/")

    assert response.status_code == 200
    assert response.content == b"read"
    assert calls == ["GET", "GET"]


def test_a_form_post_whose_connection_was_cut_is_not_run_twice_and_says_to_try_again(client):
    response = client.post("/cut-once/")

    assert response.status_code == 503
    assert response["Retry-After"] == "2"
    assert b"try again in a moment" in response.content
    assert calls == ["POST"]


def test_a_page_whose_connection_is_cut_again_gets_503_not_500(client):
    response = client.get("/cut-always/")

    assert response.status_code == 503
    assert calls == ["GET", "GET"]


def test_other_database_errors_are_still_errors(client):
    response = client.get("/other-error/")

    assert response.status_code == 500
