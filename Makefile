# Two commands for a new machine: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test lint constraints cluster

$(BIN)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -c constraints.txt --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e ".[test]"
	touch $@

demo: $(BIN)/.installed  ## install, then serve the demo shop with the assistant (SQLite)
	$(BIN)/assistant demo

test: $(BIN)/.installed  ## install, then run the whole test suite
	$(BIN)/ruff check assistant tests benchmarks
	$(BIN)/mypy
	$(BIN)/pytest

cluster: $(BIN)/.installed  ## PostgreSQL, Redis, two app nodes and nginx on 127.0.0.1:8080 (stop: scripts/cluster.py stop)
	$(BIN)/python scripts/cluster.py start

lint: $(BIN)/.installed
	$(BIN)/ruff check assistant tests benchmarks
	$(BIN)/mypy

constraints:  ## re-pin: the newest versions pyproject.toml allows, installed into a fresh venv
	rm -rf $(VENV)-pin && $(PYTHON) -m venv $(VENV)-pin && $(VENV)-pin/bin/pip install --quiet --upgrade pip
	$(VENV)-pin/bin/pip install --quiet -e ".[test]"
	{ sed -n '1,3p' constraints.txt; $(VENV)-pin/bin/pip freeze --all --exclude-editable; } > constraints.new
	mv constraints.new constraints.txt && rm -rf $(VENV)-pin
