"""Write specs back out: canonical grammar text (of a syntax tree or of an expanded
network) and YAML. What is written parses back to the same thing."""

from __future__ import annotations

import re
from typing import Any

from cnncalc.errors import CnnCalcError
from cnncalc.kinds import INPUT_KEYS, PYTORCH_ORDER, Field, Kind, lookup_kind
from cnncalc.parsing.arith import Expr
from cnncalc.parsing.grammar import (
    Branches,
    Definition,
    Group,
    Layer,
    Node,
    Program,
    Repeat,
)
from cnncalc.spec import (
    Activation,
    InputSpec,
    LayerSpec,
    NetworkSpec,
    NoOrigin,
    Padding,
    layer_names,
    resolve_ref,
)
from cnncalc.symbolic import Poly

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def canonical_key(field: Field) -> str:
    """The key the formatter writes: the shortest alias of two letters or less, else the name."""
    short = [a for a in field.aliases if len(a) <= 2]
    return min(short, key=len) if short else field.name


def _quote(text: str) -> str:
    if _IDENT.fullmatch(text) and text.lower() not in ("true", "false", "same", "valid"):
        return text
    if '"' not in text and "\n" not in text:
        return f'"{text}"'
    if "'" not in text and "\n" not in text:
        return f"'{text}'"
    raise CnnCalcError(f"the name {text!r} has both kinds of quotes; it cannot be written")


