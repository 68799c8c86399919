# Resale — every entry point. `make dev` and `make test` set up what they need on first use.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
NODE_INSTALLED := node_modules/.installed
FUZZ_VENV := .venv-fuzz
FUZZ_INSTALLED := $(FUZZ_VENV)/.installed
CDK_ENV := CDK_DISABLE_CLI_TELEMETRY=true JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20

.PHONY: help dev test browser test-fast bundle synth lint format demo bench migrate lock clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-10s %s\n", $$1, $$2}'

$(INSTALLED): pyproject.toml constraints.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip==25.3
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[infra,local,dev]"
	@touch $@

# the API fuzzer (schemathesis, tests/api/test_fuzz.py) in a venv of its own, pinned apart from the project's
$(FUZZ_INSTALLED): tests/fuzz/requirements.txt
	@test -x $(FUZZ_VENV)/bin/python || $(PYTHON) -m venv $(FUZZ_VENV)
	$(FUZZ_VENV)/bin/python -m pip install --quiet --disable-pip-version-check --no-deps -r tests/fuzz/requirements.txt
	@touch $@

$(NODE_INSTALLED): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

dev: $(INSTALLED) $(NODE_INSTALLED)  ## run the local cloud: API, console, stand-ins, seeded demo data
	$(PY) -m local.dev

# headless Chromium (Debian's package) drives the console in the browser test
browser:
	@command -v chromium >/dev/null || command -v chromium-browser >/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing headless Chromium for the console's browser test"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	      chromium fonts-dejavu-core >/dev/null; \
	  else echo "the console's browser test needs Chromium: apt-get install chromium" >&2; exit 1; fi; }

test: $(INSTALLED) $(NODE_INSTALLED) $(FUZZ_INSTALLED) browser bundle  ## run the whole test suite (unit, integration, workflows, api with the fuzzing, infra, e2e, the browser)
	$(PY) -m pytest

test-fast: $(INSTALLED)  ## unit tests only
	$(PY) -m pytest tests/unit -q

# the functions' third-party dependencies for the stage's Lambda runtime and architecture, into
# build/lambda-layer (the layer the stack attaches); rebuilt only when its manifest is stale
bundle: $(INSTALLED)  ## build the Lambda dependencies layer for STAGE (default cdk.json's) when stale
	$(PY) -m stacks.bundle $(if $(STAGE),--stage $(STAGE))

synth: $(INSTALLED) $(NODE_INSTALLED) bundle  ## synthesize the CloudFormation templates into cdk.out/ (STAGE=...)
	$(CDK_ENV) npx cdk synth --no-notices --quiet $(if $(STAGE),-c stage=$(STAGE))

lint: $(INSTALLED)  ## ruff (lint + format check) and mypy --strict
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

format: $(INSTALLED)  ## apply ruff's fixes and formatting
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

demo: $(INSTALLED)  ## the whole story in a terminal: onboard, list, buy, pay, ship, confirm, payout, ledger (STORY=return: a case, a return, a refund)
	STORY=$(STORY) $(PY) -m local.demo

bench: $(INSTALLED)  ## benchmarks (not part of make test); ONLY=<capability> runs one
	ONLY=$(ONLY) $(PY) -m tests.bench

migrate: $(INSTALLED)  ## apply PostgreSQL migrations to DATABASE_URL and MongoDB indexes to MONGODB_URI
	$(PY) -m adapters.schema

lock: $(INSTALLED)  ## re-pin every installed package into constraints.txt
	@{ echo "# Exact versions of every package the project installs (direct and transitive)."; \
	   echo "# Regenerate with \`make lock\` after changing pyproject.toml."; \
	   $(PY) -m pip freeze --exclude-editable | grep -vi '^resale'; } > constraints.txt

clean:  ## remove the virtualenv, node_modules and build output
	rm -rf $(VENV) $(FUZZ_VENV) node_modules cdk.out build .pytest_cache .mypy_cache .ruff_cache

# -- payouts
.PHONY: reconcile
reconcile: $(INSTALLED)  ## the ledger against Stripe over [FROM, TO) (ISO dates; default the last 2 days; DATABASE_URL + STRIPE_SECRET_KEY, else the running `make dev`); exit 1 on differences
	$(PY) -m local.reconcile $(if $(FROM),--from $(FROM)) $(if $(TO),--to $(TO)) $(ARGS)

# -- feedback
.PHONY: rebuild-read-models
rebuild-read-models: $(INSTALLED)  ## recompute the read models (public seller profiles, catalog search) from the source of truth (DATABASE_URL, else the running `make dev`)
	$(PY) -m local.rebuild_read_models $(ARGS)
