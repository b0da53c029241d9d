# Two commands: `make run` serves the app on the embedded default (SQLite), `make test` runs
# every test. Both set up what they need first: .venv (Python), node_modules (the Firestore
# emulator and axe-core), and for tests Debian's chromium and a separate checkov venv.
# `make test-fast` is the edit-run loop (under a minute, .venv only): every test but the browser,
# Firestore-emulator and slow ones; behaviour tests on the in-memory store, the store contract
# on memory and SQLite.

PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8080
SUDO := $(shell [ "$$(id -u)" = "0" ] || echo sudo)

.PHONY: run test test-fast lint bench setup clean translations

# Links point at this server unless SIDEBYSIDE_BASE_URL says otherwise (the demo runs before the
# server records its URL in .data/server_url; a server on every interface is opened as 127.0.0.1).
run: export SIDEBYSIDE_BASE_URL ?= http://$(if $(filter 0.0.0.0,$(HOST)),127.0.0.1,$(HOST)):$(PORT)
run: $(VENV)/.installed
	$(VENV)/bin/sidebyside demo
	$(VENV)/bin/sidebyside serve --host $(HOST) --port $(PORT)

test: $(VENV)/.installed-dev node_modules/.installed .venv-checkov/.installed /usr/bin/chromium /usr/bin/spamassassin
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(PY) -m pytest

test-fast: $(VENV)/.installed-dev
	$(VENV)/bin/mypy
	$(PY) -m pytest -m "not browser and not emulator and not node and not slow"

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

bench: $(VENV)/.installed-dev node_modules/.installed /usr/bin/chromium /usr/bin/wrk
	$(PY) -m bench

setup: $(VENV)/.installed-dev node_modules/.installed

# After adding or changing any user-facing string: extract, update both catalogues, compile (the
# .mo files are committed: the cloud build installs from the repository without running make).
TRANSLATIONS := shared/translations
translations: $(VENV)/.installed-dev
	$(VENV)/bin/pybabel extract -F babel.cfg -k translate:2 -k translate_plural:2,3 --no-location --sort-output -o $(TRANSLATIONS)/messages.pot .
	$(VENV)/bin/pybabel update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) --no-fuzzy-matching --ignore-pot-creation-date
	$(PY) -m shared.translations.english
	$(VENV)/bin/pybabel compile -d $(TRANSLATIONS)

# Two stamps: `make run` installs only what the program needs (requirements.txt and the project);
# tests, lint, benchmarks and translations add the development tools (requirements-dev.txt).
$(VENV)/.installed: requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
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

# SpamAssassin's rules, run locally (no network tests) on the report email in tests.
/usr/bin/spamassassin:
	$(SUDO) apt-get update -qq
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq spamassassin

# Debian's wrk: the native load generator of bench/bench_throughput.py.
/usr/bin/wrk:
	$(SUDO) apt-get update -qq
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk

clean:
	rm -rf $(VENV) .venv-checkov node_modules .pytest_cache .ruff_cache .mypy_cache
