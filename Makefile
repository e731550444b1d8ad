# Every target creates .venv when missing and refreshes it when pyproject.toml changed.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint i18n format run bench clean chromium

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,postgres]'
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/outagebot demo

# Three workers on two cores: the suite waits on subprocesses and loopback servers as much as
# it computes (measured: 176 s with -n 2, 157 s with -n 3, 161 s with -n 4).
test: $(STAMP) lint i18n chromium
	$(BIN)/python -m pytest -n 3

# The status page's browser test drives Debian's headless Chromium; installed where missing.
chromium:
	@command -v chromium >/dev/null || { apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

# Re-extract the gettext template, merge it into bot/locale/*/LC_MESSAGES/messages.po and fail
# on any message missing, fuzzy or untranslated (see bot/i18n/check.py).
i18n: $(STAMP)
	$(BIN)/pybabel -q extract -F babel.cfg --omit-header --no-location --sort-output \
		-o bot/locale/messages.pot .
	$(BIN)/python -m bot.i18n.check

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

run: $(STAMP)
	$(BIN)/outagebot run

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) demo-output .pytest_cache
