"""course_lib: the code of the course 'RAG vs Fine-Tuning, hands-on'.

A small core (``paths``, ``models``, ``data``, ``schemas``, ``tokens``, ``prompts``, ``stats``,
``results``, ``artifacts``) and one package per part of the course: ``finetuning``, ``rag``,
``evaluation``, ``choosing``; ``runs`` fills ``results/``, ``tooling`` serves instructors and set-up,
``exercises`` checks the learners' answers. Importing it changes nothing in the process: the
notebooks' first cell calls ``course_lib.tooling.runtime.apply()`` for the settings torch and faiss need.
"""
__version__ = "0.1.0"

# The public repository and branch every Colab and Binder link points at: the one place they live.
# A fork changes them with `make links REPO=owner/name BRANCH=main`, which rewrites every badge too.
GITHUB_REPO = "rag-vs-ft-course/rag-vs-fine-tuning"
GITHUB_BRANCH = "main"
