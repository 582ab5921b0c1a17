"""Block arithmetic: one evaluator for grammar DEF blocks and YAML blocks.

Expected values are worked out by hand (usual precedence, floor division as Python's)
or by a reference evaluation over Python integers in the test itself.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from cnncalc import CnnCalcError
from cnncalc.parsing.arith import MAX_MAGNITUDE, Expr, evaluate, parse_expression
from cnncalc.parsing.expand import parse_grammar
from cnncalc.parsing.grammar import parse_program
from cnncalc.parsing.tokens import GrammarOrigin
from cnncalc.parsing.unparse import format_program
from cnncalc.parsing.yaml_spec import parse_yaml

SETTINGS = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])


def grammar_filters(expression: str, f: int) -> int:
    """The filters of ``CONV(expression)`` in a DEF block used with f."""
    spec = parse_grammar(f"DEF b(f, g=3) = CONV({expression}, 1); INPUT(8x8x1) -> b({f})")
    filters = spec.layers[0].op.filters  # type: ignore[union-attr]
    assert isinstance(filters, int)
    return filters


def yaml_filters(expression: str, f: int | str) -> int:
    """The filters of the same block written in YAML."""
    spec = parse_yaml(
        "input: 8x8x1\n"
        "blocks:\n"
        "  b:\n"
        "    params: {f: 1, g: 3}\n"
        "    layers:\n"
        f"      - conv: {{filters: '{expression}', kernel: 1}}\n"
        f"layers:\n  - b: {{f: {f}}}\n"
    )
    filters = spec.layers[0].op.filters  # type: ignore[union-attr]
    assert isinstance(filters, int)
    return filters


HAND = [  # (expression, f, value worked out by hand)
    ("2 + f * 3", 2, 8),  # * first: 2 + 6
    ("1 + f + f * 2", 2, 7),  # 1 + 2 + 4
    ("(f + 1) * 2", 2, 6),
    ("f//2", 7, 3),
    ("f - 1", 5, 4),
    ("f-1", 5, 4),
    ("-f+10", 3, 7),
    ("f - 2 - 1", 10, 7),  # left-associative: (10 - 2) - 1
    ("f // 2 // 2", 20, 5),  # (20 // 2) // 2
    ("f * g // 2", 3, 4),  # (3 * 3) // 2
    ("(0 - f) // 2 + 10", 3, 8),  # floor: -3 // 2 = -2
    ("-f // 2 + 10", 3, 8),  # unary minus binds tighter, as in Python
    ("f*-1+10", 4, 6),
    ("g*(f-(1+1))", 5, 9),
]


@pytest.mark.parametrize(("expression", "f", "value"), HAND)
def test_precedence_by_hand(expression: str, f: int, value: int) -> None:
    assert grammar_filters(expression, f) == value
    assert yaml_filters(expression, f) == value


def test_division_by_zero_is_located() -> None:
    with pytest.raises(CnnCalcError, match=r"1:22: 'f//\(g-3\)' divides by zero"):
        grammar_filters("f//(g-3)", 4)
    with pytest.raises(CnnCalcError, match="divides by zero"):
        yaml_filters("f // (g - 3)", 4)


def test_results_are_bounded() -> None:
    # each level squares n: 3**(2**26) would have millions of digits
    text = "DEF s0(n) = CONV(n, 1);\n"
    text += "".join(f"DEF s{i}(n) = s{i - 1}(n*n);\n" for i in range(1, 27))
    with pytest.raises(CnnCalcError, match="'n\\*n' goes beyond 1,000,000,000,000,000,000"):
        parse_grammar(text + "INPUT(8x8x1) -> s26(3)")
    assert grammar_filters("f * 1000000000", 1000000000) == 10**18  # the bound itself is fine
    with pytest.raises(CnnCalcError, match="goes beyond"):
        grammar_filters("f * 1000000000 + 1", 1000000000)
    with pytest.raises(CnnCalcError, match="goes beyond"):
        yaml_filters("f * 1000000000 + 1", 1000000000)


def test_booleans_and_texts_are_not_numbers() -> None:
    with pytest.raises(CnnCalcError, match="parameter f is 'true', not a whole number"):
        parse_grammar("DEF b(f) = CONV(f * 2, 1); INPUT(8x8x1) -> b(true)")
    with pytest.raises(CnnCalcError, match="parameter f is True, not a whole number"):
        yaml_filters("f * 2", "true")
    with pytest.raises(CnnCalcError, match="works on whole numbers"):
        grammar_filters("f * 2.5", 2)
    with pytest.raises(CnnCalcError, match="only \\+ - \\* // on whole numbers"):
        yaml_filters("f / 2", 2)


def test_text_naming_no_parameter_stays_text() -> None:
    spec = parse_yaml(
        "input: 8x8x1\nblocks:\n  b:\n    params: {f: 1}\n    layers:\n"
        "      - conv: {filters: f, kernel: 1, name: conv-x}\n"
        "layers:\n  - b: {f: 4}\n"
    )
    assert spec.layers[0].name == "b1"  # the block's output answers to the use's name
    assert spec.layers[0].op.filters == 4  # type: ignore[union-attr]


def test_minus_and_negative_numbers() -> None:
    # negative literals still read as numbers where they were accepted
    program = parse_program("INPUT(8x8x1) -> LEAKYRELU(-0.5) -> FLATTEN(-1)")
    assert [arg.value for layer in program.items[1:] for arg in layer.args] == [  # type: ignore[union-attr]
        -0.5,
        -1,
    ]
    # f-1 is f minus 1, whatever the spacing
    for text in ("f-1", "f - 1", "f -1", "f- 1"):
        assert parse_expression(text) == Expr("-", "f", 1)
    assert parse_expression("2 + f * 3") == Expr("+", 2, Expr("*", "f", 3))
    assert parse_expression("-f+10") == Expr("+", Expr("neg", "f"), 10)


def test_expressions_format_back_the_same() -> None:
    text = (
        "DEF b(f) = CONV((f+1)*2, 1) -> CONV(f - 1, 1) -> CONV(-f+10, f//2); INPUT(8x8x1) -> b(6)"
    )
    once = format_program(parse_program(text))
    assert "CONV((f+1)*2, 1) -> CONV(f-1, 1) -> CONV(-f+10, f//2)" in once
    assert parse_program(once) == parse_program(text)


# Random expression trees, evaluated by a reference over Python integers


@dataclass(frozen=True)
class Op:
    op: str  # + - * // or neg
    left: object
    right: object = None


NAMES = {"a": 7, "b": -3}

leaves = st.one_of(
    st.integers(0, 20),
    st.integers(10**8, 10**10),  # products of these pass the bound
    st.sampled_from(sorted(NAMES)),
)
trees = st.recursive(
    leaves,
    lambda inner: st.one_of(
        st.builds(Op, st.sampled_from(["+", "-", "*", "//"]), inner, inner),
        st.builds(Op, st.just("neg"), inner),
    ),
    max_leaves=12,
)


class Refused(Exception):
    pass


def reference(tree: object) -> int:
    """Python's own integer arithmetic, refusing what cnncalc must refuse."""
    if isinstance(tree, str):
        return NAMES[tree]
    if isinstance(tree, int):
        return tree
    assert isinstance(tree, Op)
    left = reference(tree.left)
    if tree.op == "neg":
        return -left
    right = reference(tree.right)
    if tree.op == "//":
        if right == 0:
            raise Refused
        return left // right
    value = {"+": left + right, "-": left - right, "*": left * right}[tree.op]
    if abs(value) > MAX_MAGNITUDE:
        raise Refused
    return value


