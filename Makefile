# Two commands on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
UV := $(shell command -v uv 2>/dev/null || echo $(HOME)/.local/bin/uv)
PG_URL ?= postgresql://postgres@127.0.0.1:5432

.PHONY: run key demo test test-sqlite check lint types bench uv sync

# Into ~/.local/bin; a system Python marked as managed by its packages (PEP 668, Debian's)
# refuses a --user install unless told that this one leaves the system's own alone.
uv:
	@command -v $(UV) >/dev/null 2>&1 || python3 -m pip install --user --quiet uv 2>/dev/null \
		|| python3 -m pip install --user --quiet --break-system-packages uv

# Bytecode compiled once here spares every service, command and test process from
# compiling its imports again at each start (Python keeps none where
# PYTHONDONTWRITEBYTECODE is set).
sync: uv
	@$(UV) sync --frozen --quiet --compile-bytecode
	@$(UV) run --frozen python -m compileall -q shared/src services/*/src >/dev/null

## Start the broker and the three services (SQLite under var/); Ctrl-C stops them all.
run: sync
	@$(UV) run --frozen python -m periplus.local

## An API key for `make run`'s trips API, printed alone on stdout's last line:
## make key NAME="mayor's office" SCOPES=trips:write,trips:report [HOLDER="..."] (holder: NAME)
key: sync
	@test -n "$$NAME" -a -n "$$SCOPES" || { echo 'usage: make key NAME="..." SCOPES=trips:write[,...] [HOLDER="..."]' >&2; exit 2; }
	@$(UV) run --frozen trips-api keys create --name "$$NAME" --scopes "$$SCOPES" $${HOLDER:+--holder "$$HOLDER"}

## Load a realistic set of trips into a running `make run`, through the trips API only.
## Two admin keys, two authorities: one makes the writing keys, the other the approving one.
demo: sync
	@TRIPS_ADMIN_KEY="$$($(UV) run --frozen trips-api keys create --name demo-loader --scopes admin | tail -n 1)" \
		TRIPS_APPROVAL_KEY="$$($(UV) run --frozen trips-api keys create --name "demo approvals" --scopes admin | tail -n 1)" \
		$(UV) run --frozen python -m deploy.demo --revoke-admin-key

## The whole suite, on SQLite and on PostgreSQL, in TEST_WORKERS parallel processes
## (most tests wait on brokers, services and databases more than they compute).
TEST_WORKERS ?= 3
test: sync
	@$(UV) run --frozen pytest -p no:cacheprovider --durations=15 -n $(TEST_WORKERS) --dist worksteal tests shared services --db=sqlite --db=postgresql

test-sqlite: sync
	@$(UV) run --frozen pytest -p no:cacheprovider -n $(TEST_WORKERS) --dist worksteal tests shared services --db=sqlite

lint: sync
	@$(UV) run --frozen ruff check .
	@$(UV) run --frozen ruff format --check .

types: sync
	@$(UV) run --frozen mypy shared/src services/*/src shared/tests services/*/tests tests

check: lint types test

bench: sync
	@$(UV) run --frozen python -m benchmarks
