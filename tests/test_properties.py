"""Property tests: write/parse round trips, random valid chains, and random mutations."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cnncalc import CnnCalcError, evaluate
from cnncalc.parse.expand import parse_grammar
from cnncalc.parse.grammar import (
    Branches,
    Group,
    Layer,
    Maybe,
    Node,
    Program,
    Repeat,
    parse_program,
)
from cnncalc.parse.tokens import GrammarOrigin
from cnncalc.parse.unparse import format_network, format_program, format_yaml
from cnncalc.parse.yaml_spec import parse_yaml
from cnncalc.render.data import result_dict

# The example budget comes from the profile (tests/conftest.py): bounded in CI, longer with
# HYPOTHESIS_PROFILE=long.
SETTINGS = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Canonical layers: what the formatter writes, so parse(format(tree)) == tree.
LAYERS = st.sampled_from(
    [
        "CONV(4)",
        "CONV(8, 3)",
        "CONV(4, k=1, s=2)",
        "CONV(4, p=1)",
        "CONV(4, p=same)",
        "CONV(2, d=2, bias=false)",
        "MAXPOOL",
        "MAXPOOL(3, 2)",
        "AVGPOOL(2, ceil_mode=true)",
        "RELU",
        "LEAKY_RELU(0.2)",
        "BATCHNORM",
        "DROPOUT(0.5)",
        "LRN",
        "LOCAL(2, 1)",
    ]
)


NOWHERE = GrammarOrigin("", 0, 0, "<test>")  # spans are not part of equality


def _layer(text: str) -> Layer:
    item = parse_program(text).items[0]
    assert isinstance(item, Layer)
    return item


def trees(depth: int = 3) -> st.SearchStrategy[Node]:
    """Canonical syntax trees: layers, groups, repeats, optional parts and branches."""
    leaf: st.SearchStrategy[Node] = LAYERS.map(_layer)
    if depth == 0:
        return leaf
    sub = trees(depth - 1)
    chains = st.lists(sub, min_size=1, max_size=3).map(tuple)
    group = chains.map(lambda items: Group(items, NOWHERE))
    counts = st.one_of(st.integers(0, 3), st.sampled_from(["N", "M"]))
    repeat = st.tuples(st.one_of(group, leaf), counts).map(lambda t: Repeat(t[0], t[1], NOWHERE))
    maybe = st.one_of(group, leaf).map(lambda n: Maybe(n, NOWHERE))
    merges = st.sampled_from(["ADD", "CONCAT"]).map(_layer)
    branches = st.tuples(merges, st.lists(chains, min_size=1, max_size=3)).map(
        lambda t: Branches(t[0], tuple(t[1]), NOWHERE)
    )
    return st.one_of(leaf, group, repeat, maybe, branches)


PROGRAMS = st.lists(trees(), min_size=1, max_size=4).map(
    lambda items: Program((_layer("INPUT(32x32x3)"), *items), "")
)


@SETTINGS
@given(PROGRAMS)
def test_format_then_parse_gives_the_same_tree(program: Program) -> None:
    text = format_program(program)
    assert parse_program(text) == program
    assert format_program(parse_program(text)) == text


PIECES = st.one_of(
    LAYERS,
    st.sampled_from(
        [
            "ADD{RELU | IDENTITY}",
            "CONCAT{RELU | MAXPOOL(3, 1, p=1) -> RELU}",
            "[CONV(4, 3, p=1) -> RELU]*2",
        ]
    ),
)
CHAINS = st.lists(PIECES, min_size=0, max_size=8).map(
    lambda layers: " -> ".join(["INPUT(32x32x3)", *layers, "FLATTEN", "FC(10)"])
)


@SETTINGS
@given(CHAINS)
def test_random_valid_chains_evaluate_and_round_trip(text: str) -> None:
    spec = parse_grammar(text)
    written = [parse_grammar(format_network(spec)), parse_yaml(format_yaml(spec))]
    try:
        expected = result_dict(evaluate(spec))
    except CnnCalcError:  # pools may shrink the map below a kernel: a clear error is right
        for again in written:
            with pytest.raises(CnnCalcError):
                evaluate(again)
        return
    for again in written:  # wiring is written with names, so compare what is computed
        assert result_dict(evaluate(again)) == expected
        if not any(layer.inputs for layer in spec.layers):
            assert again.layers == spec.layers


MUTATIONS = st.sampled_from(
    [*"[]()*?,=->#x0123456789 \n\t", "->", "**", "-1", "1e999", "\u00d7", "\u2192", "\u00e9", "'"]
)


@SETTINGS
@given(CHAINS, st.lists(st.tuples(st.integers(0, 200), MUTATIONS, st.booleans()), max_size=4))
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
