"""Exact polynomials with integer coefficients, for channel counts written as symbols.

``CONV(C, 7)`` on a ``C``-channel input has ``49C^2`` weights: counts stay exact
polynomials through the engine and print as such. A polynomial without symbols is
always returned as a plain ``int``, so numeric specs never see this type.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fractions import Fraction

Monomial = tuple[tuple[str, int], ...]  # sorted (symbol, power) pairs; () is the constant


MAX_TERMS = 256
"""The most distinct terms a count may have: a spec with a new symbol per layer merged
a thousand times over is refused rather than left to grow without bound."""


class Poly:
    """A polynomial in named symbols with integer coefficients (immutable, hashable)."""

    __slots__ = ("_hash", "terms")

    terms: dict[Monomial, int]

    def __init__(self, terms: dict[Monomial, int]) -> None:
        self.terms = {m: c for m, c in terms.items() if c}
        if len(self.terms) > MAX_TERMS:
            from cnncalc.errors import LimitError

            raise LimitError(
                f"a count has more than {MAX_TERMS:,} distinct terms (symbols such as C, "
                "multiplied and added); use fewer distinct symbols"
            )
        self._hash: int | None = None

    @staticmethod
    def symbol(name: str) -> Poly:
        """The polynomial ``name``."""
        return Poly({((name, 1),): 1})

    @staticmethod
    def lift(value: Count) -> Poly:
        """An int as a constant polynomial; a polynomial as itself."""
        return value if isinstance(value, Poly) else Poly({(): value})

    def simplify(self) -> Count:
        """An int when no symbol is left, else self."""
        if not self.terms:
            return 0
        if set(self.terms) == {()}:
            return self.terms[()]
        return self

    # arithmetic

    def __add__(self, other: Count) -> Count:
        out = dict(self.terms)
        for m, c in Poly.lift(other).terms.items():
            out[m] = out.get(m, 0) + c
        return Poly(out).simplify()

    __radd__ = __add__

    def __neg__(self) -> Count:
        return Poly({m: -c for m, c in self.terms.items()}).simplify()

    def __sub__(self, other: Count) -> Count:
        return self + (-Poly.lift(other))

    def __rsub__(self, other: Count) -> Count:
        return Poly.lift(other) + (-self)

    def __mul__(self, other: Count) -> Count:
        out: dict[Monomial, int] = {}
        for m1, c1 in self.terms.items():
            for m2, c2 in Poly.lift(other).terms.items():
                powers = dict(m1)
                for name, p in m2:
                    powers[name] = powers.get(name, 0) + p
                key = tuple(sorted(powers.items()))
                out[key] = out.get(key, 0) + c1 * c2
        return Poly(out).simplify()

    __rmul__ = __mul__

    def divides_by(self, divisor: int) -> bool:
        """True when every coefficient is a multiple of ``divisor``."""
        return all(c % divisor == 0 for c in self.terms.values())

    def __floordiv__(self, divisor: int) -> Count:
        if not self.divides_by(divisor):
            raise ValueError(f"{self} is not divisible by {divisor}")
        return Poly({m: c // divisor for m, c in self.terms.items()}).simplify()

    def __mod__(self, divisor: int) -> int:
        return 0 if self.divides_by(divisor) else 1

    # comparison

    def __eq__(self, other: object) -> bool:
        if isinstance(other, int) and not isinstance(other, bool):
            return False  # a polynomial with a symbol never equals a number
        return isinstance(other, Poly) and self.terms == other.terms

    def __hash__(self) -> int:
        if self._hash is None:
            self._hash = hash(frozenset(self.terms.items()))
        return self._hash

    def ratio(self, other: Count) -> Fraction | None:
        """``self / other`` when it is a number (the same monomials in proportion)."""
        o = Poly.lift(other)
        if set(self.terms) != set(o.terms):
            return None
        from fractions import Fraction  # imported when needed: it costs start-up time

        ratios = {Fraction(c, o.terms[m]) for m, c in self.terms.items()}
        return ratios.pop() if len(ratios) == 1 else None

    # text

    def __str__(self) -> str:
        return self.text()

    def pretty(self) -> str:
        """As :meth:`text`, with thousands separators: ``50,176C^2``."""
        return self.text(separators=True)

    def text(self, separators: bool = False) -> str:
        """The polynomial, highest degree first: ``27C^2 + 10240C + 10``."""

        def degree(m: Monomial) -> int:
            return sum(p for _, p in m)

        parts = []
        for m in sorted(self.terms, key=lambda m: (-degree(m), m)):
            c = self.terms[m]
            names = "*".join(name if p == 1 else f"{name}^{p}" for name, p in m)
            number = f"{c:,}" if separators else str(c)
            if not names:
                parts.append(number)
            elif c == 1:
                parts.append(names)
            elif c == -1:
                parts.append(f"-{names}")
            else:
                parts.append(f"{number}{names}" if len(m) == 1 else f"{number}*{names}")
        text = " + ".join(parts)
        return text.replace("+ -", "- ")

    def __repr__(self) -> str:  # as written: messages quote values with repr
        return self.text()

    @property
    def symbols(self) -> set[str]:
        """Names of the symbols that occur."""
        return {name for m in self.terms for name, _ in m}


Count = int | Poly
"""A count: an exact integer, or a polynomial in symbols."""


def substitute(value: Count, bindings: dict[str, int]) -> Count:
    """Replace bound symbols with numbers."""
    if not isinstance(value, Poly):
        return value
    result: Count = 0
    for m, c in value.terms.items():
        term: Count = c
        for name, p in m:
            factor: Count = bindings[name] ** p if name in bindings else Poly({((name, p),): 1})
            term = term * factor
        result = result + term
    return result


def ratio(a: Count, b: Count) -> Fraction | None:
    """``a / b`` as an exact number, or None when it is not one (or b is 0)."""
    if isinstance(a, int) and isinstance(b, int):
        from fractions import Fraction

        return Fraction(a, b) if b else None
    return Poly.lift(a).ratio(b)


def total(values: Iterable[Count]) -> Count:
    """The sum of many counts, in one pass: polynomials are added into one table of terms
    (adding them one by one copies the growing table each time, quadratic in the number
    of layers)."""
    whole = 0
    terms: dict[Monomial, int] = {}
    for value in values:
        if isinstance(value, int):
            whole += value
        else:
            for m, c in value.terms.items():
                terms[m] = terms.get(m, 0) + c
    if not terms:
        return whole
    if whole:
        terms[()] = terms.get((), 0) + whole
    return Poly(terms).simplify()


def ratio_text(value: Count, base: Count, style: str = ",.1f") -> str:
    """``value / base`` as ``3,025x`` or ``75,425.5x`` (``style`` formats a fraction);
    ``n/a`` when the ratio is not a number."""
    if isinstance(value, int) and isinstance(base, int):  # no Fraction: start-up of `conv`
        if not base:
            return "n/a"
        whole, rest = divmod(value, base)
        if not rest:
            return f"{whole:,}x"
        try:
            return f"{value / base:{style}}x"  # int / int is correctly rounded, as float(r)
        except OverflowError:
            return f"~{whole:,}x"
    r = ratio(value, base)
    if r is None:
        return "n/a"
    if r.denominator == 1:
        return f"{r.numerator:,}x"
    approx = as_float(r)
    return f"~{r.numerator // r.denominator:,}x" if approx is None else f"{approx:{style}}x"


def as_float(value: Fraction) -> float | None:
    """The nearest float, or None past the float range (a ratio of huge counts)."""
    try:
        return float(value)
    except OverflowError:
        return None


def quotient_text(numerator: int, denominator: int) -> str:
    """An exact quotient: a whole number, a short decimal (``54.25``), else ``7/3``."""
    whole, rest = divmod(numerator * 10_000, denominator)
    if rest:
        return f"{numerator}/{denominator}"
    sign = "-" if whole < 0 else ""
    units, fraction = divmod(abs(whole), 10_000)  # in integers: it may pass any float
    return f"{sign}{units}.{fraction:04d}".rstrip("0").rstrip(".")
