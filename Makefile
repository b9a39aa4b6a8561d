# ECD platform. `make run` runs the platform, `make test` runs the tests; both install what they need.
SERVICES := registry health education protection reporting
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install run demo test test-unit test-integration test-contract test-e2e fuzz lint broker bench k8s clean \
	dead-letters notes-key access load migrate migration

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' || { \
		echo "Python 3.11 is required; $(PYTHON) is $$($(PYTHON) --version 2>&1). Run: make PYTHON=python3.11 ..."; \
		exit 2; }
	@$(PY) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null || rm -rf $(VENV)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

run: install
	$(PY) -m tools.run_platform

demo: install
	$(PY) -m tools.demo

test: install
	bash tools/chromium.sh
	bash tools/prometheus.sh
	$(PY) -m pytest -q -rs

test-unit: install
	$(PY) -m pytest -q tests/unit

test-integration: install
	$(PY) -m pytest -q tests/integration

test-contract: install
	$(PY) -m pytest -q tests/contract

fuzz: install  # every RPC with FUZZ_EXAMPLES (default 1,000) hostile inputs each, with statistics
	FUZZ_EXAMPLES=$(or $(FUZZ_EXAMPLES),1000) $(PY) -m pytest -q tests/integration/test_hostile_input.py \
		tests/integration/test_hostile_education.py tests/integration/test_hostile_protection.py --hypothesis-show-statistics

test-e2e: install
	$(PY) -m pytest -q tests/e2e

lint: install
	$(VENV)/bin/ruff check .

broker:
	bash tools/broker.sh

bench: install  # BENCH_CONFIGS=sqlite,postgresql; every knob and bound: bench/settings.py; figures: var/bench.json
	$(PY) -m bench.run

dead-letters: install  # make dead-letters ACTION=replay SERVICE=reporting
	$(PY) -m tools.dead_letters $(or $(ACTION),list) --service $(or $(SERVICE),reporting)

load: install  # make load FILE="registry.register_birth.csv more.jsonl" ARGS="--batch 200" (--help)
	$(PY) -m tools.load $(FILE) $(ARGS)

notes-key: install  # make notes-key ACTION=new (a new key first), then ACTION=reencrypt (notes rewritten)
	$(PY) -m tools.notes_key $(or $(ACTION),new)

access: install  # make access ACTION="system add his --sector health"; default: broker apply
	$(PY) -m tools.access $(or $(ACTION),broker apply)

migrate: install  # every service's database (or SERVICE=registry) to its newest revision, as make run does
	$(PY) -m shared.plumbing.migrate $(or $(SERVICE),$(SERVICES))

migration: install  # make migration SERVICE=registry MESSAGE="children gain a nickname": the next revision
	@test -n "$(SERVICE)" -a -n "$(MESSAGE)" || { echo 'make migration SERVICE=<service> MESSAGE="..."'; exit 2; }
	$(PY) -m shared.plumbing.migrate --new-revision "$(MESSAGE)" $(SERVICE)
	$(VENV)/bin/ruff format -q services/$(SERVICE)/migrations/versions

k8s: install  # renders both overlays with the virtualenv's kubectl (validated by tests/unit/test_k8s_manifests.py)
	for overlay in dev prod; do \
		$(VENV)/bin/kubectl kustomize deploy/k8s/overlays/$$overlay > /dev/null || exit 1; \
		echo "deploy/k8s/overlays/$$overlay renders"; done

clean:  # the SQLite files of make run, and the virtualenv (make run/test rebuild it)
	rm -rf var .pytest_cache .hypothesis .venv
