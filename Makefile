# Bình Yên: `make run` and `make test` are all a newcomer needs (Python 3.11 on the PATH).
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed
LOCALES := locales
CATALOGS := $(wildcard $(LOCALES)/*/LC_MESSAGES/messages.po)
COMPILED := $(CATALOGS:.po=.mo)

.PHONY: run test lint bench i18n install clean console reset

run: install
	$(PY) -m bot start

# The terminal chat as one person of the database: make console AS="Nguyễn Văn Hùng"
AS ?= Trần Thị Lan
console: install
	$(PY) -m bot console --as "$(AS)"

# The embedded database emptied and the sample commune loaded afresh.
reset: install
	$(PY) -m bot demo reset

test: install
	$(PY) -m pytest -q

lint: install
	$(BIN)/ruff check bot handlers storage tests benchmarks
	$(BIN)/ruff format --check bot handlers storage tests benchmarks

bench: install
	$(PY) -m benchmarks

install: $(STAMP) $(COMPILED)

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is needed: $(PYTHON) not found"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,postgres]'
	touch $(STAMP)

# Compiled catalogs are build products: never committed, rebuilt when a .po changes.
$(LOCALES)/%/LC_MESSAGES/messages.mo: $(LOCALES)/%/LC_MESSAGES/messages.po $(STAMP)
	$(BIN)/pybabel compile --use-fuzzy -d $(LOCALES) -D messages -l $*

# Extract every marked string, merge into the catalogs, compile.
i18n: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k N_ -k _ -k ngettext:1,2 --no-location --sort-output \
		--project=binhyen --copyright-holder="Bình Yên" -o $(LOCALES)/messages.pot bot handlers storage
	$(BIN)/pybabel update --no-fuzzy-matching --ignore-obsolete -i $(LOCALES)/messages.pot -d $(LOCALES) -D messages
	$(BIN)/pybabel compile -d $(LOCALES) -D messages --statistics

clean:
	rm -rf $(VENV) *.egg-info
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
