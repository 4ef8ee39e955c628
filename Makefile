# The whole set-up is `make run` or `make test`: each creates .venv from a bare Python 3.11 and installs into it.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench clean render-examples

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/apm-designer edit proposals/examples/two-sided-aco.yaml

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .

# Benchmarks beside their baselines (bench/run.py); check-jsonschema is a baseline only, not a dependency.
# `make bench BENCH_QUICK=1` is a smoke run with fewer files and repetitions.
bench: $(STAMP)
	$(BIN)/check-jsonschema --version >/dev/null 2>&1 || $(BIN)/python -m pip install --quiet check-jsonschema
	$(BIN)/python -m bench.run $(if $(filter-out 0,$(BENCH_QUICK)),--quick)

# The committed Markdown beside the example proposals and the CMS model library.
render-examples: $(STAMP)
	$(BIN)/apm-designer render proposals/examples -o proposals/examples
	$(BIN)/apm-designer render proposals/models -o proposals/models

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
