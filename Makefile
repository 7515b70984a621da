# The two commands of the README: `make repro` and `make test`. Both set up .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
export PATH := $(CURDIR)/$(BIN):$(PATH)
export DVC_NO_ANALYTICS := true
export HF_HUB_OFFLINE := 1
export HF_DATASETS_OFFLINE := 1

.PHONY: repro test install lock clean

install: $(STAMP)

# torch is installed alone first, pinned to the CPU build on this machine's disk, so no
# later requirement can pull the multi-GB CUDA build. constraints.txt pins everything.
$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt torch
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev,ray]'
	touch $(STAMP)

repro: $(STAMP)
	$(BIN)/twcorpus sources --check
	$(BIN)/dvc repro

# Lint, format and types first (seconds), then the tests on both cores.
test: $(STAMP)
	$(BIN)/ruff check pipeline tests benchmarks
	$(BIN)/ruff format --check pipeline tests benchmarks
	$(BIN)/mypy
	$(BIN)/python -m pytest -n 2 --dist loadfile

# Refresh constraints.txt from the current .venv after changing pyproject.toml.
lock: $(STAMP)
	$(BIN)/python -m pip freeze --exclude-editable --exclude tw-corpus | grep -v '^-e ' > constraints.txt

clean:
	rm -rf data/interim data/publish data/rejects data/metrics
