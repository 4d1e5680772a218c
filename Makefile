# Two commands: `make demo` and `make test`. Both create .venv when it is missing
# or when pyproject.toml changed, and install the package with its test extras.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck unit browser bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@# compile the numba kernels into their cache now, not in a user's first large fit
	$(BIN)/python -c "from sigmoid_neuron.objective.kernels import warm_up_compiled; warm_up_compiled()"
	@# bytecode for every module now, as pip does for an installed package (an editable
	@# install does not, and PYTHONDONTWRITEBYTECODE would make every process recompile)
	$(BIN)/python -m compileall -q src
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/sigmoid-neuron demo --out demo-output

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP) browser
	$(BIN)/python -m pytest

# Headless Chromium drives the explorer page in tests/explorer. Debian's `chromium`
# package is installed only when it is missing and we are root with apt-get (as in CI);
# otherwise the browser tests skip and say why (they fail instead when CI is set).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "make browser: installing Debian's chromium for the explorer's browser tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	  else \
	    echo "make browser: chromium is missing (not root with apt-get): the explorer's browser tests will skip"; \
	  fi; }

test: browser lint typecheck unit

bench: $(STAMP)
	$(BIN)/python -m compileall -q src
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) demo-output .pytest_cache .mypy_cache .ruff_cache
