# Two commands set everything up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint serve bench resilience clean

$(STAMP): requirements.txt
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $(STAMP)

# Try it out: SQLite, local files, demo data, http://127.0.0.1:8000
demo: $(STAMP)
	DJANGO_DEBUG=1 $(BIN)/python manage.py migrate --no-input
	DJANGO_DEBUG=1 $(BIN)/python manage.py seed_demo --reset
	DJANGO_DEBUG=1 $(BIN)/python manage.py runserver 127.0.0.1:8000

# The whole suite. Runs on PostgreSQL when DATABASE_URL is set, else SQLite.
test: $(STAMP)
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Production settings locally: gunicorn, whatever DATABASE_URL / REDIS_URL / S3 say.
serve: $(STAMP)
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py collectstatic --no-input --verbosity 0
	$(BIN)/gunicorn smpfinder.wsgi -c smpfinder/gunicorn.conf.py

clean:
	rm -rf $(VENV) staticfiles test-artifacts

# Benchmarks at 100k practitioners (databases `bench` and `bench10k`; see bench/README.md).
bench: $(STAMP)
	$(BIN)/python bench/run.py bench

# Load, reloads, PostgreSQL restart, hostile uploads, faults; exits non-zero on any failure.
resilience: $(STAMP)
	$(BIN)/python bench/run.py resilience
