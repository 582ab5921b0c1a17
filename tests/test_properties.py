"""Property tests: write/parse round trips, random valid chains, and random mutations."""

from __future__ import annotations

import contextlib

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cnncalc import CnnCalcError, evaluate
from cnncalc.parse.grammar import (
    GrammarOrigin,
    Group,
    Layer,
    Maybe,
    Node,
    Program,
    Repeat,
    parse_grammar,
    parse_program,
)
from cnncalc.parse.unparse import format_network, format_program, format_yaml
from cnncalc.parse.yaml_spec import parse_yaml

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

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
    leaf: st.SearchStrategy[Node] = LAYERS.map(_layer)
    if depth == 0:
        return leaf
    sub = trees(depth - 1)
    group = st.lists(sub, min_size=1, max_size=3).map(lambda items: Group(tuple(items), None))  # type: ignore[arg-type]
    repeat = st.tuples(
        st.one_of(group, leaf), st.one_of(st.integers(0, 3), st.sampled_from(["N", "M"]))
    ).map(lambda t: Repeat(t[0], t[1], None))  # type: ignore[arg-type]
    maybe = st.one_of(group, leaf).map(lambda n: Maybe(n, None))  # type: ignore[arg-type]
    return st.one_of(leaf, group, repeat, maybe)


PROGRAMS = st.lists(trees(), min_size=1, max_size=4).map(
    lambda items: Program((_layer("INPUT(32x32x3)"), *items), "")
)


@SETTINGS
@given(PROGRAMS)
def test_format_then_parse_gives_the_same_tree(program: Program) -> None:
    text = format_program(program)
    assert parse_program(text) == program
    assert format_program(parse_program(text)) == text


CHAINS = st.lists(LAYERS, min_size=0, max_size=8).map(
    lambda layers: " -> ".join(["INPUT(32x32x3)", *layers, "FLATTEN", "FC(10)"])
)


@SETTINGS
@given(CHAINS)
def test_random_valid_chains_evaluate_and_round_trip(text: str) -> None:
    spec = parse_grammar(text)
    with contextlib.suppress(CnnCalcError):  # pools may shrink the map below a kernel
        evaluate(spec)
    assert parse_grammar(format_network(spec)).layers == spec.layers
    assert parse_yaml(format_yaml(spec)).layers == spec.layers


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
