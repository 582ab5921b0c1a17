"""Pieces both spec formats share: the input size, repeat naming and the layer budget."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import NamedTuple

from cnncalc.errors import LimitError
from cnncalc.kinds import to_channels, to_count
from cnncalc.options import Options, default_triples
from cnncalc.record import replace
from cnncalc.spec import (
    InputSpec,
    LayerSpec,
    NetworkSpec,
    Origin,
    holds_no_parameters,
    rename_reference,
)
from cnncalc.symbolic import Poly, substitute

_SPLIT = re.compile("\\s*[x\u00d7,]\\s*")


def parse_input_text(value: object, origin: Origin) -> InputSpec:
    """An input size: spatial extents then channels, as ``224x224x3``, a list, or ``784``.

    One number is a flat vector; two are 1D (length x channels); four are 3D.
    """
    if isinstance(value, str):
        parts: list[object] = [p for p in _SPLIT.split(value.strip()) if p != ""]
    elif isinstance(value, list | tuple):
        parts = list(value)
    else:
        parts = [value]
    if not 1 <= len(parts) <= 4:
        raise origin.error(
            f"input is spatial size then channels (e.g. 224x224x3, 100x16 or 16x112x112x3), "
            f"got {len(parts)} numbers"
        )
    spatial = [to_count(part, "input sizes", 0, origin) for part in parts[:-1]]
    return InputSpec(tuple(spatial), to_channels(parts[-1], "input channels", 0, origin))


def _roots(named: Iterable[str]) -> dict[str, str]:
    """Where each name of a repeated part takes its number: after the name written in the
    repeat, dots and all (``features.conv`` gives ``features.conv.2``), which a block
    use's layers start with (``stage.a.conv1`` of the use ``stage.a``: ``stage.a.2.conv1``,
    as torchvision numbers the blocks of a stage), and before the numbers of a repeat
    inside it (``n.0`` of an inner repeat of ``n``: ``n.2.0``)."""
    names = list(named)
    written = {_unnumbered(name) for name in names}
    roots = {}
    for name in names:
        parts = name.split(".")
        roots[name] = next(
            ".".join(parts[:k]) for k in range(1, len(parts) + 1) if ".".join(parts[:k]) in written
        )
    return roots


def _unnumbered(name: str) -> str:
    """``name`` up to its first number (``stage.a.0.conv1`` gives ``stage.a``)."""
    parts = name.split(".")
    for k, part in enumerate(parts[1:], start=1):
        if part.isdigit():
            return ".".join(parts[:k])
    return name


def _numbered(name: str, root: str, i: int) -> str:
    """``name`` with ``.i`` after its ``root``."""
    return f"{root}.{i}{name[len(root) :]}"


def _first_free(roots: set[str], before: Iterable[str]) -> int:
    """The first number after those already taken by earlier layers (``layer1.0``
    written by hand before ``repeat: 2`` of ``layer1``: the copies are 1 and 2)."""
    start = 0
    for name in before:
        parts = name.split(".")
        for k in range(1, len(parts)):
            if parts[k].isdigit() and ".".join(parts[:k]) in roots:
                start = max(start, int(parts[k]) + 1)
                break
    return start


def suffix_repeated_names(
    body: list[LayerSpec], times: int, before: Iterable[str] = ()
) -> list[LayerSpec]:
    """``times`` copies of ``body``; named layers are numbered ``name.0``, ``name.1``...
    (after any numbers ``before`` takes), and references within a copy follow the names
    of that copy."""
    if times == 1:
        return [_owner(layer) if _shares_self(layer) else layer for layer in body]
    if not body:  # nothing to copy, however many times (10**20 copies of nothing)
        return []
    if not any(layer.name for layer in body):
        return body * times
    roots = _roots(layer.name for layer in body if layer.name)
    start = _first_free(set(roots.values()), before)
    first = {name: _numbered(name, root, start) for name, root in roots.items()}
    out: list[LayerSpec] = []
    for i in range(start, start + times):
        rename = {name: _numbered(name, root, i) for name, root in roots.items()}
        out.extend(
            replace(
                layer,
                name=rename.get(layer.name) if layer.name else None,
                inputs=tuple(rename.get(ref, ref) for ref in layer.inputs),
                share=_repeated_share(layer, rename, first.get(layer.share or ""), i == start),
                op=rename_reference(layer.op, rename),
            )
            for layer in body
        )
    return out


def _shares_self(layer: LayerSpec) -> bool:
    return layer.share is not None and layer.share == layer.name


def _owner(layer: LayerSpec) -> LayerSpec:
    return replace(layer, share=None)


def _repeated_share(
    layer: LayerSpec, rename: dict[str, str], first: str | None, is_first: bool
) -> str | None:
    """A repeated layer's ``share``: its own name means its ``first`` copy (each repeat
    shares with the first, which owns the parameters); another layer of the repeated
    part is that layer in the same copy, as ``from``; any other name stays."""
    share = layer.share
    if share is None or share not in rename:
        return share
    if share == layer.name:
        return None if is_first else first
    return rename[share]


def relative_ref(steps_back: int) -> str:
    """A reference to the layer ``steps_back`` before (1 is the previous layer): how a
    block's layers reach the block's input whatever the layer before it is called."""
    return f"@-{steps_back}"


def check_layer_count(count: int, max_layers: int, origin: Origin) -> None:
    """Refuse an expansion beyond ``max_layers`` before anything is allocated."""
    if count > max_layers:
        raise LimitError(
            f"{origin.describe()}: the spec expands to {count:,} layers, more than the limit "
            f"of {max_layers:,}",
            option="max_layers",
        )


class OptionOrigin(NamedTuple):
    """A value given by the caller rather than written in the spec, e.g. a default
    ``conv.padding=1``; errors name the option (``defaults``, ``input``)."""

    option: str
    value: str

    def error(self, message: str) -> Exception:
        from cnncalc.errors import SpecError

        return SpecError(message, self.describe(), option=self.option)

    def describe(self) -> str:
        shown = self.value if len(self.value) <= 60 else self.value[:57] + "..."
        return f"{self.option} {shown}"


def cli_default_entries(options: Options) -> list[tuple[str, str, object, Origin]]:
    """The caller's defaults (``conv.padding=1``) as default entries."""
    return [
        (kind, key, value, OptionOrigin("defaults", f"{kind}.{key}={value}"))
        for kind, key, value in default_triples(options)
    ]


