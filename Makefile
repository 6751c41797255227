# Two commands on a fresh machine: `make run` (the local stack) and `make test` (the whole suite).
# Each installs what it needs: Debian packages when missing, the virtualenv, the requirements.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
DEB_PACKAGES := libcairo2 fonts-dejavu-core poppler-utils

.PHONY: run test bench lint typecheck unit integration e2e system-deps venv clean

run: system-deps $(STAMP)
	$(PY) -m local.stack

test: system-deps $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(PY) -m pytest

# Figures, not adjectives: one table, each figure next to its naive counterpart or floor, measured
# in the same run (local stack on free loopback ports; bounded load of 200 widget flows included).
# Writes bench/results/latest.json; fails if the load had an error or lost/duplicated a record.
bench: system-deps $(STAMP)
	$(PY) -m bench

lint: $(STAMP)
	$(VENV)/bin/ruff check .

typecheck: $(STAMP)
	$(VENV)/bin/mypy

unit integration e2e: $(STAMP)
	$(PY) -m pytest tests/$@

venv: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' \
	  || { echo "Atelier needs Python 3.11 or newer (PYTHON=$(PYTHON))"; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

# Installs Debian packages (cairo for rasterizing, fonts) only when one is missing.
system-deps:
	@missing=""; for p in $(DEB_PACKAGES); do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if ! command -v apt-get >/dev/null; then echo "please install:$$missing"; exit 1; fi; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  echo "installing Debian packages:$$missing"; \
	  $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive \
	    apt-get install -y -qq --no-install-recommends $$missing; \
	fi

clean:
	rm -rf $(VENV) .local .pytest_cache .mypy_cache .ruff_cache
