"""The architecture grammar: ``INPUT(32x32x3) -> [[CONV(32) -> RELU]*2 -> POOL]*2 -> FC(10)``.

A table-driven tokenizer and a recursive-descent parser (one ``_parse_<rule>`` per
rule, the EBNF in its docstring) build a small syntax tree; :func:`expand` binds
variables, takes or leaves optional parts, checks the layer budget and resolves each
layer once through the shared kinds table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import NamedTuple

from cnncalc.errors import GrammarError, GrammarSyntaxError, LimitError, did_you_mean
from cnncalc.kinds import Defaults, LayerFactory, convert_defaults, find_kind
from cnncalc.parse.common import (
    Choice,
    Expansion,
    LoadOptions,
    bind_input,
    check_layer_count,
    cli_default_entries,
    name_block,
    override_input,
    parse_input_text,
    relative_ref,
    suffix_repeated_names,
)
from cnncalc.spec import Add, Concat, InputSpec, LayerSpec, NetworkSpec, Origin

MAX_NESTING = 100

_IGNORED = r"(?:[ \t\r\n]+|#[^\n]*)*"  # whitespace and comments before each token
TOKEN_RULES: tuple[tuple[str, str], ...] = (  # the commonest first; DIMS before NUMBER
    ("ARROW", r"->|\u2192"),
    ("LPAREN", r"\("),
    ("RPAREN", r"\)"),
    ("COMMA", r","),
    ("EQUALS", r"="),
    ("IDENT", r"[A-Za-z_][A-Za-z0-9_]*"),
    ("LBRACKET", r"\["),
    ("RBRACKET", r"\]"),
    ("LBRACE", r"\{"),
    ("RBRACE", r"\}"),
    ("PIPE", r"\|"),
    ("STAR", r"\*"),
    ("PLUS", r"\+"),
    ("SEMI", r";"),
    ("QMARK", r"\?"),
    # 3x3, 224x224x3, and input sizes whose channels are a symbol: 32x32xC
    (
        "DIMS",
        r"\d+(?:[ \t]*[x\u00d7][ \t]*\d+)*(?:[ \t]*[x\u00d7][ \t]*(?:\d+|[A-Za-z_]\w*))(?![\w.])",
    ),
    ("NUMBER", r"-?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][+-]?\d+)?(?![\w.])"),
    ("BADNUM", r"[-\d.][\w.\u00d7]*"),
    ("STRING", r"\"[^\"\n]*\"|'[^'\n]*'"),
    ("END", r"\Z"),
    ("INVALID", r"."),
)
_TOKEN_RE = re.compile(
    _IGNORED + "(?:" + "|".join(f"(?P<{name}>{rule})" for name, rule in TOKEN_RULES) + ")",
    re.DOTALL,
)
_WHOLE = re.compile(r"-?\d+").fullmatch
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


@dataclass(slots=True)  # made per layer and argument: slots, not frozen, for speed
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


# The syntax tree. Spans are kept for messages but left out of equality.


@dataclass(slots=True)
class Arg:
    """One argument: ``64``, ``3x3`` or ``s=2``."""

    key: str | None
    value: object
    origin: GrammarOrigin = field(compare=False, repr=False)


@dataclass(slots=True)
class Layer:
    """A layer word with optional arguments: ``CONV(64, 3, s=2)``."""

    word: str
    args: tuple[Arg, ...]
    origin: GrammarOrigin = field(compare=False, repr=False)


@dataclass(frozen=True)
class Group:
    """A bracketed chain: ``[CONV -> RELU]``."""

    items: tuple[Node, ...]
    origin: GrammarOrigin = field(compare=False, repr=False)


@dataclass(frozen=True)
class Repeat:
    """``item*N``: N an integer or a variable name."""

    item: Node
    count: int | str
    origin: GrammarOrigin = field(compare=False, repr=False)
    count_origin: GrammarOrigin | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Maybe:
    """``item?``: an optional part."""

    item: Node
    origin: GrammarOrigin = field(compare=False, repr=False)


@dataclass(frozen=True)
class Branches:
    """``ADD{ a -> b | IDENTITY }``: parallel chains from one input, merged by a layer."""

    merge: Layer
    branches: tuple[tuple[Node, ...], ...]
    origin: GrammarOrigin = field(compare=False, repr=False)


Node = Layer | Group | Repeat | Maybe | Branches


@dataclass(frozen=True)
class Expr:
    """``filters*4`` or ``a+b`` in a block's arguments, worked out when the block is used."""

    op: str
    left: object
    right: object

    def __str__(self) -> str:
        return f"{self.left}{self.op}{self.right}"


