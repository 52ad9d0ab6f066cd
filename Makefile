# infra: the same commands CI pipelines and people run.
# Every target creates and reuses .venv itself; a second run starts in seconds.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STACKS ?= stacks/
OUT    ?= build
J      ?= 4
# Extra flags for plan, apply, destroy, drift and ci-matrix: ARGS="--changed", ARGS="--since
# origin/main", ARGS="--endpoint aws=http://127.0.0.1:5000", ARGS="--format gitlab".
ARGS   ?=
# One root (terraform/<stack>/<root>) for plan, apply, destroy and drift: a CI matrix job's.
ROOT   ?=

# checkov pins its own boto3, so it lives in a virtual environment of its own.
CHECKOV_VENV := .tools/checkov
CHECKOV_VERSION := 3.3.30
# A local Terraform provider mirror, if this machine has one (a directory holding
# registry.terraform.io/hashicorp/aws); tests that need it skip with the reason otherwise.
INFRA_TF_PLUGIN_DIR ?= $(shell for d in "$$HOME/.terraform.d/plugins" /usr/local/share/terraform/plugins /usr/share/terraform/plugins /opt/*; do \
	  [ -d "$$d/registry.terraform.io/hashicorp/aws" ] && { echo "$$d"; break; }; done 2>/dev/null)
export INFRA_TF_PLUGIN_DIR

.DEFAULT_GOAL := help
.PHONY: help venv checkov demo test lint docs validate render dr-check cost catalog schemas golden pulumi-preview clean \
	plan apply destroy drift ci-matrix bench drill chromium

help:
	@echo "make demo       validate, catalog, cost, DR check and render of the example stacks in $(STACKS)"
	@echo "make test       run the test suite"
	@echo "make lint       ruff (lint + format check), mypy --strict, import layers, module docs"
	@echo "make validate   infra validate \$$STACKS"
	@echo "make render     infra render \$$STACKS -o \$$OUT"
	@echo "make dr-check   infra dr check \$$STACKS"
	@echo "make plan       infra plan -o \$$OUT -j \$$J \$$ARGS, on the render in \$$OUT (make render first)"
	@echo "make apply      infra apply -o \$$OUT -j \$$J \$$ARGS: the saved plans, in order"
	@echo "make destroy    infra destroy -o \$$OUT -j \$$J \$$ARGS, in reverse order"
	@echo "make drift      infra drift -o \$$OUT -j \$$J \$$ARGS: which roots differ from their code"
	@echo "               ROOT=terraform/<stack>/<root>: plan, apply, destroy or drift that root only (--root)"
	@echo "make ci-matrix  infra ci matrix -o \$$OUT \$$ARGS: the roots to plan as a CI job matrix (JSON)"
	@echo "make drill FAIL=<outage> [STACK_FILE=stacks/llm_train.py] [ARGS=--execute ...]  infra drill (dry run unless --execute)"
	@echo "make bench      the benchmarks in bench/: render vs floor vs cdktn, dr check, runner (see bench/README.md)"
	@echo "make golden     regenerate the golden renders under tests/golden (review the diff)"
	@echo "make schemas    re-extract provider schemas into tests/schemas (needs the npm and PyPI registries)"
	@echo "make docs       regenerate the inputs tables of modules/*/README.md"
	@echo "make pulumi-preview STACK=<name>  pulumi preview of a rendered stack (needs the Pulumi CLI)"
	@echo "make cost       infra cost \$$STACKS"
	@echo "variables: STACKS=$(STACKS) OUT=$(OUT) J=$(J) ARGS=$(ARGS) ROOT=$(ROOT) PYTHON=$(PYTHON)"

# The stamp is newer than pyproject.toml once the venv holds the package and its dev extras.
$(VENV)/.installed: pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev,pulumi]'
	@touch $@

venv: $(VENV)/.installed

$(CHECKOV_VENV)/.installed:
	@test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet --disable-pip-version-check checkov==$(CHECKOV_VERSION)
	@touch $@

checkov: $(CHECKOV_VENV)/.installed

demo: venv
	@echo "== infra validate $(STACKS)"
	@$(BIN)/infra validate $(STACKS)
	@echo
	@echo "== infra catalog --gpu H100 (where can we get H100s?)"
	@$(BIN)/infra catalog --gpu H100
	@echo
	@echo "== infra cost $(STACKS)"
	@$(BIN)/infra cost $(STACKS)
	@echo
	@echo "== infra dr check $(STACKS) (is every region outage survivable with the GPUs we hold?)"
	@$(BIN)/infra dr check $(STACKS)
	@echo
	@echo "== infra render $(STACKS) -o $(OUT)"
	@$(BIN)/infra render $(STACKS) -o $(OUT)
	@echo
	@echo "== a DR drill on local endpoints: Azure eastus lost, its work moves to AWS (tools/drill_demo.py)"
	@$(BIN)/python -m tools.drill_demo --out $(OUT)

validate: venv
	$(BIN)/infra validate $(STACKS)

render: venv
	$(BIN)/infra render $(STACKS) -o $(OUT)

