# Resale — every entry point. `make dev` and `make test` set up what they need on first use.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
NODE_INSTALLED := node_modules/.installed
CDK_ENV := CDK_DISABLE_CLI_TELEMETRY=true JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20

.PHONY: help dev test test-fast synth lint format demo bench migrate lock clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-10s %s\n", $$1, $$2}'

$(INSTALLED): pyproject.toml constraints.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip==25.3
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[infra,local,dev]"
	@touch $@

$(NODE_INSTALLED): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

dev: $(INSTALLED) $(NODE_INSTALLED)  ## run the local cloud: API, console, stand-ins, seeded demo data
	$(PY) -m local.dev

test: $(INSTALLED) $(NODE_INSTALLED)  ## run the whole test suite (unit, integration, workflows, api, infra)
	$(PY) -m pytest

test-fast: $(INSTALLED)  ## unit tests only
	$(PY) -m pytest tests/unit -q

synth: $(INSTALLED) $(NODE_INSTALLED)  ## synthesize the CloudFormation templates into cdk.out/
	$(CDK_ENV) npx cdk synth --no-notices --quiet

lint: $(INSTALLED)  ## ruff (lint + format check) and mypy --strict
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

format: $(INSTALLED)  ## apply ruff's fixes and formatting
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

demo: $(INSTALLED)  ## the whole story in a terminal: onboard, list, buy, pay, ship, confirm, payout, ledger
	$(PY) -m local.demo

bench: $(INSTALLED)  ## benchmarks (not part of make test); ONLY=<capability> runs one
	ONLY=$(ONLY) $(PY) -m tests.bench

migrate: $(INSTALLED)  ## apply PostgreSQL migrations to DATABASE_URL
	$(PY) -m adapters.postgres.migrate

lock: $(INSTALLED)  ## re-pin every installed package into constraints.txt
	@{ echo "# Exact versions of every package the project installs (direct and transitive)."; \
	   echo "# Regenerate with \`make lock\` after changing pyproject.toml."; \
	   $(PY) -m pip freeze --exclude-editable | grep -vi '^resale'; } > constraints.txt

clean:  ## remove the virtualenv, node_modules and build output
	rm -rf $(VENV) node_modules cdk.out build .pytest_cache .mypy_cache .ruff_cache

# -- payouts
.PHONY: reconcile
reconcile: $(INSTALLED)  ## the ledger against Stripe (DATABASE_URL + STRIPE_SECRET_KEY, else the running `make dev`); exit 1 on differences
	$(PY) -m local.reconcile
