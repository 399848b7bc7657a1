#!/usr/bin/env bash
# `make run`: migrate, create the demo login, then start every process under honcho.
set -euo pipefail
cd "$(dirname "$0")/.."

export WEB_HOST="${WEB_HOST:-127.0.0.1}"
export WEB_PORT="${WEB_PORT:-8000}"
export SANDBOX_PORT="${SANDBOX_PORT:-8100}"
export PUBLIC_BASE_URL="${PUBLIC_BASE_URL:-http://${WEB_HOST}:${WEB_PORT}}"
export SANDBOX_URL="${SANDBOX_URL:-http://127.0.0.1:${SANDBOX_PORT}}"
BIN=.venv/bin
export PATH="$PWD/.venv/bin:$PATH"

# The app needs PostgreSQL (settings refuse anything else): the local server by default, as for
# `make test`; its database is created on the first run.
export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/freshbooks_billing}"
"$BIN/python" - <<'PY' || exit 1
import os, sys
from urllib.parse import urlsplit

import psycopg
from psycopg import sql

url = os.environ["DATABASE_URL"]
name = urlsplit(url).path.lstrip("/")
if urlsplit(url).scheme not in {"postgres", "postgresql", "pgsql"} or not name:
    sys.exit("DATABASE_URL must name a PostgreSQL database (postgres://user@host:5432/name).")
server = url.rsplit("/", 1)[0]
try:
    with psycopg.connect(f"{server}/postgres", autocommit=True, connect_timeout=3) as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"Database: created {name}")
except psycopg.Error as error:
    sys.exit(f"PostgreSQL is not reachable or refused ({error}). Start it or set DATABASE_URL.")
print(f"Database: PostgreSQL database {name} on {urlsplit(url).hostname}")
PY
echo "Redis:    ${REDIS_URL:-redis://127.0.0.1:6379/0}"

if ! "$BIN/python" -c "import redis, os, sys; redis.Redis.from_url(os.environ.get('REDIS_URL', 'redis://127.0.0.1:6379/0'), socket_connect_timeout=2).ping()" 2>/dev/null; then
  echo "Redis is not reachable. Start it (Debian: sudo apt-get install redis-server) or set REDIS_URL." >&2
  exit 1
fi

"$BIN/python" manage.py migrate --noinput
"$BIN/python" manage.py collectstatic --noinput --verbosity 0
demo_login=$("$BIN/python" manage.py ensure_demo_user --staff)

cat <<MSG

  App:      ${PUBLIC_BASE_URL}/
  Admin:    ${PUBLIC_BASE_URL}/admin/
  Sandbox:  ${SANDBOX_URL}/ (the local FreshBooks)
  ${demo_login}
  Sign-up confirmation links are printed in this console. Ctrl-C stops everything.

MSG

exec "$BIN/honcho" --procfile Procfile start
