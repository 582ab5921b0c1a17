"""The filter of a sweep: comparisons of named figures joined by ``and``, ``or``, ``not``.

::

    params < 5e6 and (macs <= 1.5G or N == 1)

Operands are names (a sweep's totals and variables) and numbers: decimals with an
optional exponent (``5e6``) and suffix ``k``, ``M``, ``G`` or ``T`` (powers of 1,000).
Comparisons are ``<``, ``<=``, ``>``, ``>=``, ``==`` and ``!=``; ``not`` binds tightest,
then ``and``, then ``or``. The text is parsed by hand into a small tree once and
evaluated for each row with exact fractions: it never reaches Python's ``eval``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from fractions import Fraction
from typing import NamedTuple

from cnncalc.errors import CnnCalcError, GrammarSyntaxError, did_you_mean

MAX_WHERE_CHARS = 1_000
MAX_EXPONENT = 300  # 1e999999999 would take minutes to write out exactly
MAX_DEPTH = 50

SUFFIXES = {"k": 3, "M": 6, "G": 9, "T": 12}
_TOKEN = re.compile(
    r"\s*(?:(?P<number>(?:\d+(?:\.\d*)?|\.\d+)(?:[eE](?P<exp>[+-]?\d+))?(?P<suffix>[kMGT])?"
    r"(?![\w.]))|(?P<name>[A-Za-z_]\w*)|(?P<op><=|>=|==|!=|<|>)|(?P<paren>[()]))",
    re.ASCII,
)
_COMPARE: dict[str, Callable[[Fraction, Fraction], bool]] = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
}
KEYWORDS = ("and", "or", "not")


class Compare(NamedTuple):
    """``left op right``; operands are names (str) or exact numbers."""

    op: str
    left: str | Fraction
    right: str | Fraction


class Logic(NamedTuple):
    """``and``/``or`` of two conditions, or ``not`` of one (``right`` None)."""

    op: str
    left: Condition
    right: Condition | None = None


Condition = Compare | Logic


class _Token(NamedTuple):
    kind: str  # number, name, op, paren, word, end
    text: str
    start: int
    value: Fraction | None = None


def _number(text: str, exp: str | None, suffix: str | None) -> Fraction | None:
    """The number exactly, or None when its exponent is out of bounds."""
    mantissa = text.split("e")[0].split("E")[0]
    if suffix:
        mantissa = mantissa[: -len(suffix)] if mantissa.endswith(suffix) else mantissa
    if exp and len(exp.lstrip("+-")) > 4:
        return None
    power = int(exp or 0) + SUFFIXES.get(suffix or "", 0)
    if abs(power) > MAX_EXPONENT or len(mantissa) > MAX_EXPONENT:
        return None
    return Fraction(mantissa) * Fraction(10) ** power


def _tokens(text: str) -> list[_Token]:
    out: list[_Token] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            start = len(text) - len(text[pos:].lstrip())
            raise _error(text, "not a name, number, comparison or parenthesis", start)
        kind = match.lastgroup
        start = match.start(kind) if kind else pos
        token = match.group(kind) if kind else ""
        if kind == "number":
            body = match.group("number")
            value = _number(body, match.group("exp"), match.group("suffix"))
            if value is None:
                raise _error(text, f"numbers go up to 1e{MAX_EXPONENT}", start, match.end())
            out.append(_Token("number", body, start, value))
        elif kind == "name" and token in KEYWORDS:
            out.append(_Token("word", token, start))
        else:
            out.append(_Token(kind or "", token, start))
        pos = match.end()
    out.append(_Token("end", "", len(text)))
    return out


def _error(text: str, message: str, start: int, end: int | None = None) -> CnnCalcError:
    error = GrammarSyntaxError(message, text, start, end, filename="where")
    error.option = "where"
    return error


class _Parser:
    def __init__(self, text: str, names: Collection[str]) -> None:
        self.text = text
        self.names = names
        self.tokens = _tokens(text)
        self.pos = 0

    def peek(self) -> _Token:
        return self.tokens[self.pos]

    def take(self) -> _Token:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def fail(self, message: str, token: _Token) -> CnnCalcError:
        return _error(self.text, message, token.start, token.start + max(1, len(token.text)))

    def condition(self, depth: int) -> Condition:
        if depth > MAX_DEPTH:
            raise self.fail(f"conditions nest at most {MAX_DEPTH} deep", self.peek())
        left = self.conjunction(depth)
        while self.peek().text == "or" and self.peek().kind == "word":
            self.take()
            left = Logic("or", left, self.conjunction(depth))
        return left

    def conjunction(self, depth: int) -> Condition:
        left = self.negation(depth)
        while self.peek().text == "and" and self.peek().kind == "word":
            self.take()
            left = Logic("and", left, self.negation(depth))
        return left

    def negation(self, depth: int) -> Condition:
        token = self.peek()
        if token.kind == "word" and token.text == "not":
            self.take()
            if depth > MAX_DEPTH:
                raise self.fail(f"conditions nest at most {MAX_DEPTH} deep", token)
            return Logic("not", self.negation(depth + 1))
        if token.text == "(":
            self.take()
            inner = self.condition(depth + 1)
            if self.peek().text != ")":
                raise self.fail("expected ')'", self.peek())
            self.take()
            return inner
        left = self.operand()
        op = self.peek()
        if op.kind != "op":
            raise self.fail(f"expected a comparison (<, <=, >, >=, ==, !=) after {left}", op)
        self.take()
        return Compare(op.text, left, self.operand())

    def operand(self) -> str | Fraction:
        token = self.take()
        if token.kind == "number":
            assert token.value is not None
            return token.value
        if token.kind == "name":
            if token.text not in self.names:
                hint = did_you_mean(token.text, self.names)
                raise self.fail(
                    f"unknown name '{token.text}'{hint}; use {', '.join(self.names)}", token
                )
            return token.text
        what = "the end" if token.kind == "end" else f"'{token.text}'"
        raise self.fail(f"expected a name or a number, got {what}", token)


def parse_where(text: str, names: Collection[str]) -> Condition:
    """The condition ``text`` says, over ``names``. Raises GrammarSyntaxError (a
    CnnCalcError, ``option`` ``where``) with a caret at the fault."""
    if len(text) > MAX_WHERE_CHARS:
        raise CnnCalcError(
            f"the condition is {len(text):,} characters; at most {MAX_WHERE_CHARS:,}",
            option="where",
        )
    parser = _Parser(text, names)
    if parser.peek().kind == "end":
        raise parser.fail("the condition is empty", parser.peek())
    condition = parser.condition(0)
    if parser.peek().kind != "end":
        raise parser.fail("expected 'and', 'or' or the end", parser.peek())
    return condition


def holds(condition: Condition, values: Mapping[str, Fraction | int | None]) -> bool:
    """Whether the condition holds for these values. A name whose value is None (a
    symbolic count) makes its comparison false."""

    def operand(x: str | Fraction) -> Fraction | int | None:
        return values[x] if isinstance(x, str) else x

    if isinstance(condition, Compare):
        left, right = operand(condition.left), operand(condition.right)
        if left is None or right is None:
            return False
        return _COMPARE[condition.op](Fraction(left), Fraction(right))
    if condition.right is None:  # not
        return not holds(condition.left, values)
    if condition.op == "and":
        return holds(condition.left, values) and holds(condition.right, values)
    return holds(condition.left, values) or holds(condition.right, values)
