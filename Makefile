# Two commands on a fresh machine: `make run` (the local stack) and `make test` (the whole suite).
# Each installs what it needs: Debian packages when missing, the virtualenv, the requirements.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
DEB_PACKAGES := libcairo2 fonts-dejavu-core poppler-utils
# Only tests need these (`make test`, `make e2e`): the widget's browser test drives Debian's Chromium;
# typography tests compare with HarfBuzz's own CLI (hb-shape, hb-view), run Unicode's bidi
# conformance file (unicode-data) and use Debian fonts as brand uploads (Arabic, Hebrew,
# Devanagari, cursive Latin; cut-geometry tests weld Dancing Script); Inkscape's own DXF importer
# (dxf_input.py, run by Debian's python3 with the modules it imports) reads a pack back.
# The README's walkthrough runs as pasted (curl, jq, unzip; tests/e2e/test_readme_walkthrough.py).
TEST_DEB_PACKAGES := chromium chromium-driver libharfbuzz-bin unicode-data fonts-hosny-amiri \
  culmus fonts-lohit-deva fonts-dancingscript fonts-kaushanscript \
  inkscape python3-lxml python3-cssselect python3-numpy \
  curl jq unzip qpdf
TEST_GOALS := $(filter test test-slow e2e,$(MAKECMDGOALS))
# `make bench` times Arabic and Devanagari shaping with these Debian fonts (bench/shaping_bench.py).
BENCH_DEB_PACKAGES := fonts-hosny-amiri fonts-lohit-deva
BENCH_GOALS := $(filter bench,$(MAKECMDGOALS))
STAGE  ?= prod

# The API reference at /docs (dev stages) is Redoc's standalone bundle, fetched from the npm
# registry at build time (never a CDN at run time): an exact version whose tarball must match
# this SHA-256, unpacked into chalicelib/apidocs/ (git-ignored; Chalice packages it).
REDOC_VERSION := 2.5.4
REDOC_SHA256  := 44922df4d0eb45c1b066c09ec251e6bd9bd7ded16bc69e87613337b9d911a56e
APIDOCS_DIR   := chalicelib/apidocs
# The widget's 3D view is Google's <model-viewer> (three.js inside), the same way: an exact npm
# version whose tarball must match this SHA-256; its UMD bundle and licence are unpacked into
# chalicelib/widget/viewer/ (git-ignored; Chalice packages it) and served at
# /widget/model-viewer.js?v=<content hash>. No CDN at run time.
MODEL_VIEWER_VERSION := 4.4.0
MODEL_VIEWER_SHA256  := 8b621bd58da86cfa9908aaedf5a263d49770d08fc9e04ca661e3019616565f02
VIEWER_DIR           := chalicelib/widget/viewer

.PHONY: run test test-slow bench lint typecheck unit integration e2e system-deps venv clean package deploy fonts apidocs viewer npm-cli

# The data is kept in $(ATELIER_STATE_DIR) (.local/) across restarts; FRESH=1 starts empty.
run: system-deps $(STAMP) fonts apidocs viewer
	$(PY) -m local.stack $(if $(filter-out 0,$(FRESH)),--fresh)

# The everyday suite on every core (pytest-xdist, one file per worker so a module's fixtures are
# built once); `make test-slow` runs the suites marked slow (big migrations, load, fuzzing, full
# conformance files) and CI runs both (.ci/run). TEST_WORKERS=0 runs in one process.
TEST_WORKERS ?= auto
test: system-deps $(STAMP) fonts apidocs viewer
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(MAKE) --no-print-directory package STAGE=prod
	$(PY) -m pytest -m "not slow" -n $(TEST_WORKERS) --dist loadfile

test-slow: system-deps $(STAMP) fonts apidocs viewer
	$(PY) -m pytest -m slow -n $(TEST_WORKERS) --dist loadfile

# Figures, not adjectives: one table, each figure next to its naive counterpart or floor, measured
# in the same run (local stack on free loopback ports; bounded load of 200 widget flows included).
# Writes bench/results/latest.json; fails if the load had an error or lost/duplicated a record.
bench: system-deps $(STAMP) fonts apidocs viewer
	$(PY) -m bench

# dist/$(STAGE)/: chalice package (SAM template + deployment.zip, stage throttling merged in) and
# the resources template; fails on any cfn-lint error, a dropped or locally built dependency,
# native code for the wrong architecture, or a package over Lambda's 250 MB. Needs PyPI only.
package: $(STAMP) fonts apidocs viewer
	$(PY) -m deploy package $(STAGE)

# Fonts PyPI has no wheel for (Arabic, Hebrew, Devanagari, cursive Latin) come from the npm
# registry: `npm pack <pkg>@<exact version>` into .cache/npm-fonts/, each TTF checked against the
# sha256 pinned in chalicelib/npm_fonts.py, then copied to chalicelib/npm_font_files/ (git-ignored,
# zipped by chalice with chalicelib/). Installs Debian's npm when there is no npm at all.
fonts: $(STAMP) npm-cli
	$(PY) -m deploy fonts

