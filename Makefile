.PHONY: run test lint format bench
run:
	./bin/run
test:
	./bin/test
lint:
	.venv/bin/ruff check .
format:
	.venv/bin/ruff format . && .venv/bin/ruff check --fix .
# Every storefront scenario side by side (needs PostgreSQL, Redis, nginx, wrk); writes BENCHMARKS.md.
bench:
	.venv/bin/python bench/storefront_suite.py
