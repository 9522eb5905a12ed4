# Two commands on a fresh machine with only Python: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# The demo calendar covers Oct-Dec 2026; pretend it is mid-November so every page is lively.
DEMO_NOW ?= 2026-11-16T10:00

.PHONY: run test test-fast setup setup-test clean

$(BIN)/socialgit: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	@touch $@

$(VENV)/.test-installed: $(BIN)/socialgit pyproject.toml
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $@

setup: $(BIN)/socialgit

setup-test: $(VENV)/.test-installed
	bash scripts/setup-system.sh
	bash scripts/setup-appview.sh >/dev/null

## run: set up, then check the demo calendar, publish its due posts to the outbox, build and serve its site
run: setup
	DEMO_NOW=$(DEMO_NOW) bash scripts/demo.sh

## test: set up with the test extras and run every test, slow ones included
test: setup-test
	$(BIN)/pytest -q

## test-fast: leave out the slow real-network and browser tests
test-fast: setup-test
	$(BIN)/pytest -q -m "not slow"

clean:
	rm -rf $(VENV) site .socialgit test-output