@dataclass(frozen=True)
class Param:
    """A block parameter, with its default (None when it must be given)."""

    name: str
    default: object = None


@dataclass(frozen=True)
class Definition:
    """``DEF name(params) = chain;``: a block used like a layer, ``name(64)``."""

    name: str
    params: tuple[Param, ...]
    body: tuple[Node, ...]
    origin: GrammarOrigin = field(compare=False, repr=False)


@dataclass(frozen=True)
class Program:
    """A parsed grammar text: block definitions, then the chain of top-level items."""

    items: tuple[Node, ...]
    source: str = field(compare=False, repr=False)
    filename: str = field(default="<spec>", compare=False, repr=False)
    definitions: tuple[Definition, ...] = ()


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
        append(new(Token, (kind, source[start:end], start, end)))
    return tokens


class _Parser:
    def __init__(self, source: str, filename: str) -> None:
        self.source = source
        self.filename = filename
        self.tokens = tokenize(source, filename)
        self.pos = 0
        self.depth = 0

    # helpers

    def peek(self) -> Token:
        return self.tokens[self.pos]

    def advance(self) -> Token:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def origin(self, start: int, end: int) -> GrammarOrigin:
        return GrammarOrigin(self.source, start, end, self.filename)

    def error(self, message: str, token: Token) -> GrammarSyntaxError:
        end = token.end if token.end > token.start else token.start + 1
        return GrammarSyntaxError(message, self.source, token.start, end, self.filename)

    def after(self, node: Node) -> str:
        text = " ".join(self.source[node.origin.start : node.origin.end].split())
        return text if len(text) <= 30 else text[:27] + "..."

    def describe(self, token: Token) -> str:
        if token.kind in ("IDENT", "NUMBER", "DIMS", "STRING"):
            return f"'{token.text}'"
        return _DESCRIBE.get(token.kind, repr(token.text))

    # rules

    def parse_program(self) -> Program:
        """program := definition* chain END"""
        definitions = []
        while (
            self.peek().kind == "IDENT"
            and self.peek().text.upper() == "DEF"
            and (self.tokens[self.pos + 1].kind == "IDENT")
        ):
            definitions.append(self._parse_definition())
        items = self._parse_chain(closer=None)
        return Program(tuple(items), self.source, self.filename, tuple(definitions))

    def _parse_definition(self) -> Definition:
        """definition := 'DEF' IDENT '(' ( param ( ',' param )* )? ')' '=' chain ';'
        param := IDENT ( '=' value )?"""
        start = self.advance()
        name = self.advance()
        if find_kind(name.text) is not None:
            raise self.error(f"'{name.text}' is a layer kind; give the block another name", name)
        params: list[Param] = []
        if self.peek().kind == "LPAREN":
            opener = self.advance()
            while self.peek().kind != "RPAREN":
                token = self.peek()
                if token.kind != "IDENT":
                    raise self.error(
                        f"expected a parameter name, got {self.describe(token)}", token
                    )
                self.advance()
                default = None
                if self.peek().kind == "EQUALS":
                    self.advance()
                    default = self._parse_value(opener)
                if any(p.name == token.text for p in params):
                    raise self.error(f"parameter {token.text} is given twice", token)
                params.append(Param(token.text, default))
                if self.peek().kind == "COMMA":
                    self.advance()
                elif self.peek().kind != "RPAREN":
                    raise self.error(
                        f"expected ',' or ')' after a parameter, got {self.describe(self.peek())}",
                        self.peek(),
                    )
            self.advance()
        equals = self.peek()
        if equals.kind != "EQUALS":
            raise self.error(
                f"expected '=' after DEF {name.text}(...), got {self.describe(equals)}", equals
            )
        self.advance()
        body = self._parse_chain(closer=Token("DEF", name.text, start.start, start.end))
        end = self.advance()
        return Definition(name.text, tuple(params), tuple(body), self.origin(start.start, end.end))

    def _parse_chain(self, closer: Token | None) -> list[Node]:
        """chain := item ( '->' item )*   (ends at ']' in a group, '|' or '}' in branches)"""
        if self.peek().kind == "END" and closer is None:
            raise self.error("the spec is empty; start with INPUT(HxWxC)", self.peek())
        context = closer.kind if closer else "TOP"
        ends = {
            "TOP": ("END",),
            "LBRACKET": ("RBRACKET",),
            "LBRACE": ("PIPE", "RBRACE"),
            "DEF": ("SEMI",),
        }
        expected = {
            "TOP": "'->' or the end",
            "LBRACKET": "'->' or ']'",
            "LBRACE": "'->', '|' or '}'",
            "DEF": "'->' or ';' (the end of the definition)",
        }
        items = [self._parse_item(closer)]
        while True:
            token = self.peek()
            if token.kind == "ARROW":
                self.advance()
                following = self.peek()
                if following.kind in ("END", "RBRACKET", "RBRACE", "PIPE", "SEMI"):
                    raise self.error("a trailing '->' must be followed by a layer", token)
                items.append(self._parse_item(closer))
                continue
            if token.kind in ends[context]:
                return items
            if closer is not None and token.kind == "END":
                if context == "DEF":
                    raise self.error(f"DEF {closer.text} never ends: close it with ';'", closer)
                raise self.error(f"'{closer.text}' is never closed", closer)
            raise self.error(
                f"expected {expected[context]} after {self.after(items[-1])}, got "
                f"{self.describe(token)}",
                token,
            )

    def _parse_item(self, closer: Token | None) -> Node:
        """item := primary ( '*' count | '?' )*"""
        node = self._parse_primary(closer)
        while self.peek().kind in ("STAR", "QMARK"):
            token = self.advance()
            if token.kind == "QMARK":
                node = Maybe(node, self.origin(node.origin.start, token.end))
                continue
            count = self._parse_count(token)
            last = self.tokens[self.pos - 1]
            node = Repeat(
                node,
                count,
                self.origin(node.origin.start, last.end),
                self.origin(last.start, last.end),
            )
        return node

    def _parse_count(self, star: Token) -> int | str:
        """count := NUMBER | IDENT   (a whole number >= 0, or a variable)"""
        token = self.peek()
        if token.kind == "IDENT":
            self.advance()
            return token.text
        if token.kind == "NUMBER":
            self.advance()
            if not _WHOLE(token.text):
                raise self.error(
                    f"a repetition count must be a whole number, got {token.text}", token
                )
            value = int(token.text)
            if value < 0:
                raise self.error(f"a repetition count cannot be negative, got {value}", token)
            return value
        raise self.error(
            f"expected a repetition count (a number or a variable) after '*', got "
            f"{self.describe(token)}",
            token,
        )

    def _parse_primary(self, closer: Token | None) -> Node:
        """primary := '[' chain ']' | layer"""
        token = self.peek()
        if token.kind == "LBRACKET":
            self.advance()
            self.depth += 1
            if self.depth > MAX_NESTING:
                raise LimitError(
                    f"{self.origin(token.start, token.end).describe()}: groups nested deeper "
                    f"than {MAX_NESTING} levels"
                )
            if self.peek().kind == "RBRACKET":
                raise self.error("an empty group '[]' has no layers", self.peek())
            items = self._parse_chain(closer=token)
            end = self.advance()
            self.depth -= 1
            return Group(tuple(items), self.origin(token.start, end.end))
        if token.kind == "IDENT":
            layer = self._parse_layer()
            if self.peek().kind == "LBRACE":
                return self._parse_branches(layer)
            return layer
        if token.kind == "END" and closer is not None:
            raise self.error(f"'{closer.text}' is never closed", closer)
        raise self.error(f"expected a layer or '[', got {self.describe(token)}", token)

    def _parse_branches(self, merge: Layer) -> Branches:
        """branches := layer '{' chain ( '|' chain )* '}'   (the layer merges: ADD, CONCAT)"""
        opener = self.advance()
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise LimitError(
                f"{self.origin(opener.start, opener.end).describe()}: groups nested deeper "
                f"than {MAX_NESTING} levels"
            )
        branches = []
        while True:
            if self.peek().kind in ("PIPE", "RBRACE"):
                raise self.error(
                    "an empty branch has no layers; write IDENTITY for a shortcut", self.peek()
                )
            branches.append(tuple(self._parse_chain(closer=opener)))
            token = self.advance()
            if token.kind == "RBRACE":
                self.depth -= 1
                origin = self.origin(merge.origin.start, token.end)
                return Branches(merge, tuple(branches), origin)

    def _parse_layer(self) -> Layer:
        """layer := IDENT ( '(' ( arg ( ',' arg )* )? ')' )?"""
        word = self.advance()
        args: list[Arg] = []
        end = word.end
        if self.peek().kind == "LPAREN":
            opener = self.advance()
            if self.peek().kind != "RPAREN":
                args.append(self._parse_arg(opener))
                while self.peek().kind == "COMMA":
                    self.advance()
                    args.append(self._parse_arg(opener))
            token = self.peek()
            if token.kind == "END":
                raise self.error(f"'(' of {word.text} is never closed", opener)
            if token.kind != "RPAREN":
                raise self.error(
                    f"expected ',' or ')' in the arguments of {word.text}, got "
                    f"{self.describe(token)}",
                    token,
                )
            end = self.advance().end
        return Layer(word.text, tuple(args), self.origin(word.start, end))

    def _parse_arg(self, opener: Token) -> Arg:
        """arg := ( IDENT '=' )? value"""
        token = self.peek()
        key = None
        if token.kind == "IDENT" and self.tokens[self.pos + 1].kind == "EQUALS":
            key = token.text
            self.advance()
            self.advance()
        value_token = self.peek()
        return Arg(key, self._parse_value(opener), self.origin(token.start, value_token.end))

    def _parse_value(self, opener: Token) -> object:
        """value := atom ( ( '*' | '+' ) atom )*   (expressions are for block parameters)"""
        value = self._parse_atom(opener)
        while self.peek().kind in ("STAR", "PLUS"):
            op = "*" if self.advance().kind == "STAR" else "+"
            value = Expr(op, value, self._parse_atom(opener))
        return value

    def _parse_atom(self, opener: Token) -> object:
        """atom := DIMS | NUMBER | IDENT | STRING | '[' value ( ',' value )* ']'"""
        token = self.peek()
        if token.kind == "END":
            raise self.error("'(' is never closed", opener)
        self.advance()
        if token.kind == "LBRACKET":
            values = [self._parse_value(opener)]
            while self.peek().kind == "COMMA":
                self.advance()
                values.append(self._parse_value(opener))
            if self.peek().kind != "RBRACKET":
                raise self.error(
                    f"expected ',' or ']' in a list, got {self.describe(self.peek())}",
                    self.peek(),
                )
            self.advance()
            return tuple(values)
        if token.kind == "DIMS":
            return "x".join(re.split("[ \t]*[x\u00d7][ \t]*", token.text))
        if token.kind == "NUMBER":
            if _WHOLE(token.text):
                return int(token.text)
            return float(token.text)
        if token.kind == "IDENT":
            return token.text
        if token.kind == "STRING":
            return token.text[1:-1]
        raise self.error(f"expected a value, got {self.describe(token)}", token)