BINDING = {"+": 1, "-": 1, "*": 2, "//": 2, "neg": 3}


def render(tree: object, spaces: list[bool]) -> str:
    """Text with the fewest parentheses the usual precedence needs, spaced at random."""
    gap = " " if (spaces.pop() if spaces else False) else ""
    if not isinstance(tree, Op):
        return str(tree)
    level = BINDING[tree.op]

    def operand(sub: object, needs: int) -> str:
        text = render(sub, spaces)
        if isinstance(sub, Op) and BINDING[sub.op] < needs:
            return f"({text})"
        return text

    if tree.op == "neg":
        inner = operand(tree.left, level)
        return f"-{gap}{inner}" if not inner.startswith("-") else f"-({inner})"
    return f"{operand(tree.left, level)}{gap}{tree.op}{gap}{operand(tree.right, level + 1)}"


def names_in(tree: object) -> bool:
    if isinstance(tree, str):
        return True
    return isinstance(tree, Op) and (names_in(tree.left) or names_in(tree.right))


def outcome(run: object) -> object:
    try:
        return run()  # type: ignore[operator]
    except CnnCalcError:
        return "refused"


@SETTINGS
@given(tree=trees, spaces=st.lists(st.booleans(), max_size=30))
def test_grammar_and_yaml_agree_with_python(tree: object, spaces: list[bool]) -> None:
    assume(isinstance(tree, Op) and names_in(tree))
    text = render(tree, spaces)
    try:
        expected: object = reference(tree)
    except Refused:
        expected = "refused"
    # the evaluator itself, for any sign; Python's own parser agrees on the text
    origin = GrammarOrigin(text, 0, len(text), "<test>")
    parsed = parse_expression(text)
    assert outcome(lambda: evaluate(parsed, NAMES, origin)) == expected
    if expected != "refused":
        assert eval(text, {}, dict(NAMES)) == expected
    assert parse_expression(str(parsed)) == parsed  # written back, it reads the same
    # both formats, through a layer: a filter count must be positive
    layer = expected if isinstance(expected, int) and expected > 0 else "refused"
    names = ", ".join(f"{k}={v}" for k, v in NAMES.items())
    grammar = f"DEF blk(a, b) = CONV({text}, 1); INPUT(8x8x1) -> blk({names})"
    yaml = (
        "input: 8x8x1\nblocks:\n  blk:\n    params: {a: 0, b: 0}\n    layers:\n"
        f"      - conv: {{filters: '{text}', kernel: 1}}\n"
        f"layers:\n  - blk: {{{names.replace('=', ': ')}}}\n"
    )
    for parse, spec in ((parse_grammar, grammar), (parse_yaml, yaml)):
        got = outcome(lambda parse=parse, spec=spec: parse(spec).layers[0].op.filters)
        assert got == layer, (parse.__name__, spec)


@pytest.mark.parametrize("opener", ["-", "(", "["])
def test_deep_values_are_clear_errors(opener: str) -> None:
    with pytest.raises(CnnCalcError, match=r"at most 100 operators|nested deeper than 100"):
        parse_grammar("INPUT(8x8x1) -> CONV(" + opener * 100_000 + "1)")
