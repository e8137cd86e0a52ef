# Two commands on a fresh machine:  `make demo`  and  `make test`.
# Both create the virtual environment (.venv) on first use from the pinned requirements.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test build validate benchmark

$(VENV)/.installed: requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt -e .
	touch $@

demo: $(VENV)/.installed
	$(BIN)/cnnkit demo

test: $(VENV)/.installed
	$(BIN)/python -m pytest

build: $(VENV)/.installed
	$(BIN)/cnnkit build

validate: $(VENV)/.installed
	$(BIN)/cnnkit validate