def parse_program(source: str, filename: str = "<spec>") -> Program:
    """Parse grammar text into its syntax tree (no variables bound, nothing resolved)."""
    return _Parser(source, filename).parse_program()


# Expansion


Bindings = dict[str, object]


def _bind(value: object, bindings: Bindings, origin: GrammarOrigin) -> object:
    """A block argument's value: parameters put in, ``*`` and ``+`` worked out."""
    if isinstance(value, str) and value in bindings:
        return bindings[value]
    if isinstance(value, tuple):
        return tuple(_bind(v, bindings, origin) for v in value)
    if isinstance(value, Expr):
        left, right = _bind(value.left, bindings, origin), _bind(value.right, bindings, origin)
        if (
            isinstance(left, bool)
            or isinstance(right, bool)
            or not (isinstance(left, int) and isinstance(right, int))
        ):
            raise origin.error(f"'{value}' needs whole numbers, got {left!r} and {right!r}")
        return left * right if value.op == "*" else left + right
    return value


class _Expander:
    def __init__(self, program: Program, options: LoadOptions, variables: dict[str, int]) -> None:
        self.program = program
        self.options = options
        self.variables = variables
        self.choices: list[Choice] = []
        self.blocks = {d.name.lower(): d for d in program.definitions}
        self.uses: dict[str, int] = {}
        self.active: list[str] = []

    def times(self, node: Repeat, bindings: Bindings) -> int:
        if isinstance(node.count, int):
            return node.count
        name = node.count
        where = node.count_origin or node.origin
        if name in bindings:
            value = bindings[name]
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise where.error(f"{name} = {value!r} is no repetition count")
            return value
        if name not in self.variables:
            known = sorted(self.variables)
            hint = did_you_mean(name, known) if known else ""
            raise where.error(
                f"variable {name} is not bound{hint}: give it with --set {name}=2 (or "
                f"'vars: {{{name}: 2}}' in a YAML spec)"
            )
        value = self.variables[name]
        if value < 0:
            raise where.error(f"variable {name} = {value} cannot be a negative count")
        return value

    def _block(self, node: Layer) -> Definition | None:
        return self.blocks.get(node.word.lower())

    def _arguments(
        self, node: Layer, block: Definition, bindings: Bindings
    ) -> tuple[Bindings, str | None]:
        """The parameters a block use binds (positional, then by name), and its name."""
        bound: Bindings = {}
        use_name = None
        names = [p.name for p in block.params]
        for i, arg in enumerate(node.args):
            value = _bind(arg.value, bindings, arg.origin)
            if arg.key is None:
                if i >= len(names):
                    raise arg.origin.error(f"{block.name} takes {len(names)} arguments")
                bound[names[i]] = value
            elif arg.key == "name":
                use_name = str(value)
            elif arg.key in names:
                bound[arg.key] = value
            else:
                raise arg.origin.error(
                    f"{block.name} has no parameter '{arg.key}'{did_you_mean(arg.key, names)}; "
                    f"its parameters: {', '.join(names) or 'none'}"
                )
        for param in block.params:
            if param.name not in bound:
                if param.default is None:
                    raise node.origin.error(f"{block.name} needs {param.name}")
                bound[param.name] = param.default
        return bound, use_name

    def count(self, nodes: tuple[Node, ...], bindings: Bindings | None = None) -> int:
        """Layers the nodes expand to, computed without expanding."""
        return sum(self._count(node, bindings or {}) for node in nodes)

    def _count(self, node: Node, bindings: Bindings) -> int:
        if isinstance(node, Layer):
            block = self._block(node)
            if block is None:
                return 1
            if block.name in self.active:
                raise node.origin.error(
                    f"block {block.name} uses itself ({' -> '.join([*self.active, block.name])})"
                )
            inner, _ = self._arguments(node, block, bindings)
            self.active.append(block.name)
            try:
                return self.count(block.body, inner)
            finally:
                self.active.pop()
        if isinstance(node, Group):
            return self.count(node.items, bindings)
        if isinstance(node, Repeat):
            return self.times(node, bindings) * self._count(node.item, bindings)
        if isinstance(node, Branches):
            return 1 + sum(self.count(branch, bindings) for branch in node.branches)
        return self._count(node.item, bindings) if self.options.optional else 0

    def expand(
        self,
        nodes: tuple[Node, ...],
        resolve: dict[object, LayerSpec],
        make: _LayerMaker,
        bindings: Bindings | None = None,
    ) -> list[LayerSpec]:
        out: list[LayerSpec] = []
        for node in nodes:
            out.extend(self._expand(node, resolve, make, bindings or {}))
        return out

    def _expand(
        self, node: Node, resolve: dict[object, LayerSpec], make: _LayerMaker, bindings: Bindings
    ) -> list[LayerSpec]:
        if isinstance(node, Layer):
            block = self._block(node)
            if block is not None:
                return self._expand_block(node, block, resolve, make, bindings)
            key = (id(node), tuple(sorted(bindings.items()))) if bindings else id(node)
            layer = resolve.get(key)
            if layer is None:
                layer = resolve[key] = make(node, bindings)
            return [layer]
        if isinstance(node, Group):
            return self.expand(node.items, resolve, make, bindings)
        if isinstance(node, Repeat):
            times = self.times(node, bindings)
            if times == 0:
                return []
            return suffix_repeated_names(self._expand(node.item, resolve, make, bindings), times)
        if isinstance(node, Branches):
            return self._expand_branches(node, resolve, make, bindings)
        taken = self.options.optional
        self.choices.append(
            Choice(
                " ".join(self.program.source[node.origin.start : node.origin.end].split()),
                node.origin.describe(),
                taken,
            )
        )
        return self._expand(node.item, resolve, make, bindings) if taken else []

    def _expand_block(
        self,
        node: Layer,
        block: Definition,
        resolve: dict[object, LayerSpec],
        make: _LayerMaker,
        bindings: Bindings,
    ) -> list[LayerSpec]:
        """A block's layers with its arguments bound, named under the use's name."""
        inner, use_name = self._arguments(node, block, bindings)
        self.active.append(block.name)
        try:
            layers = self.expand(block.body, resolve, make, inner)
        finally:
            self.active.pop()
        if not layers:
            return []
        self.uses[block.name] = self.uses.get(block.name, 0) + 1
        return name_block(layers, use_name or f"{block.name}{self.uses[block.name]}")

    def _expand_branches(
        self,
        node: Branches,
        resolve: dict[object, LayerSpec],
        make: _LayerMaker,
        bindings: Bindings,
    ) -> list[LayerSpec]:
        """Each branch reads the layer before the branches; the merge reads every branch's
        last layer. References are relative (``@-n``), so repeats copy them intact."""
        merge = make(node.merge, bindings)
        if not isinstance(merge.op, Add | Concat):
            raise node.merge.origin.error(
                f"{merge.kind} cannot merge branches; use ADD{{...}} or CONCAT{{...}}"
            )
        out: list[LayerSpec] = []
        ends = []
        for branch in node.branches:
            layers = self.expand(branch, resolve, make, bindings)
            if not layers:
                raise node.origin.error("a branch expands to no layers; write IDENTITY instead")
            first = layers[0]
            if not first.inputs:
                layers[0] = replace(first, inputs=(relative_ref(len(out) + 1),))
            out.extend(layers)
            ends.append(len(out) - 1)
        refs = tuple(relative_ref(len(out) - end) for end in ends)
        out.append(replace(merge, inputs=merge.inputs or refs))
        return out


