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

.PHONY: install run test lint unit integration package bench clean help

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

install: $(STAMP)

run: install
	$(PY) -m chalicelib.local.stack --port $(PORT) --moto-port $(MOTO_PORT)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

unit: install
	$(VENV)/bin/pytest tests/unit tests/functional -q

integration: install
	$(VENV)/bin/pytest tests/integration tests/e2e -q

package: install
	rm -rf build/package
	$(VENV)/bin/chalice package --stage $(STAGE) --merge-template infra/resources.yaml build/package
	$(VENV)/bin/cfn-lint -- build/package/sam.yaml
	@echo "template: build/package/sam.yaml (lint clean)"

test: install lint package
	$(VENV)/bin/pytest -q

bench: install
	$(PY) -m bench

clean:
	rm -rf build .local .pytest_cache .mypy_cache .ruff_cache
