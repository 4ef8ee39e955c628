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

render-examples: $(STAMP)
	$(BIN)/apm-designer render proposals/examples -o proposals/examples

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
