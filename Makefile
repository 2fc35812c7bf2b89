# The two set-up commands of the README: `make report` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO := build/demo-case.tar.gz

.PHONY: report test lint bench docs clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@ $(VENV)/.installed

$(DEMO): fixtures/demo/make_demo.py $(VENV)/.installed
	rm -rf build/demo && mkdir -p build
	$(BIN)/python fixtures/demo/make_demo.py build/demo
	tar -C build/demo -czf $@ .

report: $(VENV)/.installed $(DEMO)
	$(BIN)/mga analyze $(DEMO) --format html --output report.html

# the package's bytecode written once before the suite: the tests start many `mga` processes (CLI, hostile
# inputs, Dask workers), and where PYTHONDONTWRITEBYTECODE is set each compiled every module it imports again
test: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/python -m compileall -q analyzer parsers mga reports bench > /dev/null
	$(BIN)/python -m pytest -q -n auto --maxprocesses 4 --dist loadfile

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .

bench: $(VENV)/.installed-test
	$(BIN)/python -m bench.run

docs: $(VENV)/.installed
	$(BIN)/mga rules --format markdown > docs/rules.md

clean:
	rm -rf $(VENV) build report.html .pytest_cache
