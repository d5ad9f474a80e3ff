"""Shared fixtures: the course models are loaded once per test session, and only when needed.

Doctests in ``course_lib`` get the same loaded objects under the names ``model``,
``tokenizer`` and ``embedder``, so the numbers their examples print are checked.
"""
import os
import re
import sys
import types

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

# Doctests using these names get the loaded weights, which makes them slow.
_MODEL_NAMES = re.compile(r"\b(model|embedder)\b")


def _doctest_source(item) -> str:
    return "\n".join(example.source for example in item.dtest.examples)


def _needs_models(item) -> bool:
    return bool(_MODEL_NAMES.search(_doctest_source(item)))


def _shared_models_plugin() -> types.ModuleType:
    """Fixtures registered as a plugin module (not a conftest), so ``course_lib`` doctests see them too.

    Fixtures in a conftest.py only reach tests below its folder; the doctests live in course_lib/.
    """
    plugin = types.ModuleType("course_shared_models")

    @pytest.fixture(scope="session")
    def llm():
        from course_lib.models import load_llm

        return load_llm(verbose=False)

    @pytest.fixture(scope="session")
    def tokenizer():
        from course_lib.models import load_tokenizer

        return load_tokenizer()

    @pytest.fixture(scope="session")
    def embedder():
        from course_lib.models import load_embedder

        return load_embedder()

    @pytest.fixture(autouse=True)
    def models_for_doctests(request, doctest_namespace):
        from _pytest.doctest import DoctestItem

        if not isinstance(request.node, DoctestItem):
            return
        # Load only what the example uses: the tokenizer alone takes a second, the weights longer.
        source = _doctest_source(request.node)
        if re.search(r"\bmodel\b", source):
            doctest_namespace["model"], doctest_namespace["tokenizer"] = request.getfixturevalue("llm")
        elif re.search(r"\btokenizer\b", source):
            doctest_namespace["tokenizer"] = request.getfixturevalue("tokenizer")
        if re.search(r"\bembedder\b", source):
            doctest_namespace["embedder"] = request.getfixturevalue("embedder")

    @pytest.fixture(autouse=True)
    def private_artifacts(tmp_path_factory, monkeypatch):
        """Every test and doctest writes its trained artifacts to a folder of its own, never to artifacts/."""
        monkeypatch.setenv("COURSE_ARTIFACTS_DIR", str(tmp_path_factory.mktemp("artifacts")))

    @pytest.fixture(autouse=True)
    def course_root_stays_off_sys_path():
        """On sys.path the course root's datasets/ folder passes for the Hugging Face datasets library, and every
        later Trainer in the process fails (course_lib.finetuning.training.check_datasets_name): no test may add it."""
        yield
        assert not _root_on_path(), "this test left the course root on sys.path: import scripts from their folder"

    plugin.llm, plugin.tokenizer, plugin.embedder = llm, tokenizer, embedder
    plugin.models_for_doctests, plugin.private_artifacts = models_for_doctests, private_artifacts
    plugin.course_root_stays_off_sys_path = course_root_stays_off_sys_path
    return plugin


ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _root_on_path() -> list[str]:
    return [p for p in sys.path if os.path.abspath(p or ".") == ROOT]


def pytest_configure(config):
    # `python -m pytest` in the course root puts the root on sys.path (make test runs Python with
    # PYTHONSAFEPATH=1, which does not): take it off, so the tests run the same however they are started.
    for entry in _root_on_path():
        sys.path.remove(entry)
    config.pluginmanager.register(_shared_models_plugin(), "course-shared-models")
    # pyproject.toml registers it too; registering twice is harmless, missing it breaks -m "not slow".
    config.addinivalue_line("markers", "slow: needs the real models or takes more than a few seconds")
    config.addinivalue_line("markers", f"lock_only: compares the installed packages with the lock; "
                                       f"skipped in the Colab-like check ({COLAB_CHECK}=1, make test-colab)")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Whatever loads the generator's weights or the embedder is slow: tests and doctests alike.

    Runs before pytest deselects by marker, so ``-m "not slow"`` sees these marks.
    """
    from _pytest.doctest import DoctestItem

    for item in items:
        if isinstance(item, DoctestItem):
            slow = _needs_models(item)
        else:
            slow = bool({"llm", "embedder"} & set(getattr(item, "fixturenames", ())))
        if slow:
            item.add_marker(pytest.mark.slow)
    skip_lock_only(items)


# `make test-colab` sets this: its environment has Colab's versions, not the lock's.
COLAB_CHECK = "COURSE_COLAB_CHECK"


def skip_lock_only(items, environ=os.environ) -> None:
    """In the Colab-like check, skip the tests marked lock_only, saying why; elsewhere they run.

    The one place that knows about the check, so that no test carries its own environment test.
    """
    if environ.get(COLAB_CHECK) != "1":
        return
    reason = (f"{COLAB_CHECK}=1: this environment has Colab's versions (tests/colab/constraints.txt), "
              "not the lock's, so a comparison with the lock means nothing here")
    for item in items:
        if item.get_closest_marker("lock_only"):
            item.add_marker(pytest.mark.skip(reason=reason))