# npm itself (fonts and the API reference come from the npm registry): Debian's, when missing.
npm-cli:
	@command -v npm >/dev/null || { SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive \
	    apt-get install -y -qq --no-install-recommends npm; }

# Resources stack, outputs into the functions' environment, app stack from dist/$(STAGE)/ (the
# zip goes through ARTIFACT_BUCKET), then ReportBatchItemFailures on the SQS event sources.
# See docs/operations.md. AWS credentials come from the usual places (AWS_PROFILE, ...).
deploy: package
	@test -n "$(ARTIFACT_BUCKET)" || { echo "make deploy needs ARTIFACT_BUCKET=<s3 bucket for packages>"; exit 1; }
	$(PY) -m deploy deploy $(STAGE) --artifact-bucket $(ARTIFACT_BUCKET) \
	  $(if $(ALARM_TOPIC_ARN),--alarm-topic-arn $(ALARM_TOPIC_ARN))

lint: $(STAMP)
	$(VENV)/bin/ruff check .

typecheck: $(STAMP)
	$(VENV)/bin/mypy

e2e: system-deps

unit integration e2e: $(STAMP) fonts apidocs viewer
	$(PY) -m pytest tests/$@

venv: $(STAMP)

# Fetches Redoc only when the bundle of this exact version is not there yet (needs npm).
apidocs: npm-cli
	@if [ "$$(cat $(APIDOCS_DIR)/redoc.version 2>/dev/null)" != "$(REDOC_VERSION)" ]; then \
	  set -e; tmp=$$(mktemp -d); \
	  (cd $$tmp && npm pack --silent redoc@$(REDOC_VERSION) >/dev/null); \
	  echo "$(REDOC_SHA256)  $$tmp/redoc-$(REDOC_VERSION).tgz" | sha256sum -c --quiet; \
	  tar -xzf $$tmp/redoc-$(REDOC_VERSION).tgz -C $$tmp package/bundles/redoc.standalone.js \
	    package/bundles/redoc.standalone.js.LICENSE.txt package/LICENSE; \
	  cp $$tmp/package/bundles/redoc.standalone.js $$tmp/package/LICENSE $(APIDOCS_DIR)/; \
	  cp $$tmp/package/bundles/redoc.standalone.js.LICENSE.txt $(APIDOCS_DIR)/; \
	  echo $(REDOC_VERSION) > $(APIDOCS_DIR)/redoc.version; rm -rf $$tmp; \
	  echo "apidocs: Redoc $(REDOC_VERSION) in $(APIDOCS_DIR)/"; fi

# Fetches model-viewer only when the bundle of this exact version is not there yet (needs npm).
viewer: npm-cli
	@if [ "$$(cat $(VIEWER_DIR)/model-viewer.version 2>/dev/null)" != "$(MODEL_VIEWER_VERSION)" ]; then \
	  set -e; tmp=$$(mktemp -d); mkdir -p $(VIEWER_DIR); \
	  (cd $$tmp && npm pack --silent @google/model-viewer@$(MODEL_VIEWER_VERSION) >/dev/null); \
	  echo "$(MODEL_VIEWER_SHA256)  $$tmp/google-model-viewer-$(MODEL_VIEWER_VERSION).tgz" \
	    | sha256sum -c --quiet; \
	  tar -xzf $$tmp/google-model-viewer-$(MODEL_VIEWER_VERSION).tgz -C $$tmp \
	    package/dist/model-viewer-umd.min.js package/LICENSE; \
	  cp $$tmp/package/dist/model-viewer-umd.min.js $(VIEWER_DIR)/model-viewer.min.js; \
	  cp $$tmp/package/LICENSE $(VIEWER_DIR)/LICENSE; \
	  echo $(MODEL_VIEWER_VERSION) > $(VIEWER_DIR)/model-viewer.version; rm -rf $$tmp; \
	  echo "viewer: model-viewer $(MODEL_VIEWER_VERSION) in $(VIEWER_DIR)/"; fi

$(STAMP): requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' \
	  || { echo "Atelier needs Python 3.11 or newer (PYTHON=$(PYTHON))"; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

# Installs Debian packages (cairo for rasterizing, fonts) only when one is missing.
system-deps:
	@missing=""; for p in $(DEB_PACKAGES) $(if $(TEST_GOALS),$(TEST_DEB_PACKAGES)) \
	  $(if $(BENCH_GOALS),$(BENCH_DEB_PACKAGES)); do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if ! command -v apt-get >/dev/null; then echo "please install:$$missing"; exit 1; fi; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  echo "installing Debian packages:$$missing"; \
	  $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive \
	    apt-get install -y -qq --no-install-recommends $$missing; \
	fi

clean:
	rm -rf $(VENV) .local .pytest_cache .mypy_cache .ruff_cache dist .cache chalicelib/npm_font_files