class _LayerMaker:
    def __init__(self, dims: int, defaults: Defaults, variables: dict[str, int]) -> None:
        self.factory = LayerFactory(dims, defaults, variables)

    def __call__(self, node: Layer, bindings: Bindings) -> LayerSpec:
        if node.word.lower() == "input":
            raise node.origin.error("INPUT can only start the chain")
        positional: list[tuple[object, Origin]] = []
        keywords: list[tuple[str, object, Origin]] = []
        for arg in node.args:
            value = _bind(arg.value, bindings, arg.origin) if bindings else arg.value
            if isinstance(value, Expr):
                raise arg.origin.error(f"'{value}' is only allowed in a block (DEF)")
            if arg.key is None:
                if keywords:
                    raise arg.origin.error("a positional argument cannot follow a keyword one")
                positional.append((value, arg.origin))
            else:
                keywords.append((arg.key, value, arg.origin))
        return self.factory(node.word, positional, keywords, node.origin)


def _split_input(
    program: Program, file_input: InputSpec | None
) -> tuple[InputSpec | None, str | None, tuple[Node, ...]]:
    """The input a chain's leading ``INPUT(size, name=...)`` gives (or the spec file's),
    the network's name if INPUT gives one, and the rest of the chain."""
    first = program.items[0]
    if not (isinstance(first, Layer) and first.word.lower() == "input"):
        return file_input, None, program.items
    sizes = [arg for arg in first.args if arg.key is None]
    names = [arg for arg in first.args if arg.key is not None]
    for arg in names:
        if arg.key != "name":
            raise arg.origin.error(f"INPUT takes a size and name=..., not '{arg.key}'")
    name = str(names[0].value) if names else None
    if not sizes:
        return file_input, name, program.items[1:]
    if file_input is not None:
        raise first.origin.error("the input size is given twice (here and by YAML 'input')")
    if len(sizes) != 1:
        raise first.origin.error("INPUT takes one size, e.g. INPUT(224x224x3)")
    return parse_input_text(sizes[0].value, sizes[0].origin), name, program.items[1:]


