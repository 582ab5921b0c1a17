"""YAML specs -> :class:`NetworkSpec`: top keys, input, defaults, blocks, layers and
repeat, with every error naming the key path and line.

Reading the document itself (composition, aliases, scalars, origins) is
:mod:`cnncalc.parsing.yaml_doc`; this module gives the values their meaning.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

import yaml

from cnncalc.errors import LimitError, SpecError, about, did_you_mean
from cnncalc.kinds import (
    KINDS,
    Defaults,
    LayerFactory,
    convert_defaults,
    expand_shorthand,
    find_kind,
    layer_refs,
    lookup_kind,
    to_bool,
    to_name,
    to_share,
)
from cnncalc.options import MAX_LAYERS, Options
from cnncalc.parsing.common import (
    Expansion,
    UseKey,
    bind_input,
    check_layer_count,
    check_use_share,
    cli_default_entries,
    name_block,
    override_input,
    parse_input_text,
    suffix_repeated_names,
)
from cnncalc.parsing.yaml_doc import (
    MAX_DEPTH,
    STR_TAG,
    Document,
    YamlOrigin,
    compose,
    describe,
    is_null,
)
from cnncalc.record import replace
from cnncalc.spec import InputSpec, LayerSpec, NetworkSpec, Origin

TOP_KEYS = (
    "name",
    "input",
    "defaults",
    "blocks",
    "layers",
    "arch",
    "vars",
    "source",
    "description",
)


def _parse_input(doc: Document, node: yaml.Node, origin: YamlOrigin) -> InputSpec:
    """``input: 224x224x3`` (spatial then channels), ``784`` (flat), a list, or a mapping."""
    if isinstance(node, yaml.MappingNode):
        fields = {k: (v, o) for k, v, o in doc.items(node, origin.path)}
        for key in fields:
            if key not in ("size", "channels"):
                raise fields[key][1].error(
                    f"unknown input key '{key}'{did_you_mean(key, ['size', 'channels'])}; "
                    "input takes size and channels"
                )
        if "channels" not in fields:
            raise origin.error("input needs channels (e.g. {size: [224, 224], channels: 3})")
        size_value = (
            doc.value(fields["size"][0], fields["size"][1].path) if "size" in fields else []
        )
        if not isinstance(size_value, list):
            size_value = [size_value]
        channels = doc.value(fields["channels"][0], fields["channels"][1].path)
        return parse_input_text([*size_value, channels], fields["channels"][1])
    return parse_input_text(doc.value(node, origin.path), origin)


def _default_entries(
    doc: Document, node: yaml.Node, path: str
) -> list[tuple[str, str, object, Origin]]:
    entries: list[tuple[str, str, object, Origin]] = []
    for kind_word, kind_node, kind_origin in doc.items(node, path):
        lookup_kind(kind_word, kind_origin)
        for key, value_node, origin in doc.items(kind_node, kind_origin.path):
            entries.append((kind_word, key, doc.value(value_node, origin.path), origin))
    return entries


class BlockDef(NamedTuple):
    """A reusable block: parameters with defaults, and the layers that use them."""

    name: str
    params: dict[str, object]
    layers: yaml.SequenceNode
    path: str


class _Scope(NamedTuple):
    """Block layers being read: the block, its bound parameters, and the blocks being
    expanded (to refuse a block that uses itself)."""

    block: BlockDef
    params: dict[str, object]
    chain: tuple[str, ...]


def _arith(text: str, params: dict[str, object], origin: YamlOrigin) -> object:
    """``filters * 4`` with the block's parameters: + - * // on whole numbers only."""
    from cnncalc.parsing.arith import evaluate_text

    return evaluate_text(text, params, origin)


def _substitute(value: object, scope: _Scope | None, origin: YamlOrigin) -> object:
    """A block parameter's value in place of its name or of an expression over them."""
    if scope is None:
        return value
    if isinstance(value, str):
        if value in scope.params:
            return scope.params[value]
        if re.search(r"[-+*/]", value):
            return _arith(value, scope.params, origin)
    if isinstance(value, list):
        return [_substitute(v, scope, origin) for v in value]
    return value


class _TooMany(Exception):
    """Counting stopped: the layers counted so far (or those read only to be checked)
    are beyond the budget."""

    def __init__(self, total: int, unused: int) -> None:
        super().__init__(total, unused)
        self.total = total
        self.unused = unused


