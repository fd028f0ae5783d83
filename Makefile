# Set-up and entry points. `make demo` and `make test` work on a fresh machine with no network
# beyond the package registries; benchmark data is read from $(PASSK_DATA_DIR).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
CORES ?= 2
# Local benchmark files (the staged copies beside this checkout unless set).
PASSK_DATA_DIR ?= $(abspath $(CURDIR)/../shared/data)
export PASSK_DATA_DIR

.PHONY: install install-slurm demo test test-all lint dryrun clean-demo

install: $(VENV)/.installed ## create .venv with passk, snakemake and the CPU stack

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# The CPU build of torch first: an unpinned torch would pull a multi-GB CUDA build.
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@command -v bwrap >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap; \
	  else echo "note: bubblewrap (bwrap) is not installed; code verification needs it (apt-get install bubblewrap) or sandbox.backend: process"; fi; }
	touch $@

install-slurm: install ## add the SLURM executor plugin
	$(BIN)/python -m pip install --quiet "snakemake-executor-plugin-slurm>=2.8,<3"  # profiles/slurm is checked against 2.8

demo: install ## the smoke workflow end to end on the CPU (offline), then where the figures are
	$(BIN)/snakemake --configfile config/smoke.yaml --cores $(CORES)
	@echo
	@echo "Figures: $(CURDIR)/results/figures/"
	@ls -1 results/figures/*.png results/tables/*.md 2>/dev/null | sed 's/^/  /'

test: install ## unit, sandbox and end-to-end workflow tests (not the long measurements)
	$(BIN)/python -m pytest -m "not slow" -q --durations=20

test-all: install ## every test, including the long ones marked slow
	$(BIN)/python -m pytest -q

lint: install ## snakemake's linter and dry runs of both configs
	$(BIN)/snakemake --lint
	$(BIN)/snakemake -n --quiet
	$(BIN)/snakemake -n --quiet --configfile config/smoke.yaml

clean-demo: ## remove the smoke run's results
	rm -rf results logs .snakemake resources/models/tiny-*
