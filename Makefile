# Two commands: `make run` (the dashboard, all-in-one) and `make test` (the whole suite).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# Boundaries are read from the shared data folder beside the clone when it exists; never copied into the repository.
export CITYOPS_COMMUNES_PATH ?= $(wildcard ../shared/data/toulouse-metropole-communes.geojson)
export CITYOPS_QUARTIERS_PATH ?= $(wildcard ../shared/data/toulouse-quartiers.geojson)

.PHONY: run test lint system-deps audit lock clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

# requirements.lock pins every package (constraints): installs are the same everywhere and `make audit` checks them.
$(VENV)/.installed: pyproject.toml requirements.lock | $(PY)
	$(PY) -m pip install -q -c requirements.lock -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml requirements.lock $(VENV)/.installed
	$(PY) -m pip install -q -c requirements.lock -e '.[test]'
	@touch $@

## run: start the dashboard on http://127.0.0.1:8050 (in-process Redis stand-in and demo feeds unless configured)
run: $(VENV)/.installed
	$(PY) app.py

## system-deps: make sure Chromium, redis-server, redis-sentinel, redis-cli, nginx and docker-compose exist (installs them with apt when run as root)
system-deps:
	@missing=""; \
	command -v redis-server >/dev/null 2>&1 || missing="$$missing redis-server"; \
	command -v redis-sentinel >/dev/null 2>&1 || missing="$$missing redis-sentinel"; \
	command -v redis-cli >/dev/null 2>&1 || missing="$$missing redis-tools"; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	command -v nginx >/dev/null 2>&1 || missing="$$missing nginx"; \
	command -v docker-compose >/dev/null 2>&1 || missing="$$missing docker-compose"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "missing:$$missing — install them (Debian: apt-get install$$missing) and run again" >&2; exit 1; \
	  fi; \
	fi

## lint: ruff and the import-direction contracts
lint: $(VENV)/.installed-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

## test: lint, then the whole suite against a real redis-server and a real Chromium
test: $(VENV)/.installed-test system-deps lint
	$(VENV)/bin/pytest

## audit: check the locked packages against known vulnerabilities (pip-audit; needs the package index's advisory data)
audit: | $(PY)
	$(PY) -m pip install -q pip-audit
	$(VENV)/bin/pip-audit --strict --disable-pip --no-deps -r requirements.lock

## lock: pin what pyproject.toml now resolves to (after changing a dependency), for review in the diff
lock: | $(PY)
	rm -rf $(VENV)/.lock && $(PYTHON) -m venv $(VENV)/.lock
	$(VENV)/.lock/bin/python -m pip install -q -e '.[test]'
	{ echo "# Every package the dashboard and its tests install, pinned (make lock writes it; make audit checks it)."; \
	  $(VENV)/.lock/bin/python -m pip freeze --exclude-editable | grep -v '^-e' | LC_ALL=C sort -f; } > requirements.lock
	rm -rf $(VENV)/.lock

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info