class LayerReader:
    """Reads the ``layers`` list, expanding ``repeat`` and block uses under a budget."""

    def __init__(
        self,
        doc: Document,
        dims: int,
        defaults: Defaults,
        variables: dict[str, int],
        blocks: dict[str, BlockDef] | None = None,
    ) -> None:
        self.doc = doc
        self.make = LayerFactory(dims, defaults, variables)
        self.variables = variables
        self.blocks = blocks or {}
        self._uses: dict[str, int] = {}
        self._use_blocks: dict[UseKey, str] = {}  # the block of each use, for 'share'
        self._counts: dict[int, tuple[int, int, int]] = {}  # by id of a list node
        self._limit = MAX_LAYERS

    def count(self, node: yaml.Node, path: str, limit: int, origin: YamlOrigin) -> int:
        """How many layers a list expands to (at most: layers whose 'when' may be false
        count too), computed without expanding it; refused beyond ``limit``.

        Reading is bounded too: a body repeated 0 times is still read, to check it, and
        the layers read that way must stay within ``limit`` as well.

        Each list (a block's layers, a repeat's body) is counted once and remembered, as
        the count does not depend on a block's arguments; counting stops as soon as a
        running total passes ``limit``, so a refusal takes as long as reading the text.
        """
        self._limit = limit
        try:
            total, unused, _ = self._count(node, path, 0, ())
            if unused > limit:
                raise _TooMany(total, unused)
        except _TooMany as over:
            if over.total <= limit:
                raise LimitError(
                    f"{origin.describe()}: layers repeated 0 times are still read, to check "
                    f"them: {over.unused:,} or more, more than the limit of {limit:,}",
                    option="max_layers",
                ) from None
            raise LimitError(
                f"{origin.describe()}: the spec expands to {over.total:,} layers or more, "
                f"more than the limit of {limit:,}",
                option="max_layers",
            ) from None
        check_layer_count(total, limit, origin)
        return total

    def _count(
        self, node: yaml.Node, path: str, depth: int, chain: tuple[str, ...]
    ) -> tuple[int, int, int]:
        """The layers a list expands to, the layers read in it only to be checked (bodies
        repeated 0 times), and how deeply repeats and blocks nest in it."""
        known = self._counts.get(id(node))
        if known is not None:
            if depth + known[2] > MAX_DEPTH:
                raise self._too_deep(node, path)
            return known
        if depth > MAX_DEPTH:
            raise self._too_deep(node, path)
        if not isinstance(node, yaml.SequenceNode):
            raise self.doc.origin(node, path).error(f"layers must be a list, got {describe(node)}")
        total, unused, height = 0, 0, 0
        for i, item in enumerate(node.value):
            if not self._special(item):
                total += 1
                continue
            repeat = self._repeat_block(item, f"{path}[{i}]")
            use = self._block_use(item, f"{path}[{i}]") if repeat is None else None
            if repeat is not None:
                times, body, body_path = repeat
                try:
                    inner, inner_unused, below = self._count(body, body_path, depth + 1, chain)
                except _TooMany as over:
                    if times:
                        raise
                    raise _TooMany(total, unused + over.total + over.unused) from None
                total += times * inner
                unused += inner_unused + (0 if times else inner)
                height = max(height, below + 1)
            elif use is not None:
                block = use[0]
                if block.name in chain:
                    raise self.doc.origin(item, f"{path}[{i}]").error(
                        f"block '{block.name}' uses itself ({' -> '.join([*chain, block.name])})"
                    )
                inner, inner_unused, below = self._count(
                    block.layers, block.path, depth + 1, (*chain, block.name)
                )
                total += inner
                unused += inner_unused
                height = max(height, below + 1)
            else:
                total += 1
            if (total > self._limit or unused > self._limit) and i + 1 < len(node.value):
                raise _TooMany(total, unused)  # more items to come: stop here
        self._counts[id(node)] = (total, unused, height)
        return total, unused, height

    def _too_deep(self, node: yaml.Node, path: str) -> LimitError:
        return LimitError(
            f"{self.doc.origin(node, path).describe()}: repeat blocks nested "
            f"deeper than {MAX_DEPTH} levels"
        )

    def _special(self, item: yaml.Node) -> bool:
        """Whether a list item may be a repeat block or a block's use; when not, it is a
        layer (or an error that reading it as a layer reports)."""
        if isinstance(item, yaml.ScalarNode):
            return item.value in self.blocks
        if isinstance(item, yaml.MappingNode):
            return any(
                key.tag != STR_TAG or key.value == "repeat" or key.value in self.blocks
                for key, _ in item.value
            )
        return False

    def _repeat_block(self, item: yaml.Node, path: str) -> tuple[int, yaml.Node, str] | None:
        if not isinstance(item, yaml.MappingNode):
            return None
        keys = {k: (v, o) for k, v, o in self.doc.items(item, path)}
        if "repeat" not in keys:
            return None
        extra = set(keys) - {"repeat", "layers"}
        if extra:
            key = sorted(extra)[0]
            raise keys[key][1].error(
                f"a repeat block takes only 'repeat' and 'layers', not '{key}'"
            )
        if "layers" not in keys:
            raise keys["repeat"][1].error("a repeat block needs 'layers' (the list to repeat)")
        times_node, times_origin = keys["repeat"]
        times = self.doc.value(times_node, times_origin.path)
        if isinstance(times, str) and times in self.variables:
            times = self.variables[times]
        elif isinstance(times, str) and times.isidentifier():
            raise about(
                times_origin.error(
                    f"variable {times} is not bound: give it a value ({times}=2) or write it "
                    "in 'vars'"
                ),
                "variables",
            )
        if isinstance(times, bool) or not isinstance(times, int) or times < 0:
            raise times_origin.error(f"repeat must be a whole number 0 or more, got {times!r}")
        return times, keys["layers"][0], keys["layers"][1].path

    def _block_use(
        self, item: yaml.Node, path: str
    ) -> tuple[BlockDef, dict[str, tuple[object, YamlOrigin]], YamlOrigin] | None:
        """A use of a defined block: ``- bottleneck: {filters: 64}`` or ``- bottleneck``."""
        if not self.blocks:
            return None
        if isinstance(item, yaml.ScalarNode):
            word = item.value
            if word in self.blocks:
                return self.blocks[word], {}, self.doc.origin(item, path)
            return None
        if not isinstance(item, yaml.MappingNode):
            return None
        entries = self.doc.items(item, path)
        used = [e for e in entries if e[0] in self.blocks]
        if not used:
            return None
        word, body, origin = used[0]
        args: dict[str, tuple[object, YamlOrigin]] = {}
        for key, node, key_origin in entries:
            if key != word:
                args[key] = (self.doc.value(node, key_origin.path), key_origin)
        if isinstance(body, yaml.MappingNode):
            for key, node, key_origin in self.doc.items(body, origin.path):
                args[key] = (self.doc.value(node, key_origin.path), key_origin)
        elif not is_null(body):
            raise origin.error(f"block '{word}' takes a mapping of its parameters")
        return self.blocks[word], args, origin

    def read(self, node: yaml.Node, path: str) -> list[LayerSpec]:
        layers: list[LayerSpec] = []
        self._read_into(node, path, layers, None)
        return layers

    def _read_into(
        self, node: yaml.Node, path: str, out: list[LayerSpec], scope: _Scope | None
    ) -> None:
        assert isinstance(node, yaml.SequenceNode)
        for i, item in enumerate(node.value):
            item_path = f"{path}[{i}]"
            if not self._special(item):
                layer = self.layer(item, item_path, scope)
                if layer is not None:
                    out.extend(expand_shorthand(layer))
                continue
            repeat = self._repeat_block(item, item_path)
            if repeat is not None:
                times, body, body_path = repeat
                once: list[LayerSpec] = []
                self._read_into(body, body_path, once, scope)
                if once and times:
                    before = [layer.name for layer in out if layer.name]
                    out.extend(suffix_repeated_names(once, times, before))
                continue
            use = self._block_use(item, item_path)
            if use is not None:
                self._expand_block(*use, out, scope)
                continue
            layer = self.layer(item, item_path, scope)
            if layer is not None:
                out.extend(expand_shorthand(layer))

    def _expand_block(
        self,
        block: BlockDef,
        args: dict[str, tuple[object, YamlOrigin]],
        origin: YamlOrigin,
        out: list[LayerSpec],
        outer: _Scope | None,
    ) -> None:
        """A block's use: its layers with the use's arguments, named after the use (none
        when the use's 'when' is false). ``name``, ``from``, ``training_only`` and ``when``
        are checked as on a layer."""
        params = dict(block.params)
        name: str | None = None
        inputs: tuple[str, ...] = ()
        training_only = False
        frozen = False
        share: tuple[str, YamlOrigin] | None = None
        taken = True
        for key, (value, key_origin) in args.items():
            if key == "when":
                taken = self._when(value, outer, key_origin)
                continue
            value = _substitute(value, outer, key_origin)
            if key == "training_only":
                training_only = to_bool(value, "training_only", self.make.dims, key_origin)
            elif key == "name":
                name = to_name(value, key_origin)
            elif key == "from":
                inputs = layer_refs(value, key_origin)
            elif key == "share":
                share = (to_share(value, key_origin), key_origin)
            elif key == "frozen":
                frozen = to_bool(value, "frozen", self.make.dims, key_origin)
            elif key in params:
                params[key] = value
            else:
                known = ", ".join(params) or "none"
                special = ["name", "from", "training_only", "when", "share", "frozen"]
                raise key_origin.error(
                    f"block '{block.name}' has no parameter '{key}'"
                    f"{did_you_mean(key, [*params, *special])}; its parameters: {known}"
                )
        if not taken:
            return
        self._uses[block.name] = self._uses.get(block.name, 0) + 1
        chain = (*outer.chain, block.name) if outer else (block.name,)
        body: list[LayerSpec] = []
        self._read_into(block.layers, block.path, body, _Scope(block, params, chain))
        prefix = name or f"{block.name}{self._uses[block.name]}"
        scope = outer.chain if outer else ()
        if share is not None:
            check_use_share(self._use_blocks, scope, share[0], prefix, block.name, share[1])
        self._use_blocks[scope, prefix] = block.name
        named = name_block(body, prefix, inputs, share[0] if share else None)
        if training_only:
            named = [replace(layer, training_only=True) for layer in named]
        if frozen:
            named = [replace(layer, frozen=True) for layer in named]
        out.extend(named)

    def _when(self, value: object, scope: _Scope | None, origin: YamlOrigin) -> bool:
        if scope is None:
            raise origin.error("'when' is for layers inside blocks")
        text = str(value).strip()
        negate = text.startswith("not ")
        key = text[4:].strip() if negate else text
        if isinstance(value, bool):
            return value
        if key not in scope.params:
            raise origin.error(
                f"'when' names '{key}', which is no parameter of block "
                f"'{scope.block.name}'{did_you_mean(key, scope.params)}"
            )
        return bool(scope.params[key]) != negate

    def layer(self, node: yaml.Node, path: str, scope: _Scope | None = None) -> LayerSpec | None:
        """One layer item; inside a block, with its parameters put in (None when the
        layer's 'when' is false)."""
        doc = self.doc
        origin = doc.origin(node, path)
        if isinstance(node, yaml.ScalarNode) and not is_null(node):
            word = doc.scalar(node, path)
            if not isinstance(word, str):
                raise origin.error(f"expected a layer kind such as conv or relu, got {word!r}")
            entries: list[tuple[str, yaml.Node, YamlOrigin]] = [(word, node, origin)]
            body_values: list[tuple[str, object, YamlOrigin]] = []
            word_only = True
        elif isinstance(node, yaml.MappingNode):
            entries = doc.items(node, path)
            word_only = False
        else:
            raise origin.error(
                f"expected a layer (e.g. 'relu' or 'conv: 64'), got {describe(node)}"
            )
        special = ("name", "from", "when", "training_only", "share")
        kind_entries = [
            e for e in entries if e[0].lower() not in special and find_kind(e[0]) is not None
        ]
        if not kind_entries:
            keys = [e for e in entries if e[0].lower() not in special]
            if not keys:
                raise origin.error("a layer needs a kind, e.g. 'conv: 64'")
            known = [k.name for k in KINDS] + list(self.blocks)
            raise keys[0][2].error(
                f"unknown layer kind '{keys[0][0]}'{did_you_mean(keys[0][0], known)}; "
                f"known kinds: {', '.join(k.name for k in KINDS)}"
                + (f"; blocks: {', '.join(self.blocks)}" if self.blocks else "")
            )
        if len(kind_entries) > 1:
            raise kind_entries[1][2].error(
                f"one layer per list item: '{kind_entries[0][0]}' and '{kind_entries[1][0]}' "
                "are both layer kinds"
            )
        word, body, body_origin = kind_entries[0]
        positional: list[tuple[object, Origin]] = []
        values: list[tuple[str, object, YamlOrigin]] = []
        if not word_only:
            for key, value_node, key_origin in entries:
                if key != word:
                    values.append((key, doc.value(value_node, key_origin.path), key_origin))
            if isinstance(body, yaml.MappingNode):
                for key, value_node, key_origin in doc.items(body, body_origin.path):
                    if isinstance(value_node, yaml.ScalarNode):  # the usual case, one call less
                        value = doc.scalar(value_node, key_origin.path)
                    else:
                        value = doc.value(value_node, key_origin.path)
                    values.append((key, value, key_origin))
            elif isinstance(body, yaml.SequenceNode):
                for i, item in enumerate(body.value):
                    item_path = f"{body_origin.path}[{i}]"
                    item_origin = doc.origin(item, item_path)
                    positional.append(
                        (_substitute(doc.value(item, item_path), scope, item_origin), item_origin)
                    )
            elif not is_null(body):
                positional.append(
                    (
                        _substitute(doc.value(body, body_origin.path), scope, body_origin),
                        body_origin,
                    )
                )
        else:
            values = body_values
        keywords: list[tuple[str, object, Origin]] = []
        for key, value, key_origin in values:
            if key == "when":
                if not self._when(value, scope, key_origin):
                    return None
                continue
            if key == "from":
                keywords.append(("from", list(layer_refs(value, key_origin)), key_origin))
                continue
            if scope is not None:
                value = _substitute(value, scope, key_origin)
            keywords.append((key, value, key_origin))
        params = tuple(scope.params) if scope is not None else ()
        return self.make(word, positional, keywords, body_origin, params)


