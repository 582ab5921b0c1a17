"""The architecture grammar's syntax tree and parser:
``INPUT(32x32x3) -> [[CONV(32) -> RELU]*2 -> POOL]*2 -> FC(10)``.

A recursive-descent parser (one ``_parse_<rule>`` per rule, the EBNF in its docstring)
over the tokens of :mod:`cnncalc.parsing.tokens` builds a small syntax tree;
:mod:`cnncalc.parsing.expand` turns it into a network.
"""

from __future__ import annotations

from cnncalc.kinds import find_kind
from cnncalc.parsing.arith import ExpressionParser
from cnncalc.parsing.tokens import WHOLE, GrammarOrigin, Token
from cnncalc.record import field, record

# The syntax tree. Spans are kept for messages but left out of equality.


@record(frozen=False)
class Arg:
    """One argument: ``64``, ``3x3`` or ``s=2``."""

    key: str | None
    value: object
    origin: GrammarOrigin = field(compare=False, repr=False)


@record(frozen=False)
class Layer:
    """A layer word with optional arguments: ``CONV(64, 3, s=2)``."""

    word: str
    args: tuple[Arg, ...]
    origin: GrammarOrigin = field(compare=False, repr=False)


@record
class Group:
    """A bracketed chain: ``[CONV -> RELU]``."""

    items: tuple[Node, ...]
    origin: GrammarOrigin = field(compare=False, repr=False)


@record
class Repeat:
    """``item*N``: N an integer or a variable name."""

    item: Node
    count: int | str
    origin: GrammarOrigin = field(compare=False, repr=False)
    count_origin: GrammarOrigin | None = field(default=None, compare=False, repr=False)


@record
class Maybe:
    """``item?``: an optional part."""

    item: Node
    origin: GrammarOrigin = field(compare=False, repr=False)


@record
class Branches:
    """``ADD{ a -> b | IDENTITY }``: parallel chains from one input, merged by a layer."""

    merge: Layer
    branches: tuple[tuple[Node, ...], ...]
    origin: GrammarOrigin = field(compare=False, repr=False)


Node = Layer | Group | Repeat | Maybe | Branches


@record
class Param:
    """A block parameter, with its default (None when it must be given)."""

    name: str
    default: object = None


@record
class Definition:
    """``DEF name(params) = chain;``: a block used like a layer, ``name(64)``."""

    name: str
    params: tuple[Param, ...]
    body: tuple[Node, ...]
    origin: GrammarOrigin = field(compare=False, repr=False)


@record
class Program:
    """A parsed grammar text: block definitions, then the chain of top-level items."""

    items: tuple[Node, ...]
    source: str = field(compare=False, repr=False)
    filename: str = field(default="<spec>", compare=False, repr=False)
    definitions: tuple[Definition, ...] = ()


_ENDS = {"]": ("RBRACKET",), "{": ("PIPE", "RBRACE"), ";": ("SEMI",), "": ("END",)}
_EXPECTED = {
    "]": "'->' or ']'",
    "{": "'->', '|' or '}'",
    ";": "'->' or ';' (the end of the definition)",
    "": "'->' or the end",
}


