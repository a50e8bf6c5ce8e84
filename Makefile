.PHONY: run test lint format
run:
	./bin/run
test:
	./bin/test
lint:
	.venv/bin/ruff check .
format:
	.venv/bin/ruff format . && .venv/bin/ruff check --fix .