def expand(
    program: Program,
    options: LoadOptions | None = None,
    *,
    input_spec: InputSpec | None = None,
    name: str | None = None,
    variables: dict[str, int] | None = None,
    spec_defaults: list[tuple[str, str, object, Origin]] | None = None,
) -> Expansion:
    """Bind variables and optional parts, check the layer budget, resolve every layer.

    ``input_spec``, ``variables`` and ``spec_defaults`` come from a YAML spec; the
    command line's (in ``options``) take precedence.
    """
    options = options or LoadOptions()
    bound = {**(variables or {}), **options.variables}
    spec_input, given_name, items = _split_input(program, input_spec)
    name = name or given_name
    spec_input = bind_input(override_input(options, spec_input), bound)
    if spec_input is None:
        raise program.items[0].origin.error(
            "the chain must start with INPUT(HxWxC), e.g. INPUT(32x32x3), or the input be "
            "given with --input"
        )
    expander = _Expander(program, options, bound)
    check_layer_count(expander.count(items), options.max_layers, program.items[-1].origin)
    defaults = convert_defaults(
        (spec_defaults or []) + cli_default_entries(options), spec_input.dims
    )
    layers = expander.expand(items, {}, _LayerMaker(spec_input.dims, defaults, bound))
    return Expansion(NetworkSpec(spec_input, tuple(layers), name), tuple(expander.choices))


def parse_grammar(
    source: str, filename: str = "<spec>", options: LoadOptions | None = None
) -> NetworkSpec:
    """Parse and expand grammar text into a :class:`NetworkSpec`."""
    return expand(parse_program(source, filename), options).spec
