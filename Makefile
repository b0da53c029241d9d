# Two commands: `make run` serves the app on the embedded default (SQLite), `make test` runs
# every test. Both set up what they need first: .venv (Python), node_modules (the Firestore
# emulator and axe-core), and for tests Debian's chromium and a separate checkov venv.

PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8080
SUDO := $(shell [ "$$(id -u)" = "0" ] || echo sudo)

.PHONY: run test lint bench setup clean

# Links point at this server unless SIDEBYSIDE_BASE_URL says otherwise (the demo runs before the
# server records its URL in .data/server_url; a server on every interface is opened as 127.0.0.1).
run: export SIDEBYSIDE_BASE_URL ?= http://$(if $(filter 0.0.0.0,$(HOST)),127.0.0.1,$(HOST)):$(PORT)
run: $(VENV)/.installed
	$(VENV)/bin/sidebyside demo
	$(VENV)/bin/sidebyside serve --host $(HOST) --port $(PORT)

test: $(VENV)/.installed node_modules/.installed .venv-checkov/.installed /usr/bin/chromium
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) -m pytest

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

bench: $(VENV)/.installed node_modules/.installed /usr/bin/chromium /usr/bin/wrk
	$(PY) -m bench

setup: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

# checkov pins versions that clash with the app's, so it gets a virtualenv of its own.
.venv-checkov/.installed:
	$(PYTHON) -m venv .venv-checkov
	.venv-checkov/bin/pip install --quiet checkov==3.3.30
	touch $@

# Headless Chromium from Debian (Playwright drives it; it never downloads a browser).
/usr/bin/chromium:
	$(SUDO) apt-get update -qq
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core

# Debian's wrk: the native load generator of bench/bench_throughput.py.
/usr/bin/wrk:
	$(SUDO) apt-get update -qq
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk

clean:
	rm -rf $(VENV) .venv-checkov node_modules .pytest_cache .ruff_cache
