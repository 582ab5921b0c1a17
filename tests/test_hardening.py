"""Hostile and random input: always a result or a clear error (exit 2), never a crash.

The fuzz properties run a bounded number of examples in CI; set HYPOTHESIS_PROFILE=long
for a longer local run. tests/corpus holds the nastiest inputs found, with the exit code
each must give.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import given

from cnncalc import CnnCalcError, evaluate
from cnncalc.loader import MAX_SPEC_BYTES
from cnncalc.parsing.yaml_spec import parse_yaml
from tests.clirun import run_cli
from tests.conftest import ROOT
from tests.strategies import (
    GRAMMAR_EDITS,
    GRAMMAR_SEEDS,
    JUNK_BYTES,
    JUNK_TEXT,
    YAML_FILES,
    YAML_INPUTS,
    YAML_INSERTIONS,
    YAML_LAYERS,
)

CORPUS = Path(__file__).parent / "corpus"
EXPECTED = {
    name.strip(): int(code)
    for line in (CORPUS / "EXPECTED").read_text().splitlines()
    if line.strip() and not line.startswith("#")
    for name, code in [line.split(":")]
}


run = run_cli


def assert_clean(code: int, out: str, err: str) -> None:
    """A result (JSON on stdout, nothing on stderr) or one clear error (exit 2)."""
    assert code in (0, 2), (code, out, err)
    assert "Traceback" not in out + err
    if code == 0:
        json.loads(out)
        assert err == ""
    else:
        assert out == ""
        assert err.startswith("cnncalc: error: ")


LISTS = ("EXPECTED", "cli-cases.yaml")  # the lists themselves (cli-cases: tests/test_trust.py)


def test_corpus_is_listed() -> None:
    assert sorted(EXPECTED) == sorted(p.name for p in CORPUS.iterdir() if p.name not in LISTS)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus(name: str) -> None:
    code, out, err = run("summarize", str(CORPUS / name), "-f", "json")
    assert_clean(code, out, err)
    assert code == EXPECTED[name], err


# Grammar text: near-valid mutations of real specs and plain junk.


@given(GRAMMAR_SEEDS, GRAMMAR_EDITS)
def test_mutated_grammar_through_the_cli(seed: str, edits: list[tuple[int, str, bool]]) -> None:
    text = seed
    for position, piece, delete in edits:
        at = position % (len(text) + 1)
        text = text[:at] + text[at + len(piece) :] if delete else text[:at] + piece + text[at:]
    assert_clean(*run("summarize", "-", "-f", "json", input=text))


@given(JUNK_TEXT)
def test_junk_text_through_the_cli(text: str) -> None:
    assert_clean(*run("summarize", "-", "-f", "json", input=text))


@given(JUNK_BYTES)
def test_junk_bytes_through_the_cli(data: bytes) -> None:
    assert_clean(*run("summarize", "-", "-f", "json", input=data))


# YAML documents: valid-shaped documents with random values, and mutations.


@given(YAML_INPUTS, YAML_LAYERS)
def test_random_yaml_documents(input_value: object, layers: object) -> None:
    text = yaml.safe_dump({"input": input_value, "layers": layers})
    try:
        evaluate(parse_yaml(text))
    except CnnCalcError as error:
        assert str(error)


@given(YAML_FILES, YAML_INSERTIONS)
def test_mutated_yaml_through_the_cli(path: Path, edits: list[tuple[int, str]]) -> None:
    text = path.read_text()
    for position, piece in edits:
        at = position % (len(text) + 1)
        text = text[:at] + piece + text[at:]
    assert_clean(*run("summarize", "-", "-f", "json", input=text))


# Hostile specs with exact expectations.


def test_oversized_file_is_refused_quickly(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    with big.open("wb") as fh:
        fh.truncate(MAX_SPEC_BYTES + 1)
    code, _, err = run("summarize", str(big))
    assert code == 2
    assert err == (
        f"cnncalc: error: {big}: the file is 16.0 MiB; cnncalc reads specs of at most 16 MiB\n"
    )


def test_huge_counts_stay_exact() -> None:
    code, out, _ = run(
        "summarize", "INPUT(8x8x1) -> CONV(1000000000000000000000000000000, 3)", "-f", "json"
    )
    assert code == 0
    layer = json.loads(out)["layers"][0]
    assert layer["params"] == (9 + 1) * 10**30
    assert layer["macs"] == 6 * 6 * 10**30 * 9


def test_markup_in_errors_survives() -> None:
    spec = 'INPUT(8x8x1) -> CONV(8, name="[bold]x[/x]") -> CONV(8, 9)'
    code, _, err = run("summarize", spec)
    assert code == 2
    # the 3x3 conv leaves 6x6, too small for the 9x9 kernel; the source line is echoed as is
    assert err.startswith(f"cnncalc: error: <inline>:1:{spec.index('CONV(8, 9)') + 1}: ")
    assert "kernel 9 is larger than the padded input 6 (6 + 0 + 0) on axis H\n" in err
    assert f"\n    {spec}\n" in err


def test_output_file_untouched_on_error(tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    target.write_text("previous\n")
    code, _, _ = run("summarize", "INPUT(8x8x1) -> CONV(8, 99)", "-f", "json", "-o", str(target))
    assert code == 2
    assert target.read_text() == "previous\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]


def test_closed_pipe_exits_quietly() -> None:
    spec = "INPUT(8x8x1) -> [CONV(8, 3, p=1) -> RELU]*2000"
    proc = subprocess.Popen(
        [sys.executable, "-m", "cnncalc", "summarize", spec, "-f", "json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.readline()
    proc.stdout.close()  # like `| head -1`
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 0
    assert err == ""
