# vanban: everyday commands (see README.md). Everything runs from a fresh clone.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
DEV    := ../shared/corpus/dev
BULK   := ../shared/corpus/bulk
STAMP  := $(VENV)/.installed

.PHONY: run test eval bench sysdeps docs clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip >/dev/null
	$(BIN)/python -m pip install -e '.[dev]'
	touch $(STAMP)

# Debian packages (Tesseract with Vietnamese for scanned PDFs); installed when run as root.
sysdeps:
	@scripts/install-system-deps.sh

run: $(STAMP) sysdeps
	$(BIN)/vanban run corpus/ --out output/

test: $(STAMP) sysdeps
	$(BIN)/python -m pytest -q

# Quality against the gold files of the dev corpus (only document files are given as input).
eval: $(STAMP)
	@$(BIN)/vanban run $$(ls $(DEV)/*.txt $(DEV)/*.pdf | grep -v '\.page1\.txt$$') --out output/dev --no-progress >/dev/null || true
	$(BIN)/vanban eval --gold $(DEV) --pred output/dev

# Throughput and peak memory over the bulk corpus (BENCH_ARGS="--limit 100" for a quick run).
bench: $(STAMP)
	$(BIN)/python -m pipeline.bench $(BULK) $(BENCH_ARGS)

docs: $(STAMP)
	$(BIN)/python -m pipeline.schema > docs/schema.md

clean:
	rm -rf output/ .pytest_cache
