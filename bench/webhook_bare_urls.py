"""Benchmark only: the baseline view, a POST at the webhook endpoint's path shape answered with 200.

CSRF-exempt like the endpoint (the middleware would refuse the POST otherwise); it does nothing
else, so what the endpoint costs on top of Django and gunicorn is what the benchmark measures.
"""

from django.http import HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt


@csrf_exempt
def bare(request, token: str) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")


urlpatterns = [path("bare/<str:token>/", bare)]
