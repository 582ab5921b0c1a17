"""Tokens of the architecture grammar: the rules as data, :func:`tokenize`, and
:class:`TokenStream`, the reading helpers the parsers share (``expect``, ``enclosing``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NamedTuple

from cnncalc.errors import GrammarError, GrammarSyntaxError, LimitError
from cnncalc.kinds import CHOICE_WORDS
from cnncalc.record import field, record

MAX_NESTING = 100
MAX_DIGITS = 1000  # a longer literal is no size anyone means (and int() refuses 4,300)

_IGNORED = r"(?:[ \t\r\n]+|#[^\n]*)*"  # whitespace and comments before each token
_HYPHENATED = "|".join(
    re.escape(word) for word in sorted(CHOICE_WORDS, key=len, reverse=True) if "-" in word
)
"""Words of the kinds' choices with a hyphen (``nearest-exact``, PyTorch's spelling): one
word, unquoted, where ``N-1`` elsewhere is a subtraction and ``->`` an arrow."""
_WORD = rf"(?i:{_HYPHENATED})(?!\w|-(?!>))|" if _HYPHENATED else ""
TOKEN_RULES: tuple[tuple[str, str], ...] = (  # the commonest first; DIMS before NUMBER
    ("ARROW", r"->|\u2192"),  # before MINUS
    ("LPAREN", r"\("),
    ("RPAREN", r"\)"),
    ("COMMA", r","),
    ("EQUALS", r"="),
    ("IDENT", _WORD + r"[A-Za-z_][A-Za-z0-9_]*"),
    ("LBRACKET", r"\["),
    ("RBRACKET", r"\]"),
    ("LBRACE", r"\{"),
    ("RBRACE", r"\}"),
    ("PIPE", r"\|"),
    ("STAR", r"\*"),
    ("PLUS", r"\+"),
    ("MINUS", r"-"),  # a negative number is MINUS NUMBER, so f-1 is f minus 1
    ("SLASHES", r"//"),
    ("SEMI", r";"),
    ("QMARK", r"\?"),
    # 3x3, 224x224x3, and input sizes whose channels are a symbol: 32x32xC
    (
        "DIMS",
        r"\d+(?:[ \t]*[x\u00d7][ \t]*\d+)*(?:[ \t]*[x\u00d7][ \t]*(?:\d+|[A-Za-z_]\w*))(?![\w.])",
    ),
    ("NUMBER", r"(?:\d+\.\d*|\.\d+|\d+)(?:[eE][+-]?\d+)?(?![\w.])"),
    ("BADNUM", r"[\d.][\w.\u00d7]*"),
    ("STRING", r"\"[^\"\n]*\"|'[^'\n]*'"),
    ("END", r"\Z"),
    ("INVALID", r"."),
)
_TOKEN_RE = re.compile(
    _IGNORED + "(?:" + "|".join(f"(?P<{name}>{rule})" for name, rule in TOKEN_RULES) + ")",
    re.DOTALL | re.ASCII,  # digits are 0-9: no other script's digits pass as numbers
)
WHOLE = re.compile(r"[0-9]+").fullmatch
_LEADING_ZERO = re.compile(r"(?:^|[^0-9.])0[0-9]").search
"""Whether a NUMBER token's text is a whole number."""

_DESCRIBE = {
    "ARROW": "'->'",
    "LBRACKET": "'['",
    "RBRACKET": "']'",
    "LPAREN": "'('",
    "RPAREN": "')'",
    "COMMA": "','",
    "LBRACE": "'{'",
    "RBRACE": "'}'",
    "PIPE": "'|'",
    "STAR": "'*'",
    "PLUS": "'+'",
    "MINUS": "'-'",
    "SLASHES": "'//'",
    "SEMI": "';'",
    "QMARK": "'?'",
    "EQUALS": "'='",
    "END": "the end",
}


class Token(NamedTuple):
    """A token: its rule name, text and span in the source."""

    kind: str
    text: str
    start: int
    end: int


def describe(token: Token) -> str:
    """A token as messages name it: ``'CONV'``, ``','``, ``the end``."""
    if token.kind in ("IDENT", "NUMBER", "DIMS", "STRING"):
        return f"'{token.text}'"
    return _DESCRIBE.get(token.kind, repr(token.text))


