PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DEVSTAMP := $(VENV)/.installed-dev

.PHONY: demo test lint format clean

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

lint: $(DEVSTAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(DEVSTAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf $(VENV) .ccsync .pytest_cache

.PHONY: scenarios scenarios-real-dry-check soak

scenarios: $(DEVSTAMP)
	$(VENV)/bin/ccsync scenarios run scenarios/library -n 2 --junit .ccsync/scenarios-junit.xml

scenarios-real-dry-check: $(DEVSTAMP)
	CCSYNC_REAL_DRY_CHECK=1 $(PY) -m pytest tests/scenarios/test_real_backend.py -q -n 0

soak: $(DEVSTAMP)
	$(VENV)/bin/ccsync scenarios soak --seed 1 --seed 2 --seed 3 --steps 500
