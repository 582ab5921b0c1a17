"""Shared helpers for the tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from cnncalc import evaluate
from cnncalc.loader import load_spec
from cnncalc.results import NetworkResult
from cnncalc.symbolic import Count

ROOT = Path(__file__).resolve().parent.parent
SPECS = ROOT / "specs"


def num(value: Count | None) -> int:
    """A count that must be a plain number."""
    assert isinstance(value, int)
    return value


def summarize(spec: str) -> NetworkResult:
    """Evaluate a spec file (relative to specs/) or inline grammar text."""
    if spec.endswith((".yaml", ".cnn")):
        spec = str(SPECS / spec)
    return evaluate(load_spec(spec))


@pytest.fixture
def specs_dir() -> Path:
    return SPECS
