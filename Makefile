# `make run` serves the screener on http://127.0.0.1:5000; `make test` runs every test.
# Both create .venv and install what they need on a fresh machine.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test serve bench lighthouse check clean lforms

# LHC-Forms (the NLM's FHIR forms renderer), for the browser test of the FHIR round trip:
# its prebuilt web component from the npm registry, unpacked into an ignored folder.
LFORMS_VERSION := 40.1.3
LFORMS_DIR := .cache/lforms-$(LFORMS_VERSION)
LFORMS := $(LFORMS_DIR)/dist/lforms/webcomponent/main.js

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# Reinstalling compiles the translation catalogues (hatch_build.py), so a .po change counts.
TRANSLATIONS := $(wildcard screener/translations/*/LC_MESSAGES/*.po)

# Everything, test tools included (make test, make run).
# (The distribution was called "screener" before; that name belongs to another project.)
$(VENV)/.installed: pyproject.toml hatch_build.py $(TRANSLATIONS) | $(BIN)/python
	$(BIN)/pip uninstall -q -y screener 2>/dev/null || true
	$(BIN)/pip install -q -e ".[test]"
	touch $(VENV)/.runtime $@

# Runtime dependencies only (make serve, production): no test tools on a server.
$(VENV)/.runtime: pyproject.toml hatch_build.py $(TRANSLATIONS) | $(BIN)/python
	$(BIN)/pip install -q .
	touch $@

# A local trial over plain HTTP: the session cookie cannot be secure-only here.
# With SCREENER_HANDOFF=true, the SQLite database in the instance folder is migrated first.
run: $(VENV)/.installed
	@case "$${SCREENER_HANDOFF:-}" in true|1|yes|on) $(BIN)/screener db upgrade;; esac
	SCREENER_SECRET_KEY="$${SCREENER_SECRET_KEY:-$$($(BIN)/python -c 'import secrets; print(secrets.token_hex(32))')}" \
	SCREENER_SESSION_COOKIE_SECURE="$${SCREENER_SESSION_COOKIE_SECURE:-false}" \
	  $(BIN)/flask --app screener.wsgi:app run --host $(HOST) --port $(PORT)

# Production: gunicorn on loopback (SCREENER_BIND), behind nginx (deploy/nginx.conf).
serve: $(VENV)/.runtime
	$(BIN)/gunicorn --config python:screener.gunicorn_conf screener.wsgi:app

$(LFORMS):
	rm -rf $(LFORMS_DIR) && mkdir -p $(LFORMS_DIR)
	cd $(LFORMS_DIR) && npm pack --silent lforms@$(LFORMS_VERSION) >/dev/null \
	  && tar -xzf lforms-$(LFORMS_VERSION).tgz --strip-components=1 package/dist \
	  && rm lforms-$(LFORMS_VERSION).tgz

lforms: $(LFORMS)

test: $(VENV)/.installed $(LFORMS)
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/screener rules check
	$(BIN)/screener rules test
	$(BIN)/python -m pytest

bench: $(VENV)/.installed
	$(BIN)/python bench/rules.py
	$(BIN)/python bench/pages.py
	$(BIN)/python bench/load.py
	$(BIN)/python bench/pdf_load.py
	$(BIN)/python bench/handoff.py
	$(BIN)/python bench/wrk.py

# Lighthouse (mobile) with Debian's chromium; installs the npm package into .lighthouse/.
lighthouse: $(VENV)/.installed
	$(BIN)/python bench/lighthouse.py

check: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis .cache build dist
