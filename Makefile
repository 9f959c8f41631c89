# `make run` serves the screener on http://127.0.0.1:5000 (HOST=, PORT= to change it);
# `make demo` adds the handoff, a staff account and example submissions; `make test` runs
# every test. Each creates .venv and installs what it needs on a fresh machine: `run`,
# `demo` and `serve` the runtime dependencies only, `test` the test tools too.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run demo test explore serve bench lighthouse check clean lforms

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

# Everything, test tools included (make test, bench, check).
# (The distribution was called "screener" before; that name belongs to another project.)
$(VENV)/.installed: pyproject.toml hatch_build.py $(TRANSLATIONS) | $(BIN)/python
	$(BIN)/pip uninstall -q -y screener 2>/dev/null || true
	$(BIN)/pip install -q -e ".[test]"
	touch $(VENV)/.runtime $@

# Runtime dependencies only (make run, demo, serve): no test tools to try it or serve it.
# Editable, so the checkout's code is what runs.
$(VENV)/.runtime: pyproject.toml hatch_build.py $(TRANSLATIONS) | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

# A local trial over plain HTTP: the session cookie cannot be secure-only here.
# With SCREENER_HANDOFF=true or SCREENER_SAVE_RETURN=true (both use the database), the
# SQLite database in the instance folder is migrated first.
run: $(VENV)/.runtime
	@for flag in "$${SCREENER_HANDOFF:-}" "$${SCREENER_SAVE_RETURN:-}"; do \
	  case "$$flag" in true|1|yes|on) $(BIN)/screener db upgrade; break;; esac; done
	SCREENER_SECRET_KEY="$${SCREENER_SECRET_KEY:-$$($(BIN)/python -c 'import secrets; print(secrets.token_hex(32))')}" \
	SCREENER_SESSION_COOKIE_SECURE="$${SCREENER_SESSION_COOKIE_SECURE:-false}" \
	  $(BIN)/flask --app screener.wsgi:app run --host $(HOST) --port $(PORT)

# The patient -> nurse path in one command: the handoff over a fresh SQLite file in
# instance/demo/, a staff account whose setup link is printed, made-up example submissions.
demo: $(VENV)/.runtime
	$(BIN)/screener demo --host $(HOST) --port $(PORT)

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

# Property tests with new random examples and many more of them (CI runs the same ones
# every time): what this finds is fixed and kept as an @example.
explore: $(VENV)/.installed
	HYPOTHESIS_PROFILE=explore $(BIN)/python -m pytest -q $(shell grep -l "@given" tests/*.py)

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
