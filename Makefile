# infra: the same commands CI pipelines and people run.
# Every target creates and reuses .venv itself; a second run starts in seconds.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STACKS ?= stacks/
OUT    ?= build

.DEFAULT_GOAL := help
.PHONY: help venv demo test lint validate cost catalog clean

help:
	@echo "make demo       validate, catalog summary and cost of the example stacks in $(STACKS)"
	@echo "make test       run the test suite"
	@echo "make lint       ruff (lint + format check) and mypy --strict"
	@echo "make validate   infra validate \$$STACKS"
	@echo "make cost       infra cost \$$STACKS"
	@echo "variables: STACKS=$(STACKS) OUT=$(OUT) PYTHON=$(PYTHON)"

# The stamp is newer than pyproject.toml once the venv holds the package and its dev extras.
$(VENV)/.installed: pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $@

venv: $(VENV)/.installed

demo: venv
	@echo "== infra validate $(STACKS)"
	@$(BIN)/infra validate $(STACKS)
	@echo
	@echo "== infra catalog --gpu H100 (where can we get H100s?)"
	@$(BIN)/infra catalog --gpu H100
	@echo
	@echo "== infra cost $(STACKS)"
	@$(BIN)/infra cost $(STACKS)

validate: venv
	$(BIN)/infra validate $(STACKS)

cost: venv
	$(BIN)/infra cost $(STACKS)

catalog: venv
	$(BIN)/infra catalog

test: venv
	$(BIN)/python -m pytest

lint: venv
	$(BIN)/ruff check infra tests
	$(BIN)/ruff format --check infra tests
	$(BIN)/mypy infra

clean:
	rm -rf $(OUT) .pytest_cache .mypy_cache .ruff_cache
