PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DEVSTAMP := $(VENV)/.installed-dev

.PHONY: demo test lint format clean browser screenshots bench-console bench-side-by-side fuzz

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

test: $(DEVSTAMP) browser
	$(PY) -m pytest -n auto -q

# The console's browser tests drive the system Chromium (Playwright's own download is not used).
# Install Debian's package when it is missing and we can (root with apt); otherwise they skip, saying why.
browser:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 \
	  || [ -n "$$CCSYNC_CHROMIUM" ] \
	  || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 \
	       && { apt-get install -y -q chromium >/dev/null 2>&1 \
	            || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q chromium >/dev/null 2>&1; }; } \
	       && echo "installed chromium for the console's browser tests"; } \
	  || echo "no chromium and cannot install it here: the console's browser tests will be skipped"

# docs/img/console-*.png: every console blade after ccsync demo-like activity on the default world
screenshots: $(DEVSTAMP) browser
	$(PY) -m ccsync.screenshots docs/img

# how fast each console page answers: default world, then with a 1,000,000-user tenant
bench-console: $(DEVSTAMP)
	$(PY) -m loadtests.bench_console

# ccsync's Graph beside moto's server on this machine, in the same run: one keep-alive client each
# (../shared/bench/side_by_side.py), BENCH_RUNS times, with the load average of each run; figures and
# how to read them in docs/performance.md. moto lives in a throwaway venv under build/, never in ours.
MOTO_VENV := build/moto
SIDE_BY_SIDE ?= ../shared/bench/side_by_side.py
BENCH_N ?= 2000
BENCH_RUNS ?= 3

$(MOTO_VENV)/bin/moto_server:
	$(PYTHON) -m venv $(MOTO_VENV)
	$(MOTO_VENV)/bin/pip install --quiet 'moto[server]'

bench-side-by-side: $(STAMP) $(MOTO_VENV)/bin/moto_server
	@set -e; root=$$(pwd); work=$$(mktemp -d $$root/build/side-by-side.XXXXXX); \
	port=$$($(PY) -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'); \
	$(MOTO_VENV)/bin/moto_server -H 127.0.0.1 -p $$port >$$work/moto.log 2>&1 & moto=$$!; \
	(cd $$work && exec $$root/$(VENV)/bin/ccsync up --port-base 0 --quiet >ccsync.log 2>&1) & sim=$$!; \
	trap 'kill $$moto $$sim 2>/dev/null; wait $$moto $$sim 2>/dev/null; rm -rf $$work' EXIT; \
	for _ in $$(seq 600); do [ -s $$work/.ccsync/endpoints.json ] \
	  && $(PY) -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1])' \
	     http://127.0.0.1:$$port/moto-api/ 2>/dev/null && break; sleep 0.2; done; \
	echo "machine: $$(nproc) CPUs, $$($(PY) -c 'import platform; print(platform.python_implementation(), platform.python_version())')"; \
	for i in $$(seq $(BENCH_RUNS)); do \
	  echo "run $$i, load before: $$(cut -d' ' -f1-3 /proc/loadavg)"; \
	  env -u REQUESTS_CA_BUNDLE -u CURL_CA_BUNDLE $(PY) $(SIDE_BY_SIDE) $$work/.ccsync/endpoints.json http://127.0.0.1:$$port $(BENCH_N); \
	done

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

.PHONY: scenarios scenarios-real-dry-check soak

scenarios: $(DEVSTAMP)
	$(VENV)/bin/ccsync scenarios run scenarios/library -n 2 --junit .ccsync/scenarios-junit.xml

scenarios-real-dry-check: $(DEVSTAMP)
	CCSYNC_REAL_DRY_CHECK=1 $(PY) -m pytest tests/scenarios/test_real_backend.py -q -n 0

soak: $(DEVSTAMP)
	$(VENV)/bin/ccsync scenarios soak --seed 1 --seed 2 --seed 3 --steps 500
