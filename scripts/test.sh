#!/usr/bin/env bash
# `make test`: the whole suite against the machine's PostgreSQL and Redis.
set -uo pipefail
cd "$(dirname "$0")/.."

export APP_ENV=test
# A database and Redis key space of this run's own, so parallel runs (CI, a developer, several
# checkouts) never share rows, locks or queues. pytest-django creates and drops test_<name>.
run_id="${TEST_RUN_ID:-$$}"
export DATABASE_URL="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/freshbooks_billing_${run_id}}"
export REDIS_KEY_PREFIX="test-${run_id}:"
export REDIS_URL="${TEST_REDIS_URL:-redis://127.0.0.1:6379/15}"
export CELERY_BROKER_URL="$REDIS_URL"
export PATH="$PWD/.venv/bin:$PATH"

python - <<'PY' || exit 1
import os, sys
import psycopg, redis
try:
    psycopg.connect(os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/postgres", connect_timeout=3).close()
except Exception as error:
    sys.exit(f"PostgreSQL is not reachable ({error}). Start it or set TEST_DATABASE_URL.")
try:
    redis.Redis.from_url(os.environ["REDIS_URL"], socket_connect_timeout=3).ping()
except Exception as error:
    sys.exit(f"Redis is not reachable ({error}). Start it or set TEST_REDIS_URL.")
PY

if [ ! -x /usr/bin/chromium ]; then
  cat >&2 <<'MSG'
make test: /usr/bin/chromium is missing, so the browser tests (tests/e2e) will fail.
           Install Debian's chromium with `make browser` (or `sudo apt-get install -y chromium`).
MSG
fi

python -m pytest "$@"
status=$?

# pytest-django drops its test database, unless a straggling connection (a thread or a child
# process ending late) still holds it; force it so runs leave nothing behind.
python - <<'PY' || true
import os, psycopg
url = os.environ["DATABASE_URL"]
server, name = url.rsplit("/", 1)
with psycopg.connect(f"{server}/postgres", autocommit=True, connect_timeout=3) as admin:
    admin.execute(f'DROP DATABASE IF EXISTS "test_{name}" WITH (FORCE)')
PY
if [ "$status" -eq 5 ]; then
  echo "make test: pytest collected no tests; that is a failure, not a pass." >&2
fi
exit "$status"
