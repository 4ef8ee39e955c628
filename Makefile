# The whole set-up is `make run` or `make test`: each creates .venv from a bare Python 3.11 and installs into it.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# yaml-language-server (what VS Code and Neovim run) for the editor tests, installed into .venv when npm is there.
# 1.x: 2.x needs Node 22.13 or later, newer than the Node that Debian 12 machines have.
YAML_LANGUAGE_SERVER := yaml-language-server@1.25.0
# Both cores (or however many there are): the suite takes about 9 minutes on one.
TEST_JOBS ?= auto

.PHONY: run test lint bench clean render-examples

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# A copy of an example to try the wizard on, in proposals/scratch/ (ignored by git; beside the examples, so the
# schema line at its top still finds the schema): saving it changes nothing the repository tracks. An earlier
# copy, and what was saved to it, is kept.
run: $(STAMP)
	@mkdir -p proposals/scratch
	cp -n proposals/examples/two-sided-aco.yaml proposals/scratch/two-sided-aco.yaml
	@echo "Editing proposals/scratch/two-sided-aco.yaml, a copy of proposals/examples/two-sided-aco.yaml"
	$(BIN)/apm-designer edit proposals/scratch/two-sided-aco.yaml

# Installs nothing outside the project: the browser test uses a Chromium already on the machine (and is skipped,
# with the reason, when there is none); the editor tests use yaml-language-server from .venv (skipped without npm).
test: $(STAMP) $(VENV)/node_modules/.installed
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q -n $(TEST_JOBS)

$(VENV)/node_modules/.installed: $(STAMP)
	@if command -v npm >/dev/null; then \
	  npm install --prefix $(VENV) --no-save --no-audit --no-fund --silent --fetch-retries=1 --fetch-timeout=30000 $(YAML_LANGUAGE_SERVER) \
	    && touch $@ \
	    || echo "npm could not install $(YAML_LANGUAGE_SERVER): the editor tests will be skipped"; \
	else echo "no npm: the editor tests (yaml-language-server) will be skipped"; fi

lint: $(STAMP)
	$(BIN)/ruff check .

# Benchmarks beside their baselines (bench/run.py); check-jsonschema is a baseline only, not a dependency.
# `make bench BENCH_QUICK=1` is a smoke run with fewer files and repetitions.
bench: $(STAMP)
	$(BIN)/check-jsonschema --version >/dev/null 2>&1 || $(BIN)/python -m pip install --quiet check-jsonschema
	$(BIN)/python -m bench.run $(if $(filter-out 0,$(BENCH_QUICK)),--quick)

# The golden renders of the examples: the proposal (.md), PTAC's layout (.ptac.md) and the HTML page (.html); and
# the Markdown beside each model of the CMS model library.
render-examples: $(STAMP)
	$(BIN)/apm-designer render proposals/examples -o proposals/examples
	$(BIN)/apm-designer render proposals/examples --layout ptac -o proposals/examples
	$(BIN)/apm-designer render proposals/examples --format html -o proposals/examples
	$(BIN)/apm-designer render proposals/models -o proposals/models

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
