# Thin targets over scripts/; CI runs the same scripts.
.PHONY: help run test lint bench clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

run:  ## create .venv, migrate SQLite under ./var, load the demo, serve on 127.0.0.1:8000
	@scripts/run

test:  ## lint, type-check, and the whole suite on SQLite, then on PostgreSQL when reachable
	@scripts/test

lint:  ## ruff (lint + format check), mypy, makemigrations --check
	@scripts/lint

bench:  ## benchmarks under benchmarks/ (ratios against a baseline in the same run)
	@scripts/bench

clean:  ## remove the virtual environment and local data
	rm -rf .venv var
