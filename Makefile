# Two commands do all the set-up on a fresh machine with Python 3.11:
#   make run   — virtual environment, install, translations, migrations, then the bot
#   make test  — the same set-up, then linters, types and the whole test suite
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
CATALOGS := $(wildcard locales/*/LC_MESSAGES/messages.po)
COMPILED := $(CATALOGS:.po=.mo)
SOURCES := bot handlers storage
# pytest-xdist workers for `make test`: two per core, or a number. Much of the suite waits
# (bot processes starting, the stand-in's long polls, worker processes), so two per core kept
# both cores busy: 178 s against 249 s at one per core, on 2 cores (docs/testing.md).
TEST_WORKERS ?= $(shell echo $$(( 2 * $$(nproc) )))

.PHONY: install locales run test screens-check lint check extract-messages update-messages clean bench screens

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $@

install: $(STAMP)

locales/%/LC_MESSAGES/messages.mo: locales/%/LC_MESSAGES/messages.po $(STAMP)
	$(BIN)/pybabel compile --use-fuzzy -d locales -D messages -l $* -i $< -o $@

locales: $(COMPILED)

run: install locales
	@$(BIN)/python -m bot run

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy $(SOURCES) tests bench

# The whole suite, the journeys (tests/journeys: every screen compared with docs/screens/) too.
# A transcript no journey writes fails tests/journeys/test_transcripts_listed.py; syrupy's own
# count of unused snapshots only warns: in whole-suite runs it counts docs/screens/README.md,
# the transcripts' guide, as an "unknown snapshot collection".
test: install locales lint
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist worksteal --snapshot-warn-unused --snapshot-details

# The journeys alone: their transcripts compared with docs/screens/.
screens-check: install locales
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist worksteal -p no:randomly tests/journeys

# The journeys' transcripts (docs/screens/) written again from the bot as it is now: after a change
# to what people see, run it, read `git diff docs/screens` and commit the transcripts with the change.
screens: install locales
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist worksteal -p no:randomly tests/journeys --snapshot-update

# Translators' workflow: extract the English message ids, then merge them into each catalogue.
extract-messages: install
	$(BIN)/pybabel extract -F babel.cfg -k _ -k __ -k ngettext:1,2 --no-location --sort-output \
		-o locales/messages.pot $(SOURCES)

update-messages: extract-messages
	$(BIN)/pybabel update -d locales -D messages -i locales/messages.pot --no-fuzzy-matching

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
	find locales -name '*.mo' -delete