def read_layer(doc: Document, node: yaml.Node, path: str, dims: int) -> LayerSpec:
    """One layer item on its own (``conv: {filters: 8, kernel: 3}``), for an input with
    ``dims`` spatial axes: no defaults, variables or blocks."""
    layer = LayerReader(doc, dims, {}, {}).layer(node, path)
    assert layer is not None  # only layers inside blocks can be left out by 'when'
    return layer


def read_blocks(doc: Document, node: yaml.Node, path: str) -> dict[str, BlockDef]:
    """The ``blocks:`` section: each block's parameters (with defaults) and layers."""
    blocks: dict[str, BlockDef] = {}
    for name, block_node, origin in doc.items(node, path):
        if find_kind(name) is not None:
            raise origin.error(f"block name '{name}' is a layer kind; choose another name")
        fields = {k: (n, o) for k, n, o in doc.items(block_node, origin.path)}
        for key, (_, key_origin) in fields.items():
            if key not in ("params", "layers"):
                raise key_origin.error(
                    f"a block takes 'params' and 'layers', not '{key}'"
                    f"{did_you_mean(key, ['params', 'layers'])}"
                )
        if "layers" not in fields:
            raise origin.error(f"block '{name}' needs 'layers'")
        params: dict[str, object] = {}
        if "params" in fields and not is_null(fields["params"][0]):
            for key, value_node, key_origin in doc.items(
                *fields["params"][:1], fields["params"][1].path
            ):
                params[key] = doc.value(value_node, key_origin.path)
        layers_node, layers_origin = fields["layers"]
        if not isinstance(layers_node, yaml.SequenceNode):
            raise layers_origin.error("a block's layers must be a list")
        blocks[name] = BlockDef(name, params, layers_node, layers_origin.path)
    return blocks


