# Local entry points. Both work on a fresh clone with only Python 3.11 and PyPI:
#   make demo   ingest the bundled samples/ into data/ and print a query result
#   make test   run the test suite (PostgreSQL tests need GONGKAI_TEST_POSTGRES_URL; see .ci/run)

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
# Reinstall when the declared dependencies change, not on every run.
STAMP  := $(VENV)/.gongkai-installed

.PHONY: install demo test clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/gongkai demo

test: install
	$(BIN)/python -m pytest -n 2 --dist loadfile

clean:
	rm -rf data .pytest_cache
