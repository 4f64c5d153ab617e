# The two set-up commands: `make run` (console bot on SQLite, no token) and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run test clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall when the project's metadata changes; -e keeps content/ and config/ in place.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

run: $(VENV)/.installed
	$(BIN)/interview-bot run

# The whole suite on SQLite, then again with every app on PostgreSQL when one answers on
# 127.0.0.1:5432 (always in CI, where .ci/run starts it).
test: $(VENV)/.installed
	$(BIN)/python -m pytest
	@if [ -n "$$CI" ] || pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then \
		echo "== the suite again on PostgreSQL =="; \
		INTERVIEW_BOT_TEST_DATABASE=postgresql $(BIN)/python -m pytest -q; \
	else \
		echo "== no PostgreSQL on 127.0.0.1:5432: skipped the PostgreSQL pass =="; \
	fi

clean:
	rm -rf $(VENV) .pytest_cache data
