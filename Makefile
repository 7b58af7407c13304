PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DEVSTAMP := $(VENV)/.installed-dev

.PHONY: demo test lint format clean fuzz

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e .
	touch $@

$(DEVSTAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@ $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/ccsync demo

test: $(DEVSTAMP)
	$(PY) -m pytest -n auto -q

# The long fuzz run before a release (minutes): >= 20,000 generated requests; figures in docs/reliability.md.
fuzz: $(DEVSTAMP)
	CCSYNC_FUZZ_EXAMPLES=17000 CCSYNC_FUZZ_REPORT=.ccsync/fuzz-report.json $(PY) -m pytest tests/simulator/test_fuzz.py -n 0 -q
	cat .ccsync/fuzz-report.json

lint: $(DEVSTAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(DEVSTAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf $(VENV) .ccsync .pytest_cache
