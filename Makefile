# Ringflow: `make run` starts the local platform, `make test` runs what CI runs.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export AWS_DEFAULT_REGION ?= eu-west-1
export AWS_ACCESS_KEY_ID ?= testing
export AWS_SECRET_ACCESS_KEY ?= testing
export AWS_EC2_METADATA_DISABLED := true
export POWERTOOLS_METRICS_DISABLED ?= true

# the browser tests' chromium (Debian's; Playwright's own download is never used)
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
CHROMIUM_INSTALL := $(SUDO) apt-get install -y chromium || \
	($(SUDO) apt-get update && $(SUDO) apt-get install -y chromium)

.PHONY: venv run test lint typecheck unit bench docs deploy package clean

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet "pip>=23,<26.3"
	$(BIN)/pip install --quiet -r requirements-dev.txt
	$(BIN)/pip install --quiet --no-deps -e .
	test -x /usr/bin/chromium || $(CHROMIUM_INSTALL)
	touch $(STAMP)

venv: $(STAMP)

run: $(STAMP)
	$(BIN)/python -m infra.local.run

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy chalicelib app.py tools

unit: $(STAMP)
	$(BIN)/pytest -n $${PYTEST_WORKERS:-2} --dist loadfile

test: lint typecheck unit

bench: $(STAMP)
	$(BIN)/python -m bench

# the flow file's JSON Schema (flows/schema/flow.schema.json) and the README's widget reference
docs: $(STAMP)
	$(BIN)/python -m tools.docs

package: $(STAMP)
	$(BIN)/python -m infra.package --stage $${STAGE:-dev} --out build/$${STAGE:-dev}

deploy: $(STAMP)
	bash infra/deploy.sh $${STAGE:-dev}

clean:
	rm -rf $(VENV) build .mypy_cache .ruff_cache .pytest_cache