def _variables(doc: Document, node: yaml.Node, path: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for key, value_node, origin in doc.items(node, path):
        value = doc.value(value_node, origin.path)
        if not key.isidentifier():
            raise origin.error(f"a variable name must be a word such as N, got '{key}'")
        if isinstance(value, bool) or not isinstance(value, int):
            raise origin.error(f"variable {key} must be a whole number, got {value!r}")
        out[key] = value
    return out


def _arch(doc: Document, node: yaml.Node, origin: YamlOrigin) -> str:
    text = doc.value(node, origin.path)
    if not isinstance(text, str):
        raise origin.error('arch must be grammar text, e.g. "INPUT(32x32x3) -> CONV(16) -> FC(10)"')
    return text


def parse_yaml(text: str, filename: str = "<yaml>", options: Options | None = None) -> NetworkSpec:
    """Parse a YAML spec document into a :class:`NetworkSpec`."""
    return read_yaml(text, filename, options).spec


def read_yaml(text: str, filename: str = "<yaml>", options: Options | None = None) -> Expansion:
    """Parse a YAML spec document, keeping the optional parts its ``arch`` met.

    A spec gives ``layers`` (a list) or ``arch`` (grammar text), not both.
    """
    options = options or Options()
    root = compose(text, filename)
    if root is None:
        raise SpecError(f"{filename}: the spec is empty; it needs 'input' and 'layers'")
    doc = Document(filename)
    if not isinstance(root, yaml.MappingNode):
        raise doc.origin(root, "").error(
            f"a spec is a mapping with 'input' and 'layers', got {describe(root)}"
        )
    top: dict[str, tuple[yaml.Node, YamlOrigin]] = {}
    for key, node, origin in doc.items(root, ""):
        if key not in TOP_KEYS:
            raise origin.error(
                f"unknown top-level key '{key}'{did_you_mean(key, TOP_KEYS)}; "
                f"a spec takes: {', '.join(TOP_KEYS)}"
            )
        top[key] = (node, origin)
    if "layers" in top and "arch" in top:
        raise top["arch"][1].error("give either 'layers' or 'arch', not both")
    if "layers" not in top and "arch" not in top:
        raise doc.origin(root, "").error("the spec needs 'layers' (a list) or 'arch' (grammar)")
    name = None
    if "name" in top:
        raw_name = doc.value(top["name"][0], top["name"][1].path)
        name = None if raw_name is None else str(raw_name)
    variables = {}
    if "vars" in top and not is_null(top["vars"][0]):
        variables = _variables(doc, top["vars"][0], "vars")
    entries: list[tuple[str, str, object, Origin]] = []
    if "defaults" in top and not is_null(top["defaults"][0]):
        entries = _default_entries(doc, top["defaults"][0], "defaults")
    file_input = _parse_input(doc, *top["input"]) if "input" in top else None
    if "arch" in top:
        from cnncalc.parsing.expand import expand
        from cnncalc.parsing.grammar import parse_program

        node, origin = top["arch"]
        program = parse_program(_arch(doc, node, origin), _arch_name(filename, origin))
        return expand(
            program,
            options,
            input_spec=file_input,
            name=name,
            variables=variables,
            spec_defaults=entries,
        )
    bound = {**variables, **options.variables}
    input_spec = bind_input(override_input(options, file_input), bound)
    if input_spec is None:
        raise doc.origin(root, "").error("the spec needs 'input' (e.g. input: 224x224x3)")
    defaults = convert_defaults(entries + cli_default_entries(options), input_spec.dims)
    blocks = {}
    if "blocks" in top and not is_null(top["blocks"][0]):
        blocks = read_blocks(doc, top["blocks"][0], "blocks")
    reader = LayerReader(doc, input_spec.dims, defaults, bound, blocks)
    layers_node, layers_origin = top["layers"]
    reader.count(layers_node, "layers", options.max_layers, layers_origin)
    layers = reader.read(layers_node, "layers")
    return Expansion(NetworkSpec(input_spec, tuple(layers), name), ())


def yaml_arch(text: str, filename: str = "<yaml>") -> tuple[str, str] | None:
    """The grammar text of a YAML spec's ``arch`` and the name to show, or None."""
    root = compose(text, filename)
    if not isinstance(root, yaml.MappingNode):
        return None
    doc = Document(filename)
    for key, node, origin in doc.items(root, ""):
        if key == "arch":
            return _arch(doc, node, origin), _arch_name(filename, origin)
    return None


def with_arch(text: str, filename: str, arch: str) -> str:
    """A YAML spec with its ``arch`` replaced by ``arch``, every other top-level key
    (name, input, vars, defaults, ...) kept, as YAML text (comments are not kept)."""
    root = compose(text, filename)
    assert root is not None  # read once already: it has an arch
    doc = Document(filename)
    data = {key: doc.value(node, origin.path) for key, node, origin in doc.items(root, "")}
    data["arch"] = arch
    dumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    out: str = yaml.dump(data, Dumper=dumper, sort_keys=False, allow_unicode=True, width=100)
    return out.rstrip("\n")


def _arch_name(filename: str, origin: YamlOrigin) -> str:
    return f"{filename} (arch, line {origin.line})"
