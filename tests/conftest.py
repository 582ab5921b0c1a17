"""Shared helpers for the tests."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from cnncalc import evaluate
from cnncalc.cli.io import spec_source
from cnncalc.loader import parse_source
from cnncalc.options import Options
from cnncalc.results import NetworkResult
from cnncalc.spec import NetworkSpec
from cnncalc.symbolic import Count

# Fuzzing budgets: "ci" is the default (bounded, a few seconds); HYPOTHESIS_PROFILE=long
# runs the same properties with many more examples locally.
settings.register_profile(
    "ci", max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "long", max_examples=5_000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

ROOT = Path(__file__).resolve().parent.parent
SPECS = ROOT / "specs"


def num(value: Count | None) -> int:
    """A count that must be a plain number."""
    assert isinstance(value, int)
    return value


def load_spec(spec: str, options: Options | None = None) -> NetworkSpec:
    """A spec as the command line reads a SPEC argument: a file path or spec text."""
    return parse_source(spec_source(spec), options)


def summarize(spec: str) -> NetworkResult:
    """Evaluate a spec file (relative to specs/) or inline grammar text."""
    if spec.endswith((".yaml", ".cnn")):
        spec = str(SPECS / spec)
    return evaluate(parse_source(spec_source(spec)))


@pytest.fixture
def specs_dir() -> Path:
    return SPECS
