# Two commands on a fresh machine:  `make demo`  and  `make test`.
# Both create the virtual environment (.venv) on first use from the pinned requirements.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test test-fast build validate benchmark fonts

# rfc3987-syntax (pulled in by jupyter-events) is uninstalled: jsonschema imports it when present,
# which builds about twenty Lark parsers, 1.5-3.5 s in every process that imports nbformat (each
# kernel, each grading and nbgrader run). Nothing here validates IRIs.
$(VENV)/.installed: requirements.txt requirements-course.txt requirements-test.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-test.txt -e .
	$(BIN)/python -m pip uninstall --quiet --yes rfc3987-syntax
	touch $@

demo: $(VENV)/.installed
	$(BIN)/cnnkit demo

# The whole suite in two passes: everything that can share the cores on both of them (pytest-xdist),
# then the `serial` tests one at a time (grading batches with time limits, servers, browsers).
test: $(VENV)/.installed
	$(BIN)/python -m pytest -m "not serial" -n 2
	$(BIN)/python -m pytest -m serial

# The edit loop: every test that needs no sandboxed kernel, no grading batch and no browser.
test-fast: $(VENV)/.installed
	$(BIN)/python -m pytest -m "not slow" -n 2

build: $(VENV)/.installed
	$(BIN)/cnnkit build

# The handwriting fonts a6's line reader trains on (cnnkit.font_lines), pinned in
# deploy/fonts/package.json: npm's @fontsource packages of Google Fonts, into build/fonts.
# Only a build that retrains line_reader.keras needs them.
fonts:
	mkdir -p build/fonts
	cp deploy/fonts/package.json build/fonts/package.json
	npm install --silent --no-audit --no-fund --prefix build/fonts

validate: $(VENV)/.installed
	$(BIN)/cnnkit validate
