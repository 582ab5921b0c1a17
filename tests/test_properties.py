"""Property tests: write/parse round trips, random valid chains, and random mutations."""

from __future__ import annotations

import pytest
from hypothesis import given

from cnncalc import CnnCalcError, evaluate
from cnncalc.parsing.expand import parse_grammar
from cnncalc.parsing.grammar import Program, parse_program
from cnncalc.parsing.unparse import format_network, format_program, format_yaml
from cnncalc.parsing.yaml_spec import parse_yaml
from cnncalc.rendering.data import result_data
from tests.strategies import CHAIN_EDITS, PROGRAMS, VALID_CHAINS

# The example budget comes from the profile (tests/conftest.py): bounded in CI, longer with
# HYPOTHESIS_PROFILE=long.


@given(PROGRAMS)
def test_format_then_parse_gives_the_same_tree(program: Program) -> None:
    text = format_program(program)
    assert parse_program(text) == program
    assert format_program(parse_program(text)) == text


@given(VALID_CHAINS)
def test_random_valid_chains_evaluate_and_round_trip(text: str) -> None:
    spec = parse_grammar(text)
    written = [parse_grammar(format_network(spec)), parse_yaml(format_yaml(spec))]
    try:
        expected = result_data(evaluate(spec))
    except CnnCalcError:  # pools may shrink the map below a kernel: a clear error is right
        for again in written:
            with pytest.raises(CnnCalcError):
                evaluate(again)
        return
    for again in written:  # wiring is written with names, so compare what is computed
        assert result_data(evaluate(again)) == expected
        if not any(layer.inputs for layer in spec.layers):
            assert again.layers == spec.layers


@given(VALID_CHAINS, CHAIN_EDITS)
def test_mutated_chains_give_clear_errors_only(
    text: str, edits: list[tuple[int, str, bool]]
) -> None:
    for position, piece, delete in edits:
        at = position % (len(text) + 1)
        text = text[:at] + text[at + 1 :] if delete else text[:at] + piece + text[at:]
    try:
        evaluate(parse_grammar(text, options=None))
    except CnnCalcError as error:
        assert str(error)
