# Two commands do everything on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint typecheck install install-dev clean

$(VENV)/.installed-base: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed-base

install: $(VENV)/.installed-base
install-dev: $(VENV)/.installed-dev

## run: set up, load the sample report and demo users, serve on http://$(HOST):$(PORT)
run: install
	DJANGO_DEBUG=1 $(PY) manage.py migrate --no-input
	DJANGO_DEBUG=1 $(PY) manage.py demo
	DJANGO_DEBUG=1 $(PY) manage.py runserver $(HOST):$(PORT)

## test: set up with the dev extra and run the whole suite (SQLite unless DATABASE_URL is set),
## in random order (pytest-randomly prints the seed), measuring the coverage of tracker/ and
## peel/: the run fails below the floor in pyproject.toml ([tool.coverage.report] fail_under)
test: install-dev
	$(PY) -m pytest --cov --cov-report=term:skip-covered $(PYTEST_ARGS)

## lint: ruff's rules and format, and the type check (what pre-commit runs, plus mypy)
lint: install-dev typecheck
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

## typecheck: mypy with django-stubs on tracker/ and peel/ ([tool.mypy] in pyproject.toml)
typecheck: install-dev
	$(VENV)/bin/mypy

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-* staticfiles test-artifacts .pytest_cache .coverage .mypy_cache