class _Parser(ExpressionParser):
    def after(self, node: Node) -> str:
        text = " ".join(self.source[node.origin.start : node.origin.end].split())
        return text if len(text) <= 30 else text[:27] + "..."

    def parse_program(self) -> Program:
        """program := definition* chain END"""
        definitions = []
        while (
            self.peek().kind == "IDENT"
            and self.peek().text.upper() == "DEF"
            and self.peek(1).kind == "IDENT"
        ):
            definitions.append(self._parse_definition())
        if self.peek().kind == "END":
            raise self.error("the spec is empty; start with INPUT(HxWxC)", self.peek())
        items = self._parse_chain("")
        return Program(tuple(items), self.source, self.filename, tuple(definitions))

    def _parse_definition(self) -> Definition:
        """definition := 'DEF' IDENT ( '(' ( param ( ',' param )* )? ')' )? '=' chain ';'"""
        start = self.advance()
        name = self.advance()
        if find_kind(name.text) is not None:
            raise self.error(f"'{name.text}' is a layer kind; give the block another name", name)
        params: list[Param] = []
        opener = self.check("LPAREN")
        if opener is not None:
            with self.enclosing(
                opener,
                "RPAREN",
                "',' or ')' after a parameter",
                f"'(' of DEF {name.text} is never closed",
            ):
                while self.peek().kind != "RPAREN":
                    params.append(self._parse_param(params))
                    if self.check("COMMA") is None:
                        break
        self.expect("EQUALS", f"'=' after DEF {name.text}(...)")
        unclosed = f"DEF {name.text} never ends: close it with ';'"
        with self.enclosing(start, "SEMI", "';'", unclosed):
            body = self._parse_chain(";")
        end = self.tokens[self.pos - 1]
        return Definition(name.text, tuple(params), tuple(body), self.origin(start.start, end.end))

    def _parse_param(self, params: list[Param]) -> Param:
        """param := IDENT ( '=' value )?"""
        token = self.expect("IDENT", "a parameter name")
        default = self._parse_value() if self.check("EQUALS") else None
        if any(p.name == token.text for p in params):
            raise self.error(f"parameter {token.text} is given twice", token)
        return Param(token.text, default)

    def _parse_chain(self, closer: str) -> list[Node]:
        """chain := item ( '->' item )*   (ends at ']' in a group, '|' or '}' in branches,
        ';' in a definition)"""
        items = [self._parse_item()]
        while arrow := self.check("ARROW"):
            if self.peek().kind in ("END", "RBRACKET", "RBRACE", "PIPE", "SEMI"):
                raise self.error("a trailing '->' must be followed by a layer", arrow)
            items.append(self._parse_item())
        if self.peek().kind not in _ENDS[closer]:
            raise self.unexpected(f"{_EXPECTED[closer]} after {self.after(items[-1])}")
        return items

    def _parse_item(self) -> Node:
        """item := primary ( '*' count | '?' )*"""
        node = self._parse_primary()
        while self.peek().kind in ("STAR", "QMARK"):
            token = self.advance()
            if token.kind == "QMARK":
                node = Maybe(node, self.origin(node.origin.start, token.end))
                continue
            first = self.peek()
            count = self._parse_count()
            last = self.tokens[self.pos - 1]
            node = Repeat(
                node,
                count,
                self.origin(node.origin.start, last.end),
                self.origin(first.start, last.end),
            )
        return node

    def _parse_count(self) -> int | str:
        """count := IDENT | '-'? NUMBER   (a whole number >= 0, or a variable)"""
        name = self.check("IDENT")
        if name is not None:
            return name.text
        minus = self.check("MINUS")
        number = self.expect("NUMBER", "a repetition count (a number or a variable) after '*'")
        text = f"-{number.text}" if minus else number.text
        where = Token("NUMBER", text, minus.start if minus else number.start, number.end)
        if not WHOLE(number.text):
            raise self.error(f"a repetition count must be a whole number, got {text}", where)
        if minus is not None and int(number.text) != 0:
            raise self.error(f"a repetition count cannot be negative, got {text}", where)
        return int(number.text)

    def _parse_primary(self) -> Node:
        """primary := '[' chain ']' | branches | layer"""
        opener = self.check("LBRACKET")
        if opener is not None:
            if self.peek().kind == "RBRACKET":
                raise self.error("an empty group '[]' has no layers", self.peek())
            with self.enclosing(opener, "RBRACKET", "']'"):
                items = self._parse_chain("]")
            end = self.tokens[self.pos - 1]
            return Group(tuple(items), self.origin(opener.start, end.end))
        if self.peek().kind != "IDENT":
            raise self.unexpected("a layer or '['")
        layer = self._parse_layer()
        if self.peek().kind == "LBRACE":
            return self._parse_branches(layer)
        return layer

    def _parse_branches(self, merge: Layer) -> Branches:
        """branches := layer '{' chain ( '|' chain )* '}'   (the layer merges: ADD, CONCAT, MUL)"""
        opener = self.advance()
        branches = []
        with self.enclosing(opener, "RBRACE", "'|' or '}'"):
            while True:
                if self.peek().kind in ("PIPE", "RBRACE"):
                    raise self.error(
                        "an empty branch has no layers; write IDENTITY for a shortcut", self.peek()
                    )
                branches.append(tuple(self._parse_chain("{")))
                if self.check("PIPE") is None:
                    break
        end = self.tokens[self.pos - 1]
        return Branches(merge, tuple(branches), self.origin(merge.origin.start, end.end))

    def _parse_layer(self) -> Layer:
        """layer := IDENT ( '(' ( arg ( ',' arg )* )? ')' )?"""
        word = self.advance()
        args: list[Arg] = []
        opener = self.check("LPAREN")
        if opener is not None:
            with self.enclosing(
                opener,
                "RPAREN",
                f"',' or ')' in the arguments of {word.text}",
                f"'(' of {word.text} is never closed",
            ):
                if self.peek().kind != "RPAREN":
                    args.append(self._parse_arg())
                    while self.check("COMMA"):
                        args.append(self._parse_arg())
        end = self.tokens[self.pos - 1]
        return Layer(word.text, tuple(args), self.origin(word.start, end.end))

    def _parse_arg(self) -> Arg:
        """arg := ( IDENT '=' )? value"""
        token = self.peek()
        key = None
        if token.kind == "IDENT" and self.peek(1).kind == "EQUALS":
            key = token.text
            self.pos += 2
        value = self._parse_value()
        return Arg(key, value, self.origin(token.start, self.tokens[self.pos - 1].end))

    def _parse_value(self) -> object:
        """value := '[' value ( ',' value )* ']' | expression   (see arith; expressions
        are for block parameters)"""
        opener = self.check("LBRACKET")
        if opener is None:
            return self._parse_expression()
        with self.enclosing(opener, "RBRACKET", "',' or ']' in a list"):
            values = [self._parse_value()]
            while self.check("COMMA"):
                values.append(self._parse_value())
        return tuple(values)


def parse_program(source: str, filename: str = "<spec>") -> Program:
    """Parse grammar text into its syntax tree (no variables bound, nothing resolved)."""
    return _Parser(source, filename).parse_program()
