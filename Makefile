# Two commands for a new machine: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test lint

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@

demo: $(BIN)/.installed  ## install, then serve the demo shop with the assistant (SQLite)
	$(BIN)/assistant demo

test: $(BIN)/.installed  ## install, then run the whole test suite
	$(BIN)/ruff check assistant tests benchmarks
	$(BIN)/pytest

lint: $(BIN)/.installed
	$(BIN)/ruff check assistant tests benchmarks
