"""Arithmetic on block parameters, the same for YAML blocks and grammar DEF blocks.

Whole numbers and parameter names with ``+ - * //``, unary minus and parentheses, with
the usual precedence: ``*`` and ``//`` bind tighter than ``+`` and ``-``, all are
left-associative, and ``//`` is floor division as in Python. Every intermediate value
is bounded (:data:`MAX_MAGNITUDE`), so nested blocks cannot grow numbers without end.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from cnncalc.errors import CnnCalcError
from cnncalc.parsing.tokens import MAX_NESTING, WHOLE, Token, TokenStream
from cnncalc.record import record
from cnncalc.spec import Origin

MAX_MAGNITUDE = 10**18
MAX_OPERATORS = MAX_NESTING  # per expression; keeps trees (and recursion over them) shallow

_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "//": 2, "neg": 3}
_IDENT = re.compile(r"[A-Za-z_]\w*")
_NAME = re.compile(r"\b[A-Za-z_]\w*")


@record
class Expr:
    """``f*4``, ``(f+1)//2`` or ``-f``: worked out when the block is used.

    ``op`` is ``+``, ``-``, ``*`` or ``//`` with two operands, or ``neg`` (unary minus,
    ``right`` None). Operands are whole numbers, parameter names or expressions.
    """

    op: str
    left: object
    right: object = None

    def __str__(self) -> str:
        """Canonical text with the fewest parentheses: it parses back to the same tree."""
        level = _PRECEDENCE[self.op]
        if self.op == "neg":
            return "-" + _operand_text(self.left, level)
        return f"{_operand_text(self.left, level)}{self.op}{_operand_text(self.right, level + 1)}"


def _operand_text(value: object, level: int) -> str:
    text = str(value)
    if isinstance(value, Expr) and _PRECEDENCE[value.op] < level:
        return f"({text})"
    return text


def is_operand(value: object) -> bool:
    """Whether arithmetic can take ``value``: a whole number, a name or an expression."""
    if isinstance(value, str):
        return _IDENT.fullmatch(value) is not None
    return isinstance(value, Expr) or type(value) is int


class ExpressionParser(TokenStream):
    """The arithmetic rules over grammar tokens; the grammar's parser extends it."""

    operators = 0  # in the expression being read

    def _parse_expression(self) -> object:
        """expression := sum   (at most MAX_OPERATORS operators)"""
        self.operators = 0
        return self._parse_sum()

    def _parse_sum(self) -> object:
        """sum := term ( ( '+' | '-' ) term )*"""
        value = self._parse_term()
        while self.peek().kind in ("PLUS", "MINUS"):
            op = self.advance()
            value = self._combine(op.text, op, value, self._parse_term())
        return value

    def _parse_term(self) -> object:
        """term := factor ( ( '*' | '//' ) factor )*"""
        value = self._parse_factor()
        while self.peek().kind in ("STAR", "SLASHES"):
            op = self.advance()
            value = self._combine(op.text, op, value, self._parse_factor())
        return value

    def _parse_factor(self) -> object:
        """factor := '-' factor | '(' sum ')' | atom   (``-`` and a number: a negative number)"""
        minus = self.check("MINUS")
        if minus is not None:
            self._count(minus)
            operand = self._parse_factor()
            if type(operand) in (int, float):
                return -operand  # type: ignore[operator]
            return self._combine("neg", minus, operand, None)
        opener = self.check("LPAREN")
        if opener is not None:
            with self.enclosing(opener, "RPAREN", "an operator or ')'"):
                value = self._parse_sum()
            if not is_operand(value):
                raise self.error(
                    f"parentheses are for arithmetic on whole numbers and names, not {value!r}",
                    opener,
                )
            return value
        return self._parse_atom()

    def _parse_atom(self) -> object:
        """atom := DIMS | NUMBER | IDENT | STRING"""
        token = self.peek()
        if token.kind == "NUMBER":
            self.advance()
            return int(token.text) if WHOLE(token.text) else float(token.text)
        if token.kind == "IDENT":
            self.advance()
            return token.text
        if token.kind == "DIMS":
            self.advance()
            return "x".join(re.split("[ \t]*[x\u00d7][ \t]*", token.text))
        if token.kind == "STRING":
            self.advance()
            return token.text[1:-1]
        raise self.unexpected("a value")

    def _count(self, token: Token) -> None:
        self.operators += 1
        if self.operators > MAX_OPERATORS:
            raise self.error(f"an expression may have at most {MAX_OPERATORS} operators", token)

    def _combine(self, op: str, token: Token, left: object, right: object) -> Expr:
        """An operation, once its operands are checked (the error points at ``token``)."""
        if op != "neg":  # counted when read
            self._count(token)
        for value in (left,) if op == "neg" else (left, right):
            if not is_operand(value):
                raise self.error(
                    f"'{token.text}' works on whole numbers and parameter names, not {value!r}",
                    token,
                )
        return Expr(op, left, right)


def parse_expression(text: str) -> object:
    """The value an expression's text stands for: an :class:`Expr`, a number or a name.

    Raises a :class:`~cnncalc.errors.GrammarSyntaxError` when the text is no expression.
    """
    parser = ExpressionParser(text, "<expression>")
    value = parser._parse_expression()
    parser.expect("END", "an operator or the end")
    return value


def evaluate(value: object, params: Mapping[str, object], origin: Origin) -> int:
    """Work out an expression (or a lone name or number) with the parameters' values.

    A name that is no parameter, a value that is no whole number (booleans are not),
    a division by zero or a value beyond :data:`MAX_MAGNITUDE` is an error at ``origin``.
    """

    def bounded(number: int) -> int:
        if abs(number) > MAX_MAGNITUDE:
            raise origin.error(
                f"'{value}' goes beyond {MAX_MAGNITUDE:,}, the bound of block arithmetic"
            )
        return number

    def work(node: object) -> int:
        if isinstance(node, Expr):
            left = work(node.left)
            if node.op == "neg":
                return -left
            right = work(node.right)
            if node.op == "+":
                return bounded(left + right)
            if node.op == "-":
                return bounded(left - right)
            if node.op == "*":
                return bounded(left * right)
            if right == 0:
                raise origin.error(f"'{value}' divides by zero")
            return left // right  # |left // right| <= |left| or 1
        bound = params.get(node, node) if isinstance(node, str) else node
        if isinstance(node, str) and node not in params:
            raise origin.error(f"'{value}': {node} is not a parameter of the block")
        if type(bound) is not int:
            name = f"parameter {node}" if isinstance(node, str) else "the value"
            raise origin.error(f"'{value}': {name} is {bound!r}, not a whole number")
        return bounded(bound)

    return work(value)


def evaluate_text(text: str, params: Mapping[str, object], origin: Origin) -> object:
    """YAML block arithmetic: ``filters * 4`` worked out with the block's parameters.

    Text that names no parameter (or names something besides parameters) stays text.
    """
    names = set(_NAME.findall(text))
    if not names or not names <= params.keys():
        return text
    try:
        tree = parse_expression(text)
    except CnnCalcError:
        raise origin.error(
            f"'{text}': only + - * // on whole numbers are allowed in blocks"
        ) from None
    return evaluate(tree, params, origin)