# Terraform over an existing render (make render OUT=... first; nothing is re-rendered here).
# ROOT= runs one root (--root), as a CI matrix job does.
plan apply destroy drift: venv
	$(BIN)/infra $@ -o $(OUT) -j $(J) $(if $(ROOT),--root $(ROOT)) $(ARGS)

# Only the matrix on stdout (make -s ci-matrix): for $$GITHUB_OUTPUT or a GitLab child pipeline.
ci-matrix: venv
	@$(BIN)/infra ci matrix -o $(OUT) $(ARGS)

dr-check: venv
	$(BIN)/infra dr check $(STACKS)

# A drill of one outage: make drill FAIL=azure:eastus [STACK_FILE=...] [ARGS="--execute --endpoint aws=URL"].
STACK_FILE ?= stacks/llm_train.py
FAIL  ?=
drill: venv
	@test -n "$(FAIL)" || { echo "usage: make drill FAIL=<cluster | CLOUD:REGION | CLOUD> [STACK_FILE=$(STACK_FILE)] [ARGS=--execute ...]" >&2; exit 2; }
	$(BIN)/infra drill $(STACK_FILE) --fail $(FAIL) $(ARGS)

# Headless Chromium (Debian's package) for the drill report's screenshot test; the test skips
# with the reason where it cannot be installed.
chromium:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-headless-shell >/dev/null 2>&1 || \
	  command -v google-chrome >/dev/null 2>&1 || \
	  { if [ "$$(id -u)" = 0 ]; then apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null; \
	    else echo "no Chromium: run 'apt-get install -y chromium' as root (the screenshot test skips)"; fi; }

cost: venv
	$(BIN)/infra cost $(STACKS)

catalog: venv
	$(BIN)/infra catalog

test: venv checkov chromium
	INFRA_CHECKOV=$(CURDIR)/$(CHECKOV_VENV)/bin/checkov $(BIN)/python -m pytest

# Preview a rendered Pulumi project with your Pulumi CLI, on this repository's venv.
pulumi-preview: render
	@test -n "$(STACK)" || { echo "usage: make pulumi-preview STACK=<stack name> [OUT=$(OUT)]" >&2; exit 2; }
	@test -f "$(OUT)/pulumi/$(STACK)/Pulumi.yaml" || { echo "pulumi-preview: no Pulumi project $(OUT)/pulumi/$(STACK) (rendered: $$(ls $(OUT)/pulumi 2>/dev/null | tr '\n' ' '))" >&2; exit 2; }
	@command -v pulumi >/dev/null 2>&1 || { echo "pulumi-preview: the Pulumi CLI is not on PATH. Install it, run 'pulumi login', then run this again. The project is ready in $(OUT)/pulumi/$(STACK)." >&2; exit 1; }
	cd "$(OUT)/pulumi/$(STACK)" && \
	  env=$$(ls Pulumi.*.yaml | sed -n 's/^Pulumi\.\(.*\)\.yaml$$/\1/p' | head -n 1) && \
	  PATH="$(CURDIR)/$(BIN):$$PATH" pulumi stack select --create "$$env" && \
	  PATH="$(CURDIR)/$(BIN):$$PATH" pulumi preview --stack "$$env"

golden: venv
	$(BIN)/python -m tools.update_golden

# aws and azurerm from npm, then kubernetes and helm (with their provider blocks) from PyPI;
# the types kept are those modules/ and the rendered roots in tests/golden/render use.
# alicloud needs a git mirror: python -m tools.extract_alicloud_schema --git-dir DIR.
schemas: venv
	$(BIN)/python -m tools.extract_schemas
	$(BIN)/python -m tools.extract_kubernetes_schema

lint: venv
	$(BIN)/ruff check infra tests tools
	$(BIN)/ruff format --check infra tests tools
	$(BIN)/mypy infra
	$(BIN)/lint-imports
	$(BIN)/python tools/module_docs.py --check

docs: venv
	$(BIN)/python tools/module_docs.py

clean:
	rm -rf $(OUT) .pytest_cache .mypy_cache .ruff_cache

# Benchmarks print their numbers and PASS or MISS (MET or MISSED) against a goal; a miss does not
# fail. bench_all.py (issue 16) writes bench/results/<date>.json and .svg; cdktn gets a venv of
# its own (bench/.venv-cdktn, needs Node.js) and is skipped with the reason when it cannot install.
CDKTN_VENV := bench/.venv-cdktn
$(CDKTN_VENV)/.installed: bench/requirements-cdktn.txt
	@command -v node >/dev/null 2>&1 || { echo "bench: no Node.js on PATH: cdktn (jsii) is skipped"; exit 0; }; \
	  { test -x $(CDKTN_VENV)/bin/python || $(PYTHON) -m venv $(CDKTN_VENV); } && \
	  $(CDKTN_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r bench/requirements-cdktn.txt && \
	  touch $@ || echo "bench: cdktn did not install: it is skipped"

bench: venv $(CDKTN_VENV)/.installed
	$(BIN)/python bench/bench_all.py
	$(BIN)/python bench/bench_plan_parallel.py
	$(BIN)/python bench/bench_changed.py
	$(BIN)/python bench/bench_drill.py
