"""Settings for every environment, read from the environment.

``APP_ENV`` chooses the defaults: ``development`` (safe local defaults, the local PostgreSQL
unless ``DATABASE_URL`` is set, the FreshBooks sandbox), ``test`` (what ``make test`` uses) and
``production`` (secrets required, HTTPS enforced). Every variable is documented in ``.env.example``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from integration_app.browser_policies import content_security_policy, permissions_policy
from integration_app.env import (
    database_config,
    email_config,
    env_bool,
    env_choice,
    env_float,
    env_int,
    env_list,
    env_str,
    env_url,
)
from integration_app.keys import field_encryption_keys
from integration_app.logging import LOG_FORMATS, build_logging_config

BASE_DIR = Path(__file__).resolve().parent.parent

APP_ENV = env_choice("APP_ENV", "development", ("development", "test", "production"))
IS_PRODUCTION = APP_ENV == "production"

_DEV_SECRET_KEY = "dev-insecure-secret-key-do-not-use-in-production-" + "x" * 20
SECRET_KEY = env_str("SECRET_KEY", None if IS_PRODUCTION else _DEV_SECRET_KEY)
if IS_PRODUCTION and (SECRET_KEY == _DEV_SECRET_KEY or len(SECRET_KEY) < 50):
    raise ImproperlyConfigured("SECRET_KEY must be a unique value of at least 50 characters")

DEBUG = env_bool("DEBUG", APP_ENV == "development")
if IS_PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DEBUG must be false when APP_ENV is production")

ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", [] if IS_PRODUCTION else ["127.0.0.1", "localhost", "testserver"]
)
if IS_PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must list the public host names in production")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "allauth",
    "allauth.account",
    "django_celery_beat",
    "csp",
    "integration_app",
    "accounts",
    "connections",
    "invoicing",
    "notifications",
]

MIDDLEWARE = [
    # First, so every line logged while handling a request carries its id.
    "integration_app.logging.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "integration_app.security.ContentSecurityPolicyMiddleware",
    "integration_app.security.PermissionsPolicyMiddleware",
    # Before anything that reads the database (sessions, users): a cut connection is retried.
    "integration_app.database_retry.DatabaseRetryMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "integration_app.security.NoStoreWhenSignedInMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "integration_app.urls"
WSGI_APPLICATION = "integration_app.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# The local server `make test` uses too; `make run` creates this database when it is missing.
_DEVELOPMENT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/freshbooks_billing"
DATABASE_URL_SET = bool(env_str("DATABASE_URL", ""))
if IS_PRODUCTION and not DATABASE_URL_SET:
    raise ImproperlyConfigured("DATABASE_URL must be set in production")
DATABASES = {"default": database_config("DATABASE_URL", _DEVELOPMENT_DATABASE_URL)}
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    # Triggers keep the billing inputs version, NOTIFY wakes the webhook worker, and the hot paths
    # prepare their statements: none of that exists in SQLite.
    raise ImproperlyConfigured("DATABASE_URL must name a PostgreSQL database (postgres://...)")
# Tests serve requests from short-lived threads (live server), which must not keep connections.
DATABASES["default"]["CONN_MAX_AGE"] = env_int(
    "DATABASE_CONN_MAX_AGE", 0 if APP_ENV == "test" else 60, minimum=0
)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis and Celery ---------------------------------------------------------------------------
REDIS_URL = env_url("REDIS_URL", "redis://127.0.0.1:6379/0", schemes=("redis", "rediss"))
# Prefix of the app's own Redis keys (locks, rate limits), to share one Redis between installations.
REDIS_KEY_PREFIX = env_str("REDIS_KEY_PREFIX", "")
# Django's cache: rate limits (allauth's login limits among them) must be shared by every web
# process, so it is Redis, never a per-process memory cache. Its keys carry REDIS_KEY_PREFIX
# (each `make test` run has its own). Never call cache.clear(): it flushes the whole Redis database,
# Celery's queues included.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": f"{REDIS_KEY_PREFIX}cache",
        "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 5},
    },
}
CELERY_BROKER_URL = env_url("CELERY_BROKER_URL", REDIS_URL, schemes=("redis", "rediss", "amqp"))
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_EXPIRES = 3600
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TIMEZONE = "UTC"
# Tasks are written to be idempotent, so a task whose worker died is redelivered, not lost.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 540, minimum=1)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 600, minimum=1)
CELERY_TASK_DEFAULT_QUEUE = "default"
# Task names start with their queue, so routing never depends on where the code lives.
CELERY_TASK_ROUTES = {
    "webhooks.*": {"queue": "webhooks"},
    "sync.*": {"queue": "sync"},
    "invoicing.*": {"queue": "invoicing"},
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, Any] = {
    # Longer than the longest task, or a slow task is redelivered while it still runs.
    "visibility_timeout": CELERY_TASK_TIME_LIMIT * 2,
}
_BROKER_KEYPREFIX = env_str("CELERY_BROKER_KEYPREFIX", "")
if _BROKER_KEYPREFIX:
    # Lets parallel test sessions share one Redis without taking each other's tasks.
    CELERY_BROKER_TRANSPORT_OPTIONS["global_keyprefix"] = _BROKER_KEYPREFIX
# Incremental sync of every connected business, and how far back each one re-reads.
SYNC_INTERVAL_SECONDS = env_int("SYNC_INTERVAL_SECONDS", 900, minimum=60)
SYNC_OVERLAP_SECONDS = env_int("SYNC_OVERLAP_SECONDS", 300, minimum=0)
# A queued or running sync with no progress for this long is re-enqueued by the sweeper.
SYNC_STALE_SECONDS = env_int("SYNC_STALE_SECONDS", 900, minimum=60)
# The database scheduler installs integration_app.celery.BEAT_SCHEDULE at start; operators can
# tune it in admin.
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

# --- Authentication (django-allauth) ---------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[FreshBooks Billing] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if IS_PRODUCTION else "http"
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
# allauth's defaults, except that failed logins count per address and per address-and-account
# (accounts/adapter.py makes the "key" both), never per account alone: a stranger elsewhere cannot
# lock a victim out. (ACCOUNT_LOGIN_ATTEMPTS_LIMIT/_TIMEOUT are deprecated in favour of this.)
ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,5/5m/key"}
# Proxies in front of the app that append to X-Forwarded-For (a load balancer: 1). 0 trusts none
# and uses the connecting address, which behind a proxy is the proxy's: every visitor would share
# one address and its per-address limits.
ALLAUTH_TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0, maximum=5)
LOGIN_REDIRECT_URL = "dashboard"
# Where the business picker goes after a business was added: invoicing's "What do you charge per
# hour?" step, which moves on to the dashboard when it has nothing to ask. A URL name, looked up
# when used, so connections never imports invoicing.
BUSINESSES_ADDED_REDIRECT = "invoicing:onboarding"
LOGIN_URL = "account_login"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if APP_ENV == "test":
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# --- Email -------------------------------------------------------------------------------------
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "FreshBooks Billing <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
if IS_PRODUCTION:
    _email = email_config("EMAIL_URL")
    EMAIL_BACKEND = _email["EMAIL_BACKEND"]
    EMAIL_HOST = _email.get("EMAIL_HOST", "")
    EMAIL_PORT = _email.get("EMAIL_PORT", 25)
    EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
    EMAIL_USE_SSL = _email.get("EMAIL_USE_SSL", False)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

# --- Encryption of secrets at rest -----------------------------------------------------------


# The first key encrypts; every key decrypts, so keys can be rotated without downtime.
FIELD_ENCRYPTION_KEYS = field_encryption_keys(
    env_list("FIELD_ENCRYPTION_KEYS"), secret_key=SECRET_KEY, production=IS_PRODUCTION
)

# --- FreshBooks ----------------------------------------------------------------------------------
PUBLIC_BASE_URL = env_url("PUBLIC_BASE_URL", "http://127.0.0.1:8000")
SANDBOX_URL = env_url("SANDBOX_URL", "http://127.0.0.1:8100")
FRESHBOOKS_CLIENT_ID = env_str(
    "FRESHBOOKS_CLIENT_ID", None if IS_PRODUCTION else "sandbox-client-id"
)
FRESHBOOKS_CLIENT_SECRET = env_str(
    "FRESHBOOKS_CLIENT_SECRET", None if IS_PRODUCTION else "sandbox-client-secret"
)
_USES_SANDBOX = FRESHBOOKS_CLIENT_ID == "sandbox-client-id"
FRESHBOOKS_AUTH_BASE_URL = env_url(
    "FRESHBOOKS_AUTH_BASE_URL", SANDBOX_URL if _USES_SANDBOX else "https://auth.freshbooks.com"
)
FRESHBOOKS_API_BASE_URL = env_url(
    "FRESHBOOKS_API_BASE_URL", SANDBOX_URL if _USES_SANDBOX else "https://api.freshbooks.com"
)
# Must match the URI registered with FreshBooks exactly, trailing slash included.
FRESHBOOKS_REDIRECT_URI = env_url(
    "FRESHBOOKS_REDIRECT_URI", f"{PUBLIC_BASE_URL}/connections/oauth/callback/", base=False
)
FRESHBOOKS_SCOPES = env_list(
    "FRESHBOOKS_SCOPES",
    [
        "user:profile:read",
        "user:clients:read",
        "user:projects:read",
        "user:billable_items:read",
        "user:time_entries:read",
        "user:time_entries:write",
        "user:invoices:read",
        "user:invoices:write",
        "user:teams:read",
        "user:expenses:read",
        "user:taxes:read",
    ],
)

# Refresh access tokens this long before they expire (beat and on use).
FRESHBOOKS_REFRESH_MARGIN_SECONDS = env_int("FRESHBOOKS_REFRESH_MARGIN_SECONDS", 900, minimum=0)
# One budget per FreshBooks identity, shared by every worker through Redis.
FRESHBOOKS_RATE_PER_SECOND = float(env_int("FRESHBOOKS_RATE_PER_SECOND", 5, minimum=1))
FRESHBOOKS_RATE_BURST = env_int("FRESHBOOKS_RATE_BURST", 10, minimum=1)
FRESHBOOKS_CONNECT_TIMEOUT = float(env_int("FRESHBOOKS_CONNECT_TIMEOUT", 5, minimum=1))
FRESHBOOKS_READ_TIMEOUT = float(env_int("FRESHBOOKS_READ_TIMEOUT", 30, minimum=1))
FRESHBOOKS_MAX_ATTEMPTS = env_int("FRESHBOOKS_MAX_ATTEMPTS", 4, minimum=1, maximum=10)
# How long a "Connect FreshBooks" click may take to come back.
FRESHBOOKS_OAUTH_STATE_TTL_SECONDS = 600
# Where a created draft's invoice link points ({account_id}, {invoice_id}): with the sandbox, its
# own invoice page (served in control mode, as `make run` starts it); with FreshBooks, FreshBooks'
# invoice page (no source confirmed this pattern).
FRESHBOOKS_INVOICE_URL_TEMPLATE = env_str(
    "FRESHBOOKS_INVOICE_URL_TEMPLATE",
    (
        f"{FRESHBOOKS_API_BASE_URL}/_sandbox/invoices/{{account_id}}/{{invoice_id}}"
        if _USES_SANDBOX
        else "https://my.freshbooks.com/#/invoice/{account_id}-{invoice_id}"
    ),
)

# The demo (`make run` in development, against the sandbox): the first sync of a business that has
# a usable tax of this name makes it the business's default tax for time, so the first preview
# shows taxes (the seed's Canadian business has HST). Empty, as in tests and production: never.
DEMO_BUSINESS_TAX = env_str(
    "DEMO_BUSINESS_TAX", "HST" if _USES_SANDBOX and APP_ENV == "development" else ""
)

# --- Webhooks ----------------------------------------------------------------------------------
# The FreshBooks event nouns each connected business subscribes to.
FRESHBOOKS_WEBHOOK_EVENTS = env_list(
    "FRESHBOOKS_WEBHOOK_EVENTS",
    ["time_entry", "invoice", "client", "project", "service", "expense", "tax"],
)
# Bigger deliveries are refused with 413 before they are read.
WEBHOOK_MAX_BODY_BYTES = env_int("WEBHOOK_MAX_BODY_BYTES", 64 * 1024, minimum=1024)
# Deliveries whose signature could not be checked, kept per business per hour (the rest: 429).
WEBHOOK_UNCHECKED_PER_HOUR = env_int("WEBHOOK_UNCHECKED_PER_HOUR", 100, minimum=1)
# Processing: tries, the first retry's delay (doubling after), and when a claim counts as lost.
WEBHOOK_MAX_ATTEMPTS = env_int("WEBHOOK_MAX_ATTEMPTS", 5, minimum=1)
WEBHOOK_RETRY_BASE_SECONDS = float(env_int("WEBHOOK_RETRY_BASE_SECONDS", 10, minimum=1))
WEBHOOK_PROCESSING_TIMEOUT_SECONDS = env_int("WEBHOOK_PROCESSING_TIMEOUT_SECONDS", 900, minimum=60)
# The sweeper leaves pending deliveries this young to their own task.
WEBHOOK_SWEEP_GRACE_SECONDS = env_int("WEBHOOK_SWEEP_GRACE_SECONDS", 120, minimum=0)
# How often beat runs that sweeper (after a broker outage, deliveries wait grace + this at most).
WEBHOOK_SWEEP_INTERVAL_SECONDS = env_int("WEBHOOK_SWEEP_INTERVAL_SECONDS", 60, minimum=1)
# An unverified callback gets its verification resent this often, this many times at most.
WEBHOOK_RESEND_AFTER_SECONDS = env_int("WEBHOOK_RESEND_AFTER_SECONDS", 600, minimum=60)
WEBHOOK_MAX_VERIFICATION_REQUESTS = env_int("WEBHOOK_MAX_VERIFICATION_REQUESTS", 6, minimum=1)
# A received verifier is PUT back to FreshBooks at most once per subscription per this interval.
WEBHOOK_VERIFICATION_INTERVAL_SECONDS = env_int(
    "WEBHOOK_VERIFICATION_INTERVAL_SECONDS", 60, minimum=1
)
# Days processed (and rejected) deliveries are kept; failed ones are kept until replayed.
WEBHOOK_RETENTION_DAYS = env_int("WEBHOOK_RETENTION_DAYS", 30, minimum=1)
WEBHOOK_REJECTED_RETENTION_DAYS = env_int("WEBHOOK_REJECTED_RETENTION_DAYS", 7, minimum=1)

# --- Draft invoices ------------------------------------------------------------------------------
# How long a worker holds a draft, and when the sweeper resumes a draft left in a working state.
# A heartbeat renews the lease while the worker lives, so a dead worker's draft is free within it.
INVOICE_DRAFT_LEASE_SECONDS = env_int("INVOICE_DRAFT_LEASE_SECONDS", 30, minimum=6)
INVOICE_DRAFT_STALE_SECONDS = env_int("INVOICE_DRAFT_STALE_SECONDS", 30, minimum=1)
# How often beat runs the drafts sweeper (a dead worker's draft resumes within lease + this).
INVOICE_DRAFT_SWEEP_SECONDS = env_int("INVOICE_DRAFT_SWEEP_SECONDS", 15, minimum=1)
# The longest custom period an invoice run may bill, in months.
INVOICE_PERIOD_MAX_MONTHS = env_int("INVOICE_PERIOD_MAX_MONTHS", 24, minimum=1, maximum=120)

# --- Static files, i18n -----------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if IS_PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Security ------------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if IS_PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# Content-Security-Policy and Permissions-Policy: integration_app/browser_policies.py says why.
CONTENT_SECURITY_POLICY = content_security_policy(production=IS_PRODUCTION)
PERMISSIONS_POLICY = permissions_policy()

# --- Logging ----------------------------------------------------------------------------------
# JSON lines (one object per record, with request_id / task_id / task_name) for log shippers,
# or readable text for a terminal; secrets in URLs are masked either way. See
# integration_app/logging.py.
LOG_LEVEL = env_choice("LOG_LEVEL", "INFO", ("debug", "info", "warning", "error")).upper()
LOG_FORMAT = env_choice("LOG_FORMAT", "json" if IS_PRODUCTION else "text", LOG_FORMATS)
LOGGING = build_logging_config(log_format=LOG_FORMAT, level=LOG_LEVEL)

# --- Error reports (Sentry) --------------------------------------------------------------------
# Off unless SENTRY_DSN is set; tokens, codes and verifiers are scrubbed: integration_app/sentry.py
SENTRY_DSN = env_str("SENTRY_DSN", "")
if SENTRY_DSN:
    env_url("SENTRY_DSN", base=False)  # validates the scheme and host
SENTRY_ENVIRONMENT = env_str("SENTRY_ENVIRONMENT", APP_ENV)
SENTRY_RELEASE = env_str("SENTRY_RELEASE", "")
SENTRY_TRACES_SAMPLE_RATE = env_float("SENTRY_TRACES_SAMPLE_RATE", 0.0, minimum=0.0, maximum=1.0)
if SENTRY_DSN:
    from integration_app.sentry import sentry_init

    sentry_init(
        dsn=SENTRY_DSN,
        environment=SENTRY_ENVIRONMENT,
        release=SENTRY_RELEASE or None,
        traces_sample_rate=SENTRY_TRACES_SAMPLE_RATE,
    )