def tokenize(source: str, filename: str = "<spec>") -> list[Token]:
    """Split grammar text into tokens; an unknown character is a syntax error."""
    tokens: list[Token] = []
    append = tokens.append
    new = tuple.__new__  # in C; Token(...) and Token._make go through Python first
    for match in _TOKEN_RE.finditer(source):
        kind: str = match.lastgroup  # type: ignore[assignment]
        start, end = match.span(kind)
        if kind == "INVALID":
            raise GrammarSyntaxError(
                f"unexpected character {source[start]!r}", source, start, end, filename
            )
        if kind == "BADNUM":
            raise GrammarSyntaxError(
                f"'{source[start:end]}' is not a number or a size such as 3x3",
                source,
                start,
                end,
                filename,
            )
        text = source[start:end]
        if kind in ("NUMBER", "DIMS") and "0" in text and _LEADING_ZERO(text):
            raise GrammarSyntaxError(
                f"'{text}': numbers are written in decimal without leading zeros "
                "(is 010 eight or ten?)",
                source,
                start,
                end,
                filename,
            )
        if kind == "NUMBER" and end - start > MAX_DIGITS:
            raise GrammarSyntaxError(
                f"a number of {end - start:,} characters is too long (at most {MAX_DIGITS:,})",
                source,
                start,
                end,
                filename,
            )
        append(new(Token, (kind, source[start:end], start, end)))
    return tokens


@record(frozen=False)  # made per layer and argument: slots, not frozen, for speed
class GrammarOrigin:
    """A span of grammar text; errors drawn with a caret under it."""

    source: str = field(repr=False)
    start: int
    end: int
    filename: str

    def error(self, message: str) -> GrammarError:
        return GrammarError(message, self.source, self.start, self.end, self.filename)

    def describe(self) -> str:
        line = self.source.count("\n", 0, self.start) + 1
        column = self.start - (self.source.rfind("\n", 0, self.start) + 1) + 1
        return f"{self.filename}:{line}:{column}"


class TokenStream:
    """Tokens read one by one, with the checks every rule needs.

    :meth:`expect` takes a token of a kind or says what was expected instead;
    :meth:`enclosing` brackets a rule between an opening token and its closing one,
    bounding the nesting and naming the opener when the text ends inside it.
    """

    def __init__(self, source: str, filename: str = "<spec>") -> None:
        self.source = source
        self.filename = filename
        self.tokens = tokenize(source, filename)
        self.pos = 0
        self.open: list[tuple[Token, str]] = []  # openers not yet closed, with their message

    def peek(self, ahead: int = 0) -> Token:
        return self.tokens[min(self.pos + ahead, len(self.tokens) - 1)]

    def advance(self) -> Token:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def check(self, kind: str) -> Token | None:
        """The next token if it is of ``kind`` (then read), else None."""
        token = self.tokens[self.pos]
        if token.kind != kind:
            return None
        self.pos += 1
        return token

    def expect(self, kind: str, what: str) -> Token:
        """Read a token of ``kind``; any other is an error saying ``what`` was expected."""
        token = self.tokens[self.pos]
        if token.kind != kind:
            raise self.unexpected(what)
        self.pos += 1
        return token

    def unexpected(self, what: str) -> GrammarSyntaxError:
        """``expected <what>, got <next token>``; at the end of the text inside an opened
        bracket, that the bracket is never closed (pointing at it)."""
        token = self.peek()
        if token.kind == "END" and self.open:
            opener, message = self.open[-1]
            return self.error(message, opener)
        return self.error(f"expected {what}, got {describe(token)}", token)

    @contextmanager
    def enclosing(
        self, opener: Token, closing: str, what: str, unclosed: str | None = None
    ) -> Iterator[None]:
        """Parse a rule after ``opener`` (already read), then read its ``closing`` token
        (``what`` names what may come instead in the message); ``unclosed`` is the message
        when the text ends first."""
        if len(self.open) >= MAX_NESTING:
            raise LimitError(
                f"{self.origin(opener.start, opener.end).describe()}: groups nested deeper "
                f"than {MAX_NESTING} levels"
            )
        self.open.append((opener, unclosed or f"'{opener.text}' is never closed"))
        yield
        self.expect(closing, what)
        self.open.pop()

    def origin(self, start: int, end: int) -> GrammarOrigin:
        return GrammarOrigin(self.source, start, end, self.filename)

    def error(self, message: str, token: Token) -> GrammarSyntaxError:
        end = token.end if token.end > token.start else token.start + 1
        return GrammarSyntaxError(message, self.source, token.start, end, self.filename)