def _scalar_text(value: object) -> str:
    if isinstance(value, Expr):
        return str(value)
    if isinstance(value, tuple | list):
        return "[" + ", ".join(_scalar_text(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        plain = _IDENT.fullmatch(value) or re.fullmatch(r"\d+(?:x(?:\d+|[A-Za-z_]\w*))+", value)
        return value if plain else _quote(value)
    raise CnnCalcError(f"cannot write {value!r} in grammar text")


# Syntax trees (format)


def _format_layer(node: Layer, blocks: frozenset[str] = frozenset()) -> str:
    if node.word.lower() == "input":
        args = ", ".join(
            _scalar_text(a.value) if a.key is None else f"name={_quote(str(a.value))}"
            for a in node.args
        )
        return f"INPUT({args})" if node.args else "INPUT"
    if node.word.lower() in blocks:
        args = ", ".join(
            _scalar_text(a.value)
            if a.key is None
            else f"name={_quote(str(a.value))}"
            if a.key == "name"
            else f"{a.key}={_scalar_text(a.value)}"
            for a in node.args
        )
        return f"{node.word}({args})" if args else node.word
    kind = lookup_kind(node.word, node.origin)
    parts = []
    for arg in node.args:
        if arg.key is None:
            parts.append(_scalar_text(arg.value))
        elif arg.key.lower() == "name":
            parts.append(f"name={_quote(str(arg.value))}")
        elif arg.key.lower() in ("from", "inputs"):
            parts.append(f"from={_scalar_text(arg.value)}")
        elif arg.key.lower() in ("training_only", "functional", "inplace", *INPUT_KEYS):
            parts.append(f"{arg.key.lower()}={_scalar_text(arg.value)}")
        elif arg.key.lower() == "share":
            parts.append(f"share={_quote(str(arg.value))}")
        else:
            field = kind.field(arg.key)
            if field is None:
                raise arg.origin.error(f"unknown key '{arg.key}' for {kind.name}")
            parts.append(f"{canonical_key(field)}={_scalar_text(arg.value)}")
    word = kind.name.upper()
    if node.word in PYTORCH_ORDER and any(arg.key is None for arg in node.args):
        word = node.word  # its positional arguments are in PyTorch's order, as written
    return f"{word}({', '.join(parts)})" if parts else word


def format_node(node: Node, blocks: frozenset[str] = frozenset()) -> str:
    """Canonical text of one syntax-tree node (``blocks``: the names DEF defines)."""
    if isinstance(node, Layer):
        return _format_layer(node, blocks)
    if isinstance(node, Group):
        return "[" + " -> ".join(format_node(item, blocks) for item in node.items) + "]"
    if isinstance(node, Repeat):
        return f"{format_node(node.item, blocks)}*{node.count}"
    if isinstance(node, Branches):
        chains = (
            " -> ".join(format_node(item, blocks) for item in branch) for branch in node.branches
        )
        return f"{format_node(node.merge, blocks)}{{{' | '.join(chains)}}}"
    return f"{format_node(node.item, blocks)}?"


def format_definition(definition: Definition, blocks: frozenset[str]) -> str:
    """``DEF name(a, b=1) = chain;``"""
    params = ", ".join(
        p.name if p.default is None else f"{p.name}={_scalar_text(p.default)}"
        for p in definition.params
    )
    body = " -> ".join(format_node(item, blocks) for item in definition.body)
    return f"DEF {definition.name}({params}) = {body};"


def format_program(program: Program) -> str:
    """Canonical grammar text of a parsed program, keeping blocks, groups, repeats and
    variables; each block definition on a line of its own."""
    blocks = frozenset(d.name.lower() for d in program.definitions)
    chain = " -> ".join(format_node(item, blocks) for item in program.items)
    return "\n".join([*(format_definition(d, blocks) for d in program.definitions), chain])


# Expanded networks (expand)


def _values(kind: Kind, layer: LayerSpec) -> dict[str, object]:
    op = layer.op
    if isinstance(op, Activation):
        values: dict[str, object] = dict(op.options)
        if op.num_parameters:
            values["num_parameters"] = op.num_parameters
        return values
    return {f.name: getattr(op, f.name) for f in kind.fields}


def _non_default(kind: Kind, layer: LayerSpec, dims: int) -> list[tuple[Field, object]]:
    """The fields of a layer that differ from the built-in defaults, in table order."""
    values = _values(kind, layer)
    out = []
    for field in kind.fields:
        if field.name not in values:
            continue
        value = values[field.name]
        if field.default is None and not field.required:
            if value == values.get("kernel"):
                continue  # pool stride defaults to the kernel
        elif not field.required:
            default = field.convert(field.default, field.name, dims, NoOrigin())
            if value == default:
                continue
        out.append((field, value))
    return out


def _axes_value(values: tuple[int, ...]) -> int | str:
    return values[0] if len(set(values)) == 1 else "x".join(map(str, values))


def _padding_value(padding: Padding) -> int | str | list[Any]:
    if padding.mode != "explicit":
        return padding.mode
    if padding.symmetric:
        return _axes_value(tuple(left for left, _ in padding.pairs)) if padding.pairs else 0
    return [list(pair) for pair in padding.pairs]


def _plain(value: object) -> object:
    if isinstance(value, Poly):  # a symbolic count, written as the symbol it is
        return str(value)
    if isinstance(value, Padding):
        return _padding_value(value)
    if isinstance(value, tuple):
        return _axes_value(value)
    return value


def _refs(spec: NetworkSpec) -> list[list[str]]:
    """Each layer's explicit inputs as display names (relative references resolved)."""
    names = layer_names(spec.layers)
    return [[resolve_ref(r, i, names) for r in layer.inputs] for i, layer in enumerate(spec.layers)]


def format_layer(layer: LayerSpec, dims: int, refs: list[str] | None = None) -> str:
    """Grammar text of one resolved layer, writing only what differs from the defaults."""
    kind = lookup_kind(layer.kind, layer.origin)
    fields = {
        field.name: (field, _plain(value)) for field, value in _non_default(kind, layer, dims)
    }
    parts: list[str] = []
    for key in kind.positional:  # leading positional arguments while they are given
        if key not in fields:
            break
        parts.append(_scalar_text(fields.pop(key)[1]))
    parts += [f"{canonical_key(field)}={_scalar_text(plain)}" for field, plain in fields.values()]
    if layer.name:
        parts.append(f"name={_quote(layer.name)}")
    if refs:
        quoted = [_quote(r) for r in refs]
        parts.append(f"from={quoted[0]}" if len(refs) == 1 else f"from=[{', '.join(quoted)}]")
    if layer.training_only:
        parts.append("training_only=true")
    if layer.functional:
        parts.append("functional=true")
    if layer.share is not None:
        parts.append(f"share={_quote(layer.share)}")
    if layer.in_channels is not None:
        parts.append(f"in_channels={layer.in_channels}")
    word = kind.name.upper()
    return f"{word}({', '.join(parts)})" if parts else word


def input_text(spec: InputSpec) -> str:
    """``224x224x3``: spatial extents then channels."""
    return "x".join(map(str, (*spec.size, spec.channels)))


def format_network(spec: NetworkSpec, one_per_line: bool = True) -> str:
    """The expanded chain as grammar text: ``INPUT(...) -> ...``."""
    named = f", name={_quote(spec.name)}" if spec.name else ""
    parts = [f"INPUT({input_text(spec.input)}{named})"]
    parts += [
        format_layer(layer, spec.input.dims, refs)
        for layer, refs in zip(spec.layers, _refs(spec), strict=True)
    ]
    return ("\n-> " if one_per_line else " -> ").join(parts)


def network_yaml_data(spec: NetworkSpec) -> dict[str, Any]:
    """The expanded network as YAML-ready data (one mapping per layer)."""
    layers: list[object] = []
    for layer, refs in zip(spec.layers, _refs(spec), strict=True):
        kind = lookup_kind(layer.kind, layer.origin)
        body: dict[str, object] = {
            field.name: _plain(value) for field, value in _non_default(kind, layer, spec.input.dims)
        }
        if layer.name:
            body["name"] = layer.name
        if refs:
            body["from"] = refs[0] if len(refs) == 1 else refs
        if layer.training_only:
            body["training_only"] = True
        if layer.functional:
            body["functional"] = True
        if layer.share is not None:
            body["share"] = layer.share
        if layer.in_channels is not None:
            body["in_channels"] = _plain(layer.in_channels)
        layers.append({kind.name: body} if body else kind.name)
    data: dict[str, Any] = {}
    if spec.name:
        data["name"] = spec.name
    data["input"] = input_text(spec.input)
    data["layers"] = layers
    return data


def format_yaml(spec: NetworkSpec) -> str:
    """The expanded network as a YAML spec."""
    import yaml

    dumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    text: str = yaml.dump(
        network_yaml_data(spec),
        Dumper=dumper,
        sort_keys=False,
        default_flow_style=None,
        allow_unicode=True,
        width=100,
    )
    return text