def override_input(options: Options, spec_input: InputSpec | None) -> InputSpec | None:
    """The caller's input size when given, else the spec's own."""
    if options.input is None:
        return spec_input
    origin = OptionOrigin("input", options.input)
    given = parse_input_text(options.input, origin)
    if spec_input is not None and given.dims != spec_input.dims:
        own = "x".join(map(str, (*spec_input.size, spec_input.channels)))
        hint = ""
        if given.dims == spec_input.dims - 1 and given.size:  # the channels left out?
            guess = "x".join(map(str, (*given.size, given.channels, spec_input.channels)))
            hint = f"; did you mean {guess}?"
        raise origin.error(
            f"the spec's input {own} has {spec_input.dims} spatial "
            f"ax{'is' if spec_input.dims == 1 else 'es'} but this has {given.dims}: sizes "
            f"are written spatial sizes then channels{hint}"
        )
    return given


class Choice(NamedTuple):
    """An optional part and whether it was taken."""

    text: str
    where: str
    taken: bool


class Expansion(NamedTuple):
    """A grammar program expanded into a network, with the optional parts it met."""

    spec: NetworkSpec
    choices: tuple[Choice, ...]


def bind_input(spec_input: InputSpec | None, variables: Mapping[str, int]) -> InputSpec | None:
    """The input with bound variables put in for symbolic channels (``32x32xC``, ``C=3``)."""
    if spec_input is None or not isinstance(spec_input.channels, Poly):
        return spec_input
    channels = substitute(spec_input.channels, dict(variables))
    if isinstance(channels, int) and channels < 1:
        raise LimitError(f"input channels must be positive, got {channels}", option="variables")
    return InputSpec(spec_input.size, channels)


def name_block(
    layers: list[LayerSpec], prefix: str, inputs: tuple[str, ...] = (), share: str | None = None
) -> list[LayerSpec]:
    """A used block's layers under the use's name, the same for YAML and the grammar.

    Named layers become ``prefix.name`` and the rest ``prefix.<kind><n>`` (skipping the
    block's own names); references to the block's layers follow; ``input`` becomes the
    block's input: the layers the use names (``inputs``), else the layer before the
    block. The first layer reads that input too, and the last layer, the block's output,
    answers to ``prefix`` itself. A use that shares with the use ``share`` makes each
    layer share with the layer of the same name there (``b.conv1`` with ``a.conv1``, the
    last layer ``b`` with ``a``).
    """
    own = {layer.name for layer in layers if layer.name}
    counters: dict[str, int] = {}
    out = []
    for i, layer in enumerate(layers):
        if layer.name:
            name = f"{prefix}.{layer.name}"
        else:
            while True:
                counters[layer.kind] = counters.get(layer.kind, 0) + 1
                generated = f"{layer.kind}{counters[layer.kind]}"
                if generated not in own:
                    break
            name = f"{prefix}.{generated}"
        block_input = inputs or (relative_ref(i + 1),)
        refs: list[str] = []
        for ref in layer.inputs or (("input",) if i == 0 and inputs else ()):
            if ref == "input":
                refs.extend(block_input)
            else:
                refs.append(f"{prefix}.{ref}" if ref in own else ref)
        owner = layer.share
        if share is not None and holds_no_parameters(layer.op):
            owner = None  # a layer without parameters has none to share
        elif share is not None:
            owner = share + name[len(prefix) :] if i < len(layers) - 1 else share
        elif owner in own:
            owner = f"{prefix}.{owner}"
        renamed = {own_name: f"{prefix}.{own_name}" for own_name in own}
        if len(block_input) == 1:
            renamed["input"] = block_input[0]
        op = rename_reference(layer.op, renamed)
        by_use = share is not None or layer.shared_by_use
        out.append(
            replace(layer, name=name, inputs=tuple(refs), share=owner, op=op, shared_by_use=by_use)
        )
    if out:
        out[-1] = replace(out[-1], name=prefix)
    return out


UseKey = tuple[tuple[str, ...], str]
"""A block use as the expanders remember it: the blocks being expanded around it (its
scope) and its name there."""


def check_use_share(
    uses: Mapping[UseKey, str],
    scope: tuple[str, ...],
    target: str,
    own: str,
    block: str,
    origin: Origin,
) -> None:
    """A block use shares only with a use of the same block (``uses``: the block of each
    earlier use in the same scope). Names it does not know (layers, later or unknown
    names, shapes) are checked layer by layer when the network is evaluated."""
    if target == own:  # in a repeat: each copy shares with the first
        return
    other = uses.get((scope, target))
    written, _, number = target.rpartition(".")
    if other is None and number.isdigit():  # a copy made by a repeat: layer1.2, stage.a.2
        other = uses.get((scope, written))
    if other is not None and other != block:
        raise origin.error(
            f"'share' names '{target}', a use of block '{other}'; a use of block '{block}' "
            f"shares only with another use of '{block}'"
        )
