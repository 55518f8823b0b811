# jixiao — the two commands a newcomer needs are `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
TEST_HOME := $(CURDIR)/build/test-home
POSTGRES_URL ?= postgresql://postgres@127.0.0.1:5432/test
STAMP := $(VENV)/.installed

.PHONY: messages demo evaluate test lint typecheck contracts bench lock clean system-deps screenshots

# Debian packages: LibreOffice for PDF reports, CJK fonts, the PDF tools the tests use, and
# chromium for the browser tests.
SYSTEM_PACKAGES := libreoffice-writer fonts-noto-cjk fonts-arphic-ukai poppler-utils chromium

$(STAMP): requirements/dev.lock pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit("jixiao 需要 Python 3.11 或更高版本") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements/dev.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

## Set up, load the reference department and the demo accounts, and serve the web application
## on http://127.0.0.1:8000 (SQLite in $$JIXIAO_HOME, by default ~/.local/share/jixiao).
demo: $(STAMP)
	$(BIN)/jixiao demo

## Set up, then evaluate the reference department and print its score tree.
evaluate: $(STAMP)
	$(BIN)/jixiao evaluate examples/guangzhou-commerce-2023

## Set up, then run every check CI runs: the whole suite on SQLite, then the web tests again on
## PostgreSQL where a server answers at POSTGRES_URL (CI must have one) — but for those that run
## jixiao on a SQLite database of their own in child processes (marked own_sqlite).
test: $(STAMP) lint typecheck contracts
	JIXIAO_HOME=$(TEST_HOME) $(BIN)/python -m pytest -q
	@if $(BIN)/python -c "import psycopg; psycopg.connect('$(POSTGRES_URL)', connect_timeout=3).close()" \
		2>/dev/null; then \
		echo "PostgreSQL（$(POSTGRES_URL)）：再运行一遍 Web 测试"; \
		JIXIAO_HOME=$(TEST_HOME) DATABASE_URL=$(POSTGRES_URL) $(BIN)/python -m pytest -q -m "not own_sqlite" tests/web; \
	elif [ -n "$$CI" ]; then \
		echo "CI 中 PostgreSQL 不可达：$(POSTGRES_URL)"; exit 1; \
	else \
		echo "跳过 PostgreSQL 上的 Web 测试：$(POSTGRES_URL) 不可达"; \
	fi

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

typecheck: $(STAMP)
	JIXIAO_HOME=$(TEST_HOME) $(BIN)/mypy

contracts: $(STAMP)
	$(BIN)/lint-imports

## Install the Debian packages PDF reports need (as root; CI runs this before the tests).
system-deps:
	@if command -v soffice >/dev/null && command -v pdftoppm >/dev/null && command -v chromium >/dev/null \
		&& fc-list | grep -q "Noto Sans CJK" && fc-list | grep -q "UKai"; then \
		echo "系统依赖已安装：$(SYSTEM_PACKAGES)"; \
	elif [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			--no-install-recommends $(SYSTEM_PACKAGES); \
	else \
		echo "请以 root 身份运行 make system-deps，或执行：sudo apt-get install $(SYSTEM_PACKAGES)"; \
		exit 1; \
	fi

## Refresh the English catalogue after changing a page (needs Debian's gettext).
messages: $(STAMP)
	cd src/jixiao/web && JIXIAO_HOME=$(TEST_HOME) DJANGO_SETTINGS_MODULE=jixiao.web.settings \
		../../../$(BIN)/python -m django makemessages -l en --no-location --no-obsolete
	cd src/jixiao/web && JIXIAO_HOME=$(TEST_HOME) DJANGO_SETTINGS_MODULE=jixiao.web.settings \
		../../../$(BIN)/python -m django compilemessages

## Refresh the screenshots under docs/images from the browser tests.
screenshots: $(STAMP)
	JIXIAO_HOME=$(TEST_HOME) JIXIAO_SCREENSHOTS=1 $(BIN)/python -m pytest -q tests/web/test_browser.py \
		tests/web/test_bureau_browser.py

## Benchmarks print ratios against a baseline measured in the same run.
bench: $(STAMP)
	$(BIN)/python benchmarks/evaluate_departments.py
	$(BIN)/python benchmarks/ledger_aggregation.py
	$(BIN)/python benchmarks/report_generation.py
	$(BIN)/python benchmarks/monitoring_months.py

## Re-resolve the locked dependencies (needs network access to the package index).
lock:
	$(PYTHON) -m pip install --quiet uv
	$(PYTHON) -m uv pip compile pyproject.toml --extra dev --generate-hashes --python-version 3.11 --universal -o requirements/dev.lock

clean:
	rm -rf $(VENV) build src/*.egg-info .pytest_cache .mypy_cache .ruff_cache .hypothesis
