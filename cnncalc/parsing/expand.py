"""Expansion of a parsed grammar program into a network.

:func:`expand` binds variables and block parameters, takes or leaves optional parts,
checks the layer budget (in time bounded by the program, not by the network it
describes) and resolves each layer once through the shared kinds table.
"""

from __future__ import annotations

from cnncalc.errors import LimitError, about, did_you_mean
from cnncalc.kinds import (
    Defaults,
    LayerFactory,
    convert_defaults,
    expand_shorthand,
    to_bool,
    to_name,
    to_share,
    typed_key,
)
from cnncalc.options import Options
from cnncalc.parsing.arith import Expr, evaluate
from cnncalc.parsing.common import (
    Choice,
    Expansion,
    UseKey,
    bind_input,
    check_layer_count,
    check_use_share,
    cli_default_entries,
    name_block,
    override_input,
    parse_input_text,
    relative_ref,
    suffix_repeated_names,
)
from cnncalc.parsing.grammar import (
    Branches,
    Definition,
    Group,
    Layer,
    Node,
    Program,
    Repeat,
    parse_program,
)
from cnncalc.parsing.tokens import GrammarOrigin
from cnncalc.record import replace
from cnncalc.spec import InputSpec, LayerSpec, NetworkSpec, Origin, is_merge

# Sizing remembers block uses per arguments; uses with ever new arguments (n*2, n*2+1
# nested) defeat that, so the work is bounded too: real networks take hundreds of steps.
_USE_KEYS = ("name", "from", "training_only", "share", "frozen")
"""What a block use takes besides its parameters."""

MAX_SIZING_STEPS = 100_000

Bindings = dict[str, object]
"""A block's parameters and their values; None outside any block."""


def _bind(value: object, bindings: Bindings, origin: GrammarOrigin) -> object:
    """An argument's value in a block: parameters put in, arithmetic worked out."""
    if isinstance(value, str):
        return bindings.get(value, value)
    if isinstance(value, tuple):
        return tuple(_bind(v, bindings, origin) for v in value)
    if isinstance(value, Expr):
        return evaluate(value, bindings, origin)
    return value


def _kept(node: Layer, bindings: Bindings | None) -> bool:
    """``when=name`` / ``when="not name"`` on a layer or block use inside a block: kept
    when the block parameter is true (false), as YAML's ``when:``."""
    for arg in node.args:
        if arg.key != "when":
            continue
        if bindings is None:
            raise arg.origin.error("'when' is for layers inside blocks")
        text = str(arg.value).strip()
        negate = text.startswith("not ")
        name = text[4:].strip() if negate else text
        if name not in bindings:
            raise arg.origin.error(
                f"'when' names '{name}', which is no parameter of this block"
                f"{did_you_mean(name, bindings)}"
            )
        value = bindings[name]
        if isinstance(value, str) and value.lower() in ("true", "false"):
            value = value.lower() == "true"
        return bool(value) != negate
    return True


def _without_when(node: Layer) -> Layer:
    """The layer without its ``when=`` (already decided), the same node when it has none."""
    if all(arg.key != "when" for arg in node.args):
        return node
    return Layer(node.word, tuple(a for a in node.args if a.key != "when"), node.origin)


def _key(bindings: Bindings | None) -> object:
    """Bindings as a cache key that keeps types: 1, 1.0 and True are different arguments."""
    if not bindings:
        return bindings is not None
    return tuple((name, typed_key(value)) for name, value in sorted(bindings.items()))


def _refs(value: object, origin: GrammarOrigin) -> tuple[str, ...]:
    """The layer names of a block use's ``from=a`` or ``from=[a, b]``, as in YAML."""
    items = value if isinstance(value, tuple) else (value,)
    refs = []
    for item in items:
        if isinstance(item, bool) or not isinstance(item, str | int) or str(item) == "":
            raise origin.error(f"'from' takes layer names, got {item!r}")
        refs.append(str(item))
    return tuple(refs)


class _Size:
    """What a node expands to: its layers, and the nodes expansion visits on the way."""

    __slots__ = ("layers", "visits")

    def __init__(self, layers: int, visits: int) -> None:
        self.layers = layers
        self.visits = visits


