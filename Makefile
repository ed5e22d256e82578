# dispatchlib: every target sets up .venv first (pinned by constraints.txt) when it is missing.
# `make` alone lists the targets.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
COMPILED := $(VENV)/.compiled-stamp
JOBS   ?= 2
# make bench BENCH_ARGS=--tests also times `make test` (minutes); --repeat N sets the runs
BENCH_ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help setup report test lint lab execute translate bench lock clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-9s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[test,classroom,cluster]"
	@touch $(STAMP)

# byte-compile the package after each change: where PYTHONDONTWRITEBYTECODE is set, every
# kernel and command would otherwise compile it again (pip compiles what it installs itself)
$(COMPILED): $(STAMP) $(wildcard dispatchlib/*.py dispatchlib/*/*.py)
	@$(BIN)/python -m compileall -q dispatchlib
	@touch $(COMPILED)

setup: $(COMPILED) ## create .venv from the pinned versions and install the package

report: $(COMPILED) ## run every notebook at its defaults into reports/default/ (open index.html)
	$(BIN)/python -m dispatchlib run --name default

test: $(COMPILED) ## the whole suite: lint, unit and data tests, nbval over notebooks/, papermill reruns
	$(BIN)/ruff check dispatchlib tests
	$(BIN)/python -m pytest -n $(JOBS) --dist loadscope --nbval-lax --nbval-current-env \
		--nbval-sanitize-with tests/nbval_sanitize.cfg tests notebooks

lint: $(COMPILED) ## ruff over the library and the tests
	$(BIN)/ruff check dispatchlib tests

lab: $(COMPILED) ## JupyterLab on 127.0.0.1 (with its token), opened on notebooks/
	$(BIN)/jupyter lab --ip=127.0.0.1 --no-browser --notebook-dir=notebooks \
		$(if $(filter 0,$(shell id -u)),--allow-root,)

execute: $(COMPILED) ## refresh the committed notebooks' outputs at default parameters
	$(BIN)/python -m dispatchlib refresh

translate: $(COMPILED) ## update locales/ko/ from the English lessons and build notebooks/ko/ (lists what needs translating)
	$(BIN)/python -m dispatchlib translate

bench: $(COMPILED) ## time runs, reruns, scenario and import against their floors -> benchmarks/results.md
	$(BIN)/python benchmarks/bench.py $(BENCH_ARGS)

lock: ## re-pin constraints.txt from the current .venv (after changing pyproject.toml)
	$(BIN)/python -m pip freeze --exclude-editable > constraints.txt

clean: ## remove reports/ contents and caches (keeps .venv)
	rm -rf reports/*/ build .pytest_cache .hypothesis
	find . -name __pycache__ -prune -exec rm -rf {} +
