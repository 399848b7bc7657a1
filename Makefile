# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

# Installs only what a lock file lists, every package checked against its hash.
PIP_INSTALL := $(BIN)/python -m pip install --quiet --require-hashes
# One resolution for every Python and platform the project supports (3.11+, Linux and macOS), so a
# lock made on one machine installs on another. `make lock LOCK_ARGS=--upgrade` moves every pin.
LOCK := $(BIN)/uv pip compile --quiet --universal --python-version 3.11 --generate-hashes \
	--custom-compile-command "make lock" $(LOCK_ARGS)

.PHONY: run test lint lint-ruff lint-format lint-imports lint-types format lock bench clean browser drill
# Nothing here gains from -j, and two installs into one venv at once would trip over each other.
.NOTPARALLEL:

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is required (set PYTHON=...)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Stamps depend on the lock, so an edited lock (a `git pull`, `make lock`) re-installs.
$(VENV)/.local-installed: requirements-local.lock | $(BIN)/python
	$(PIP_INSTALL) -r requirements-local.lock
	@touch $@

$(VENV)/.dev-installed: requirements-dev.lock | $(BIN)/python
	$(PIP_INSTALL) -r requirements-dev.lock
	@touch $@

run: $(VENV)/.local-installed
	@scripts/run.sh

test: $(VENV)/.dev-installed browser
	@scripts/test.sh $(PYTEST_ARGS)

# Reliability drills (bench/drills/, issue 13): all at small size in a few minutes, or one
# (`make drill NAME=crash`), or the sizes the issue names (`make drill FULL=1`). Each drill makes its
# own database, sandbox, Redis keys and app processes; the several-hosts drill needs root (ip netns).
drill: $(VENV)/.dev-installed
	$(BIN)/python -m bench.drills $(NAME) $(if $(FULL),--full)

# The browser tests drive Debian's chromium (never a Playwright download).
browser:
	@if [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$(id -u)" = 0 ]; then apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; \
	else sudo apt-get update && sudo apt-get install -y chromium; fi

# Each bigger set is resolved with the smaller lock as a constraint, so a package has one version
# in all three: requirements.lock (production) within -local.lock (`make run`) within -dev.lock.
lock: $(VENV)/.dev-installed
	$(LOCK) requirements.txt -o requirements.lock
	$(LOCK) requirements-local.txt -c requirements.lock -o requirements-local.lock
	$(LOCK) requirements-dev.txt -c requirements-local.lock -o requirements-dev.lock

# `make lint` runs the four checks in this order; .pre-commit-config.yaml runs the same targets.
lint: lint-ruff lint-format lint-imports lint-types

lint-ruff: $(VENV)/.dev-installed
	$(BIN)/ruff check .

lint-format: $(VENV)/.dev-installed
	$(BIN)/ruff format --check .

# Contracts in pyproject.toml ([tool.importlinter]).
lint-imports: $(VENV)/.dev-installed
	$(BIN)/lint-imports

# The django-stubs plugin loads the settings, which need no variables in development; pinning
# APP_ENV keeps a shell's production or test environment out of it.
lint-types: $(VENV)/.dev-installed
	APP_ENV=development $(BIN)/mypy

# Every benchmark at a small size (a few minutes); FULL=1 at the sizes of bench/README.md's targets.
bench: $(VENV)/.dev-installed
	$(BIN)/python -m bench $(if $(FULL),--full)

format: $(VENV)/.dev-installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .import_linter_cache staticfiles
