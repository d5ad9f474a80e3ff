"""course_lib: the code of the course 'RAG vs Fine-Tuning, hands-on'.

One small module per lesson; notebooks explain and use these modules.
"""
__version__ = "0.1.0"

# The public repository the Colab and Binder badges point at. tests/test_notebooks.py
# checks every notebook's badges against it, so change it here and re-run the tests.
GITHUB_REPO = "rag-vs-ft-course/rag-vs-fine-tuning"

# macOS only: OpenMP settings and torch-before-faiss import order, before any lesson imports them.
from course_lib import runtime as _runtime

_runtime.apply()
