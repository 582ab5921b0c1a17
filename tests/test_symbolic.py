"""Symbolic channel counts: exact polynomials through the engine."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from cnncalc import Options
from cnncalc.parsing.expand import parse_grammar
from cnncalc.symbolic import Poly, ratio, ratio_text, substitute
from tests.conftest import summarize

C = Poly.symbol("C")


# docs/published-figures.md: cs231n, The lecture
def test_lecture_49c2_vs_27c2() -> None:
    one = summarize("INPUT(32x32xC) -> CONV(C, 7, p=3, bias=false)")
    three = summarize("INPUT(32x32xC) -> [CONV(C, 3, p=1, bias=false)]*3")
    assert one.totals.params == 49 * C * C
    assert three.totals.params == 27 * C * C
    assert str(one.totals.params) == "49C^2"
    assert str(three.totals.params) == "27C^2"
    assert ratio(three.totals.params, one.totals.params) == Fraction(27, 49)


def test_bias_adds_a_linear_term_and_fc_flattens() -> None:
    result = summarize("INPUT(8x8xC) -> CONV(C, 3) -> FC(10)")
    assert str(result.layers[0].params) == "9C^2 + C"
    assert str(result.layers[1].params) == "360C + 10"  # (6*6*C + 1) * 10


def test_bound_symbols_become_numbers() -> None:
    spec = parse_grammar("INPUT(32x32xC) -> CONV(C, 7)", options=Options(variables={"C": 16}))
    assert spec.input.channels == 16
    assert spec.layers[0].op.filters == 16  # type: ignore[union-attr]


def test_polynomial_arithmetic() -> None:
    assert C + 0 == C
    assert (C * 2) // 2 == C
    assert (C + 1) * (C - 1) == C * C - 1
    assert substitute(27 * C * C + C, {"C": 2}) == 110
    assert str(Poly.symbol("H") * C * 3 + 5) == "3*C*H + 5"
    assert ratio(C, Poly.symbol("D")) is None
    assert (C - C) == 0


@given(st.integers(-50, 50), st.integers(-50, 50), st.integers(-50, 50))
def test_polynomials_agree_with_numbers(a: int, b: int, value: int) -> None:
    expr = (a * C + b) * (C + a) - b
    assert substitute(expr, {"C": value}) == (a * value + b) * (value + a) - b


@given(st.integers(0, 10**400), st.integers(0, 10**30))
def test_ratio_text_of_integers_is_the_exact_ratio_rounded(value: int, base: int) -> None:
    """ratio_text works integers without Fraction (start-up); it must say what the exact
    ratio says: whole, to one decimal as float(Fraction) rounds it, or ~floor past floats."""
    from fractions import Fraction

    if base == 0:
        assert ratio_text(value, base) == "n/a"
        return
    exact = Fraction(value, base)
    if exact.denominator == 1:
        expected = f"{exact.numerator:,}x"
    else:
        try:
            expected = f"{float(exact):,.1f}x"
        except OverflowError:
            expected = f"~{value // base:,}x"
    assert ratio_text(value, base) == expected
