"""Shared test fixtures. TensorFlow logging is quieted before anything imports it."""

import os
from pathlib import Path

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(autouse=True)
def checks_in_both_languages(request, monkeypatch):
    """In the check tests (test_checks_*.py), each check also runs in Chinese: same verdict, same
    numbers, Chinese words (tests/checks_bilingual.py). A mismatch fails the test."""
    if not request.module.__name__.rsplit(".", 1)[-1].startswith("test_checks_") or getattr(
            request.module, "MONOLINGUAL", False):
        yield
        return
    from checks_bilingual import install

    failures: list = []
    install(monkeypatch, failures)
    yield
    assert not failures, "\n\n".join(f"{en}\n{zh}\n-> {'; '.join(why)}" for en, zh, why in failures)
