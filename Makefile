# Every target sets itself up: a fresh clone needs only `make demo` or `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SOURCES := leadgen_pipeline leadgen_pipeline_tests leadgen_sandbox leadgen_sandbox_tests bench deploy scripts
DEV_HOME := $(CURDIR)/.dagster_home

.PHONY: demo test lint bench deploy-check dev sandbox serve chromium clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/leadgen demo

# The directory page tests render it in headless Chromium (Debian's package).
chromium:
	command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

# `dg check defs` loads the code location as Dagster does, with no variable set.
test: $(STAMP) chromium
	$(BIN)/ruff check $(SOURCES)
	env -u DAGSTER_HOME $(BIN)/dg check defs
	$(BIN)/pytest

# Benchmarks (docs/benchmarks.md): ratios measured in one run; needs PostgreSQL.
bench: $(STAMP)
	$(BIN)/python -m bench.run_all

# The deployment files, as far as this machine allows (docs/deployment.md).
deploy-check: $(STAMP)
	$(BIN)/python deploy/validate.py

lint: $(STAMP)
	$(BIN)/ruff check $(SOURCES)
	$(BIN)/ruff format --check $(SOURCES)

# The Dagster UI and daemon on http://127.0.0.1:3000, with the sandbox serving
# any API whose key is not set (see README: Configuration).
dev: $(STAMP)
	mkdir -p $(DEV_HOME) && cp dagster.yaml $(DEV_HOME)/dagster.yaml
	DAGSTER_HOME=$(DEV_HOME) $(BIN)/python -m leadgen_sandbox.dev

sandbox: $(STAMP)
	$(BIN)/leadgen sandbox

serve: $(STAMP)
	$(BIN)/leadgen serve

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
