"""course_lib: the code of the course 'RAG vs Fine-Tuning, hands-on'.

One small module per lesson; notebooks explain and use these modules.
"""
__version__ = "0.1.0"

# The public repository and branch every Colab and Binder link points at: the one place they live.
# A fork changes them with `make links REPO=owner/name BRANCH=main`, which rewrites every badge too.
GITHUB_REPO = "rag-vs-ft-course/rag-vs-fine-tuning"
GITHUB_BRANCH = "main"

# macOS only: OpenMP settings and torch-before-faiss import order, before any lesson imports them.
from course_lib import runtime as _runtime

_runtime.apply()
