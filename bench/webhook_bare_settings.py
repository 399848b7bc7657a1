"""Benchmark only: the project's settings with a URLconf of one bare view (``webhook_bare_urls``).

``bench/webhooks.py`` runs a second gunicorn with ``DJANGO_SETTINGS_MODULE=webhook_bare_settings``
and ``--pythonpath bench``, so the baseline goes through the same WSGI module, settings and
middleware as the webhook endpoint; no production URL serves the bare view.
"""

from integration_app.settings import *  # noqa: F403 - the same settings, one URLconf changed

ROOT_URLCONF = "webhook_bare_urls"