class _Expander:
    def __init__(self, program: Program, options: Options, variables: dict[str, int]) -> None:
        self.program = program
        self.options = options
        self.variables = variables
        self.choices: list[Choice] = []
        self.blocks = {d.name.lower(): d for d in program.definitions}
        self.uses: dict[str, int] = {}
        self.use_blocks: dict[UseKey, str] = {}  # the block of each use, for 'share'
        self.active: list[str] = []
        self.sizes: dict[tuple[str, object], _Size] = {}  # per block and bound arguments
        # Expansion walks each block use anew; parts that expand to nothing (left-out
        # optional parts, empty blocks) cost visits without layers, so visits are bounded too.
        self.max_visits = 4 * options.max_layers + 100_000
        self.steps = 0

    def times(self, node: Repeat, bindings: Bindings | None) -> int:
        if isinstance(node.count, int):
            return node.count
        name = node.count
        where = node.count_origin or node.origin
        if bindings is not None and name in bindings:
            value = bindings[name]
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise where.error(f"{name} = {value!r} is no repetition count")
            return value
        if name not in self.variables:
            known = sorted(self.variables)
            hint = did_you_mean(name, known) if known else ""
            raise about(
                where.error(
                    f"variable {name} is not bound{hint}: give it a value ({name}=2) or write "
                    f"'vars: {{{name}: 2}}' in a YAML spec"
                ),
                "variables",
            )
        value = self.variables[name]
        if value < 0:
            raise where.error(f"variable {name} = {value} cannot be a negative count")
        return value

    def _block(self, node: Layer) -> Definition | None:
        return self.blocks.get(node.word.lower())

    def _arguments(
        self, node: Layer, block: Definition, bindings: Bindings | None
    ) -> tuple[Bindings, str | None, tuple[str, ...], bool, str | None, bool]:
        """The parameters a block use binds (positional, then by name), its name, the
        layers it reads (``from=``; none: the layer before it), whether it only trains
        (``training_only=``), the use it shares parameters with (``share=``) and whether
        its parameters are frozen (``frozen=``), each checked as on a layer and as YAML
        checks them."""
        bound: Bindings = {}
        use_name = None
        inputs: tuple[str, ...] = ()
        training_only = False
        share = None
        frozen = False
        names = [p.name for p in block.params]
        for i, arg in enumerate(node.args):
            value = arg.value if bindings is None else _bind(arg.value, bindings, arg.origin)
            if isinstance(value, Expr):
                raise arg.origin.error(f"'{value}' is only allowed in a block (DEF)")
            if arg.key is None:
                if i >= len(names):
                    raise arg.origin.error(f"{block.name} takes {len(names)} arguments")
                bound[names[i]] = value
            elif arg.key == "name":
                use_name = to_name(value, arg.origin)
            elif arg.key == "from":
                inputs = _refs(value, arg.origin)
            elif arg.key == "training_only":
                training_only = to_bool(value, "training_only", 0, arg.origin)
            elif arg.key == "share":
                share = to_share(value, arg.origin)
            elif arg.key == "frozen":
                frozen = to_bool(value, "frozen", 0, arg.origin)
            elif arg.key in names:
                bound[arg.key] = value
            else:
                raise arg.origin.error(
                    f"{block.name} has no parameter '{arg.key}'"
                    f"{did_you_mean(arg.key, [*names, *_USE_KEYS])}; "
                    f"its parameters: {', '.join(names) or 'none'}"
                )
        for param in block.params:
            if param.name not in bound:
                if param.default is None:
                    raise node.origin.error(f"{block.name} needs {param.name}")
                default = param.default
                if isinstance(default, Expr):  # of numbers alone: DEF b(f=2*32)
                    default = evaluate(default, {}, node.origin)
                bound[param.name] = default
        return bound, use_name, inputs, training_only, share, frozen

    # Sizes: what expansion will produce, worked out without expanding and refused as
    # soon as any part passes the budget. Block uses are remembered per arguments, so
    # a block used twice in each of 40 nested blocks costs 40 steps, not 2**40.

    def size(self, nodes: tuple[Node, ...], bindings: Bindings | None, top: bool = False) -> _Size:
        """The nodes' size; parts beyond the budget refused (the top level's own nodes are
        left to the caller, which names the exact total)."""
        total = _Size(0, 0)
        for node in nodes:
            part = self._measure(node, bindings) if top else self._size(node, bindings)
            total.layers += part.layers
            total.visits += part.visits
        return total

    def _size(self, node: Node, bindings: Bindings | None) -> _Size:
        size = self._measure(node, bindings)
        if size.layers > self.options.max_layers:
            raise LimitError(
                f"{node.origin.describe()}: this part expands to {size.layers:,} layers, more "
                f"than the limit of {self.options.max_layers:,}",
                option="max_layers",
            )
        self.check(size, node.origin)
        return size

    def check(self, size: _Size, origin: GrammarOrigin) -> None:
        """Refuse an expansion that would take too many steps."""
        if size.visits > self.max_visits:
            raise LimitError(
                f"{origin.describe()}: expanding this takes more than {self.max_visits:,} "
                "steps (the budget grows with the layer limit)",
                option="max_layers",
            )

    def _measure(self, node: Node, bindings: Bindings | None) -> _Size:
        self.steps += 1
        if self.steps > MAX_SIZING_STEPS:
            raise LimitError(
                f"{node.origin.describe()}: working out the spec's size takes more than "
                f"{MAX_SIZING_STEPS:,} steps (block uses nested with ever new arguments)"
            )
        if isinstance(node, Layer):
            if not _kept(node, bindings):
                return _Size(0, 1)
            node = _without_when(node)
            block = self._block(node)
            if block is None:
                return _Size(1, 1)
            if block.name in self.active:
                raise node.origin.error(
                    f"block {block.name} uses itself ({' -> '.join([*self.active, block.name])})"
                )
            inner = self._arguments(node, block, bindings)[0]
            key = (block.name, _key(inner))
            known = self.sizes.get(key)
            if known is None:
                self.active.append(block.name)
                try:
                    known = self.sizes[key] = self.size(block.body, inner)
                finally:
                    self.active.pop()
            return _Size(known.layers, known.visits + 1)
        if isinstance(node, Group):
            inner_size = self.size(node.items, bindings)
            return _Size(inner_size.layers, inner_size.visits + 1)
        if isinstance(node, Repeat):
            times = self.times(node, bindings)
            if times == 0:  # expansion does not look inside either
                return _Size(0, 1)
            item = self._size(node.item, bindings)
            return _Size(times * item.layers, item.visits + 1)
        if isinstance(node, Branches):
            inner_size = self.size(tuple(n for b in node.branches for n in b), bindings)
            return _Size(inner_size.layers + 1, inner_size.visits + 1)
        if not self.options.optional:
            return _Size(0, 1)
        item = self._size(node.item, bindings)
        return _Size(item.layers, item.visits + 1)

    def expand(
        self,
        nodes: tuple[Node, ...],
        resolve: dict[object, LayerSpec],
        make: _LayerMaker,
        bindings: Bindings | None,
    ) -> list[LayerSpec]:
        out: list[LayerSpec] = []
        for node in nodes:
            out.extend(self._expand(node, resolve, make, bindings, out))
        return out

    def _expand(
        self,
        node: Node,
        resolve: dict[object, LayerSpec],
        make: _LayerMaker,
        bindings: Bindings | None,
        before: list[LayerSpec] | None = None,
    ) -> list[LayerSpec]:
        """The layers one node expands to; ``before`` are the layers already expanded
        beside it (repeats number their names after those)."""
        if isinstance(node, Layer):
            if not _kept(node, bindings):
                return []
            node = _without_when(node)
            block = self._block(node)
            if block is not None:
                return self._expand_block(node, block, resolve, make, bindings)
            key = (id(node), _key(bindings))
            layer = resolve.get(key)
            if layer is None:
                layer = resolve[key] = make(node, bindings)
            return expand_shorthand(layer)
        if isinstance(node, Group):
            return self.expand(node.items, resolve, make, bindings)
        if isinstance(node, Repeat):
            times = self.times(node, bindings)
            if times == 0:
                return []
            body = self._expand(node.item, resolve, make, bindings)
            names = [x.name for x in before or () if x.name]
            return suffix_repeated_names(body, times, names)
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
        bindings: Bindings | None,
    ) -> list[LayerSpec]:
        """A block's layers with its arguments bound, named under the use's name and
        reading the layers ``from=`` names (as a YAML block use's ``from``)."""
        inner, use_name, inputs, training_only, share, frozen = self._arguments(
            node, block, bindings
        )
        self.active.append(block.name)
        try:
            layers = self.expand(block.body, resolve, make, inner)
        finally:
            self.active.pop()
        if not layers:
            return []
        self.uses[block.name] = self.uses.get(block.name, 0) + 1
        prefix = use_name or f"{block.name}{self.uses[block.name]}"
        scope = tuple(self.active)
        if share is not None:
            where = next(a.origin for a in node.args if a.key == "share")
            check_use_share(self.use_blocks, scope, share, prefix, block.name, where)
        self.use_blocks[scope, prefix] = block.name
        named = name_block(layers, prefix, inputs, share)
        if training_only:
            named = [replace(layer, training_only=True) for layer in named]
        if frozen:
            named = [replace(layer, frozen=True) for layer in named]
        return named

    def _expand_branches(
        self,
        node: Branches,
        resolve: dict[object, LayerSpec],
        make: _LayerMaker,
        bindings: Bindings | None,
    ) -> list[LayerSpec]:
        """Each branch reads the layer before the branches; the merge reads every branch's
        last layer. References are relative (``@-n``), so repeats copy them intact."""
        merge = make(node.merge, bindings)
        if not is_merge(merge.op):
            raise node.merge.origin.error(
                f"{merge.kind} cannot merge branches; use ADD{{...}}, CONCAT{{...}} or MUL{{...}}"
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

    def __call__(self, node: Layer, bindings: Bindings | None) -> LayerSpec:
        if node.word.lower() == "input":
            raise node.origin.error("INPUT can only start the chain")
        positional: list[tuple[object, Origin]] = []
        keywords: list[tuple[str, object, Origin]] = []
        for arg in node.args:
            value = arg.value if bindings is None else _bind(arg.value, bindings, arg.origin)
            if isinstance(value, Expr):
                raise arg.origin.error(f"'{value}' is only allowed in a block (DEF)")
            if arg.key is None:
                if keywords:
                    raise arg.origin.error("a positional argument cannot follow a keyword one")
                positional.append((value, arg.origin))
            else:
                keywords.append((arg.key, value, arg.origin))
        return self.factory(node.word, positional, keywords, node.origin, tuple(bindings or ()))


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
    options: Options | None = None,
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
    options = options or Options()
    bound = {**(variables or {}), **options.variables}
    spec_input, given_name, items = _split_input(program, input_spec)
    name = name or given_name
    spec_input = bind_input(override_input(options, spec_input), bound)
    if spec_input is None:
        raise about(
            program.items[0].origin.error(
                "the chain must start with INPUT(HxWxC), e.g. INPUT(32x32x3)"
            ),
            "input_size",
        )
    expander = _Expander(program, options, bound)
    total = expander.size(items, None, top=True)
    expander.check(total, program.items[-1].origin)
    check_layer_count(total.layers, options.max_layers, program.items[-1].origin)
    defaults = convert_defaults(
        (spec_defaults or []) + cli_default_entries(options), spec_input.dims
    )
    layers = expander.expand(items, {}, _LayerMaker(spec_input.dims, defaults, bound), None)
    return Expansion(NetworkSpec(spec_input, tuple(layers), name), tuple(expander.choices))


def parse_grammar(
    source: str, filename: str = "<spec>", options: Options | None = None
) -> NetworkSpec:
    """Parse and expand grammar text into a :class:`NetworkSpec`."""
    return expand(parse_program(source, filename), options).spec
