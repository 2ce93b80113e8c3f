# Two commands on a fresh machine: `make run` (the whole series, headless, local backend)
# and `make test`. Every target bootstraps the virtual environment it needs.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export TQDM_DISABLE ?= 1
# a room without internet: `make wheelhouse` once where there is a connection, copy the folder
# along, and `make setup` installs from it alone
WHEELHOUSE ?= wheelhouse
OFFLINE := $(if $(wildcard $(WHEELHOUSE)/*.whl),--no-index --find-links $(WHEELHOUSE),)

.PHONY: setup browser wheelhouse run test lint unit notebooks nbval lab book storefront bench clean

setup: $(STAMP) $(VENV)/.browser ## the environment: venv, packages, the python3 kernel, a headless Chromium

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	@echo "setting up $(VENV): packages$(if $(OFFLINE), from $(WHEELHOUSE)/,) and the python3 kernel (about a minute)"
	@$(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install --quiet --upgrade $(OFFLINE) pip
	@$(PY) -m pip install --quiet $(OFFLINE) -r requirements-dev.txt -e .
	@$(PY) -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (recsys)" >/dev/null
	@touch $@

# a headless Chromium for notebook 07's screenshots and the browser tests (helpers/browser.py):
# one already installed (or named by RECSYS_CHROMIUM), else Playwright's download, else Debian's
# package; RECSYS_BROWSER_INSTALL=no installs nothing. Without one, both do without it.
$(VENV)/.browser: $(STAMP)
	@$(PY) -m helpers.browser
	@touch $@

browser: $(STAMP) ## look for a headless Chromium again, and install one where none is found
	@$(PY) -m helpers.browser

wheelhouse: ## download every package setup installs into $(WHEELHOUSE)/, for rooms with no internet
	$(PYTHON) -m pip download --quiet --dest $(WHEELHOUSE) pip "setuptools>=68" -r requirements-dev.txt

run: setup ## execute the series in order, in place, at full scale on a fresh local state
	@$(PY) -m helpers.series

test: lint unit notebooks nbval ## ruff, unit + contract tests, the series at small scale, nbval

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

unit: setup
	$(PY) -m pytest tests --ignore=tests/notebooks -q

notebooks: setup
	$(PY) -m pytest tests/notebooks -q

nbval: setup ## re-run the committed notebooks on a fresh state and compare checked outputs
	tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	RECSYS_STATE_DIR=$$tmp/state RECSYS_DATA_DIR=$$tmp/data RECSYS_BACKEND=local \
	$(PY) -m pytest --nbval-lax --nbval-cell-timeout=600 notebooks -q -p no:cacheprovider

lab: setup ## open JupyterLab on the notebooks
	$(VENV)/bin/jupyter lab --notebook-dir=notebooks

book: setup ## the committed, executed notebooks as a static HTML book: build/book/index.html
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --quiet

storefront: setup ## serve the shop on 127.0.0.1:$${PORT:-8000} (HOST to bind elsewhere)
	$(PY) -m helpers.storefront

bench: setup ## the benchmarks, recorded in bench/RESULTS.md and bench/results/ (BENCH_QUICK=1: a small check run)
	$(PY) -m pip install --quiet --no-deps recbole==1.2.1  # only for the MovieLens file its wheel ships
	$(PY) -m pip install --quiet implicit==0.7.3  # ALS and BPR peers of the MovieLens benchmark
	$(PY) -m bench

clean: ## remove generated data and local state (keeps the venv)
	find data -mindepth 1 -maxdepth 1 ! -name README.md ! -name fixtures -exec rm -rf {} +
