"""Shared fixtures: the course models are loaded once per test session."""
import os

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")


@pytest.fixture(scope="session")
def llm():
    from course_lib.models import load_llm

    return load_llm()


@pytest.fixture(scope="session")
def embedder():
    from course_lib.models import load_embedder

    return load_embedder()
