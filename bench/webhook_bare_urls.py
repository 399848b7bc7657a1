"""Benchmark only: the baselines, POSTs at the webhook endpoint's path shape answered with 200.

``bare`` does nothing else, so what the endpoint costs on top of Django and gunicorn is what the
benchmark measures. ``floor`` does the one thing no endpoint that answers "stored" can skip: one
durable INSERT of the body (autocommit, so committed before the answer) into ``bench_floor``, a
table the benchmark creates. Both are CSRF-exempt like the endpoint.
"""

from django.db import connection, transaction
from django.http import HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

FLOOR_TABLE_SQL = (
    "CREATE TABLE IF NOT EXISTS bench_floor "
    "(id bigserial PRIMARY KEY, body text NOT NULL, received_at timestamptz NOT NULL DEFAULT now())"
)


@csrf_exempt
def bare(request, token: str) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")


@csrf_exempt
@transaction.non_atomic_requests
def floor(request, token: str) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO bench_floor (body) VALUES (%s)", [request.body.decode()])
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")


urlpatterns = [path("bare/<str:token>/", bare), path("floor/<str:token>/", floor)]
