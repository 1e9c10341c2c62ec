# Linewalk. `make run` and `make test` bootstrap their own .venv; nothing else needs installing by hand.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
# Connections the kernel queues for Daphne before it accepts them (Daphne's own default is 50: a room
# scanning the QR code at once overflowed it). Capped by net.core.somaxconn (docs/production.md).
BACKLOG ?= 4096

.PHONY: run test setup migrate demo bench bench-themes screens lint clean

$(STAMP): pyproject.toml constraints.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt ".[dev]"
	@touch $(STAMP)

# axe-core, for the browser tests' accessibility checks (tests/browser/axe.py), from the npm registry.
AXE_VERSION := 4.14.1
AXE := $(VENV)/axe/node_modules/axe-core/axe.min.js

$(AXE): Makefile
	@mkdir -p $(VENV)/axe
	cd $(VENV)/axe && npm install --silent --no-audit --no-fund --no-save --prefix . axe-core@$(AXE_VERSION)
	@test -f $(AXE) && touch $(AXE)

setup: $(STAMP)

var/secret-key:
	@mkdir -p var
	@$(PYTHON) -c "import secrets; print(secrets.token_urlsafe(50))" > var/secret-key
	@chmod 600 var/secret-key

migrate: setup var/secret-key
	SECRET_KEY=$$(cat var/secret-key) $(PY) manage.py migrate --noinput

# Serves the embedded default (SQLite + in-memory channel layer) with Daphne on http://$(HOST):$(PORT).
# Emails (invitations, password resets) are printed here unless EMAIL_HOST / EMAIL_BACKEND say otherwise.
run: migrate
	@SECRET_KEY=$$(cat var/secret-key) $(PY) manage.py ensure_facilitator --url http://$(HOST):$(PORT)
	@echo "Serving Linewalk on http://$(HOST):$(PORT)/  (Ctrl-C stops it)"
	SECRET_KEY=$$(cat var/secret-key) EMAIL_BACKEND=$${EMAIL_BACKEND:-console} $(VENV)/bin/daphne -e tcp:port=$(PORT):interface=$(HOST):backlog=$(BACKLOG) \
		--websocket_timeout 86400 --websocket_connect_timeout 30 --ping-interval 60 --websocket-max-message-size 16777216 --websocket-max-frame-size 16777216 --proxy-headers asgi:application

# An inquiry in the middle of a 100-person event, for the facilitator `make run` made (PHASE=vote: voting).
PHASE ?= gather
demo: migrate
	@SECRET_KEY=$$(cat var/secret-key) $(PY) manage.py ensure_facilitator --url http://$(HOST):$(PORT) >/dev/null
	@SECRET_KEY=$$(cat var/secret-key) $(PY) manage.py demo_inquiry --event-size --phase $(PHASE) \
		--owner facilitator --url http://$(HOST):$(PORT)

test: setup $(AXE)
	@mkdir -p var
	SECRET_KEY=test-only-secret-key $(PY) -m pytest $(PYTEST_ARGS)

bench: setup
	$(PY) -m bench.live --suite standard
	$(PY) -m bench.tables

# Screenshots of every screen at event size (100 people, 300 cards, 12 themes) into docs/screens/.
screens: setup
	$(PY) -m bench.screens

# Quality of suggested themes against labelled texts (needs the bench extra: scikit-learn for metrics).
bench-themes: setup
	$(PY) -m pip install --quiet -c constraints.txt ".[dev,bench]"
	$(PY) -m bench.themes

lint: setup
	$(VENV)/bin/ruff check .

clean:
	rm -rf $(VENV) var
