# Two entry points (see README): `make run` and `make test`.
# torch is installed first from the CPU build; a plain resolver would pick a
# multi-GB CUDA build.
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8501

.PHONY: setup run test servers lint
setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

run: setup
	$(VENV)/bin/qa ingest
	$(VENV)/bin/streamlit run ui/app.py --server.headless true --server.address 127.0.0.1 \
		--server.port $(PORT) --browser.gatherUsageStats false --client.toolbarMode minimal

servers: setup
	. $(VENV)/bin/activate && .ci/install-llm-server && .ci/install-browser

lint: setup
	$(VENV)/bin/ruff check qa ui eval tests
	$(VENV)/bin/mypy qa

test: servers
	. $(VENV)/bin/activate && qa eval --mode extractive --report eval/reports/ci
	. $(VENV)/bin/activate && python -m pytest -p no:cacheprovider
