# Set-up on a fresh machine: `make demo` and `make test` do everything.
VENV ?= .venv
PY := $(VENV)/bin/python
MISPA := $(VENV)/bin/mispa
DEMO_DATA ?= mispa-data

.PHONY: install system-deps demo test bench clean-demo

$(VENV)/.installed: pyproject.toml setup.py classify/hits.py classify/hits.pxd classify/_scan.pyx
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $@

install: $(VENV)/.installed

system-deps:
	bash scripts/install-system-deps.sh

# The ingest's exit 1 (some files not read, e.g. no LibreOffice or Tesseract when not root) still makes a demo.
demo: install system-deps
	rm -rf $(DEMO_DATA)
	$(MISPA) --data-dir $(DEMO_DATA) ingest corpus/replies || [ $$? -eq 1 ]
	$(MISPA) --data-dir $(DEMO_DATA) status
	$(MISPA) --data-dir $(DEMO_DATA) search "violencia doméstica" --limit 5

test: install system-deps
	$(PY) -m pytest -q

bench: install
	$(PY) bench/ingest.py
