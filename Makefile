# IMAGE Pool. `make run` starts the whole system locally; `make test` passes every test.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PORT ?= 8000
MOTO_PORT ?= 5000
STAGE ?= dev
export AWS_DEFAULT_REGION ?= eu-west-1

.PHONY: install run test lint unit integration package lambda-wheels bench clean help

help:
	@echo "make run      start the whole system locally (prints the URL; Ctrl-C stops it)"
	@echo "make test     install what the tests need and run every test, lint and package check"
	@echo "make bench    run the benchmarks and print one table"
	@echo "make package  write the deployable CloudFormation/SAM template to build/package"

$(STAMP): requirements.txt requirements-dev.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip 'setuptools<80' wheel
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $(STAMP)

install: $(STAMP) portal

run: install
	$(PY) -m devstack.stack --port $(PORT) --moto-port $(MOTO_PORT)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

unit: install
	$(VENV)/bin/pytest tests/unit tests/functional -q

integration: install
	$(VENV)/bin/pytest tests/integration tests/e2e -q

# Lambda's python3.11 runtime has glibc 2.26: every runtime dependency must have a wheel for
# it. Chalice would otherwise build a missing one from source on this machine, for a newer
# glibc, and the function would fail at import time on AWS.
LAMBDA_PLATFORMS := $(foreach m,17 18 19 20 21 22 23 24 25 26,--platform manylinux_2_$(m)_x86_64) \
	--platform manylinux2014_x86_64
lambda-wheels: install
	$(PY) -m pip download --quiet --only-binary=:all: $(LAMBDA_PLATFORMS) --python-version 3.11 \
		--implementation cp --abi cp311 --abi abi3 --abi none -r requirements.txt -d build/lambda-wheels
	@echo "every runtime dependency has a wheel for the Lambda runtime"

package: install lambda-wheels
	rm -rf build/package
	$(VENV)/bin/chalice package --stage $(STAGE) --merge-template infra/resources.yaml build/package
	$(VENV)/bin/cfn-lint -- build/package/sam.yaml
	@echo "template: build/package/sam.yaml (lint clean)"

test: install lint package portal-browser
	$(VENV)/bin/pytest -q

bench: install
	$(PY) -m bench

clean:
	rm -rf build .local .pytest_cache .mypy_cache .ruff_cache

# ------------------------------------------------------------------------------ portal
# The portal is static ES modules (no build step); its libraries come from npm and are
# copied into portal_site/vendor/. The browser tests drive Debian's chromium.
.PHONY: portal portal-browser
portal: portal_site/vendor/.stamp

portal_site/vendor/.stamp: portal_site/package.json portal_site/package-lock.json portal_site/tools/copy-vendor.mjs
	cd portal_site && npm ci --no-audit --no-fund --loglevel=error && npm run --silent vendor

portal-browser:
	@test -x /usr/bin/chromium || { SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$SUDO apt-get update && $$SUDO apt-get install -y chromium; }
