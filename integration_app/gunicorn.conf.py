"""gunicorn settings of the web process (the Procfile's ``web``).

    gunicorn integration_app.wsgi --config integration_app/gunicorn.conf.py

- binds ``WEB_HOST:WEB_PORT``, with ``WEB_CONCURRENCY`` worker processes of 4 threads each;
- logs in the app's format (``LOG_FORMAT``: JSON lines in production, text in development), the
  access log on stdout with the request id the app echoed in ``X-Request-ID``;
- masks secrets in the access log (``integration_app.gunicorn_logger.MaskingLogger``): the OAuth
  callback's ``code``/``state`` and the webhook token in ``/webhooks/freshbooks/<token>/`` become
  ``****`` in the request line, path, query, referrer and headers.

Command-line options still win (``--bind``, ``--workers``...), as usual with gunicorn.
"""

from django.conf import settings

from integration_app.env import env_int, env_str
from integration_app.logging import gunicorn_logging_config
from integration_app.startup import load_settings_or_exit

# A misconfigured environment stops the master with one line, before any worker starts.
load_settings_or_exit()

bind = f"{env_str('WEB_HOST', '127.0.0.1')}:{env_int('WEB_PORT', 8000, minimum=1, maximum=65535)}"
workers = env_int("WEB_CONCURRENCY", 2, minimum=1)
threads = 4
graceful_timeout = 10
# gunicorn 25+ opens a control socket at one path per user ($HOME/.gunicorn/gunicorn.ctl), which
# several instances on one machine would fight over; nothing here uses `gunicornc`.
control_socket_disable = True

accesslog = "-"
logger_class = "integration_app.gunicorn_logger.MaskingLogger"
access_log_format = (
    '%(h)s "%(r)s" %(s)s %(b)s %(M)sms request_id=%({x-request-id}o)s "%(f)s" "%(a)s"'
)
logconfig_dict = gunicorn_logging_config(log_format=settings.LOG_FORMAT)
