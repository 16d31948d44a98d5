# Two commands do all set-up (see README.md):
#   make run    build the graph from data/, answer the headline questions, validate, draw the map
#   make test   lint (ruff), check the format (ruff format), type-check (mypy --strict), run the tests
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)

.PHONY: run test clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/gdprgraph build
	@echo
	@echo "== Which services use Platform.sh? =="
	$(BIN)/gdprgraph query services-using --param org=Platform.sh \
	    --columns serviceName,organisationName,categoryName,document,section,line
	@echo
	@echo "== Is every record complete and lawful? (SHACL; exit code 1 means violations were found) =="
	$(BIN)/gdprgraph validate --severity warning || test $$? -eq 1
	@echo
	@echo "== Transfer map and audit report (open them in a browser; they work offline) =="
	$(BIN)/gdprgraph viz
	$(BIN)/gdprgraph report --map transfer-map.html
	@echo "== Web application (read-only, local): $(BIN)/gdprgraph serve  then open http://127.0.0.1:8765/ =="

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pytest

clean:
	rm -rf $(VENV) out .pytest_cache .ruff_cache
