"""Shared helpers for the tests."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

import pytest
from hypothesis import HealthCheck, settings

from cnncalc import evaluate
from cnncalc.cli.io import spec_source
from cnncalc.loader import parse_source
from cnncalc.options import Options
from cnncalc.results import NetworkResult
from cnncalc.spec import NetworkSpec
from cnncalc.symbolic import Count

# Hypothesis profiles (HYPOTHESIS_PROFILE=NAME): "ci", the default, runs a bounded number of
# examples chosen from a hash of each test, so every run tests the same inputs and a failure
# prints the blob that reproduces it; "long" is random with many more examples, for a local
# hunt; "dev" is random and short, for quick runs while editing.
_BASE = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("ci", _BASE, max_examples=150, derandomize=True, print_blob=True)
settings.register_profile("long", _BASE, max_examples=5_000, derandomize=False)
settings.register_profile("dev", _BASE, max_examples=30, derandomize=False)
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


HANG_SECONDS = 120


@contextmanager
def hang_guard(seconds: int = HANG_SECONDS) -> Iterator[None]:
    """Fail the test when the block has not ended after ``seconds``: a guard against the
    hang a hostile input would cause (unbounded work on these inputs takes hours), not a
    measure of speed. The limit is far above what a loaded CI machine needs, so it never
    trips on slowness; speed is measured in bench/, never asserted in tests."""

    def expire(signum: int, frame: FrameType | None) -> None:
        pytest.fail(f"did not end within {seconds} s: unbounded work?")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture
def specs_dir() -> Path:
    return SPECS
