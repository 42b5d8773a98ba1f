# Two set-up commands: `make demo` and `make test` each build the virtual environment first.
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin

.PHONY: demo test lint release clean

$(BIN)/autograder: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[dev]"
	touch $@

demo: $(BIN)/autograder
	$(BIN)/autograder demo

test: $(BIN)/autograder
	$(BIN)/python -m pytest -q

lint: $(BIN)/autograder
	$(BIN)/ruff check .

release: $(BIN)/autograder
	$(BIN)/autograder release

clean:
	rm -rf $(VENV) demo-course gradebook.db
