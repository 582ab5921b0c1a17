"""What every importer shares: the layers it found, the operators it could not model,
and the readable YAML spec written from them (names from the graph, repeated chains
folded as ``repeat``)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from cnncalc.errors import CnnCalcError, SpecError
from cnncalc.spec import INPUT, NetworkSpec

if TYPE_CHECKING:
    from cnncalc.options import Options
    from cnncalc.parsing.common import Expansion

Value = int | float | bool | str | list[Any]
Place = tuple[str, int | None]
"""A layer's model node as messages name it, and the input channels its weight reads."""
Places = dict[int, list[Place]]
"""The places written on each line of an imported spec: one per copy in a ``repeat``."""

MAX_MODEL_BYTES = 1024 * 1024 * 1024
"""The largest model file read (weights included): 1 GiB."""

MAX_NODES = 200_000
"""The most graph nodes (layers) an importer reads: far past any real network."""

MAX_FOLD_PERIOD = 32
"""The longest chain the writer looks for when folding repeats."""


class ImportError_(CnnCalcError):
    """A model file cnncalc cannot import (unreadable, of another kind, unsupported)."""


@dataclass
class Item:
    """One layer as an importer found it: a cnncalc kind, its keys, where it came from."""

    kind: str
    args: dict[str, Value] = field(default_factory=dict)
    name: str | None = None
    inputs: list[str] = field(default_factory=list)
    """Names of the items it reads; empty: the item before."""
    note: str | None = None
    """A comment written above the layer."""
    origin: str = ""
    """The model's node or layer it came from, as messages name it (``node 'x' (Conv)``)."""
    reads: int | None = None
    """The input channels (input features, for fc) its weight is made for: checked when
    the spec is evaluated (:class:`ImportedOrigin`), never written in the YAML."""

    def same_layer(self, other: Item) -> bool:
        """True when both are the same layer but for their names (a repeat candidate)."""
        return (self.kind, self.args) == (other.kind, other.args)


@dataclass(frozen=True)
class Unknown:
    """An operator the importer cannot model: its type, node name and why."""

    op: str
    node: str
    reason: str = "cnncalc has no layer kind for it"

    def describe(self) -> str:
        """One line naming the operator and its node."""
        return f"{self.op} (node '{self.node}'): {self.reason}"


@dataclass
class Imported:
    """An imported network: its readable YAML spec and what was left out."""

    text: str
    source: str
    unknown: list[Unknown] = field(default_factory=list)
    input_size: str | None = None
    """The input as ``HxWxC``; None when the model's is dynamic and none was given."""
    places: Places = field(default_factory=dict)
    """The model's nodes written on each line of ``text`` (see :func:`write_yaml`)."""

    def spec(self, input: str | None = None) -> NetworkSpec:
        """The YAML text parsed into a network (``input`` replaces its input size); its
        errors name the model's nodes, not lines of the text."""
        from cnncalc.options import Options

        return read_imported(self.text, self.source, self.places, Options(input=input)).spec


@dataclass(frozen=True)
class ImportedOrigin:
    """A layer of an imported model: errors name its node or layer in the model file,
    not a line of the YAML written from it, which the user never saw."""

    filename: str
    place: str

    def error(self, message: str) -> SpecError:
        return SpecError(message, self.describe())

    def describe(self) -> str:
        return f"{self.filename}: {self.place}"


def read_imported(
    text: str, source: str, places: Mapping[int, Sequence[Place]], options: Options | None = None
) -> Expansion:
    """An imported spec's YAML parsed into a network whose errors, when it is read and
    when it is evaluated, name the model's nodes (``places``, from :func:`write_yaml`);
    a layer whose weight is made for other input channels is refused when evaluated."""
    from cnncalc.parsing.yaml_spec import read_yaml

    try:
        expansion = read_yaml(text, source, options)
    except SpecError as error:
        line = re.match(re.escape(source) + r", line (\d+)\b", error.where or "")
        found = places.get(int(line[1])) if line else None
        if not found or not found[0][0]:
            raise
        where = ImportedOrigin(source, found[0][0]).describe()
        raise SpecError(error.detail, where, option=error.option) from None
    return expansion._replace(spec=_placed(expansion.spec, source, places))


def _placed(spec: NetworkSpec, source: str, places: Mapping[int, Sequence[Place]]) -> NetworkSpec:
    """``spec`` with each layer's origin its model node, and the input channels its weight
    reads (several layers on one line: a repeat's copies, one node's layers, in order)."""
    from cnncalc.parsing.yaml_doc import YamlOrigin

    lines = [lay.origin.line if isinstance(lay.origin, YamlOrigin) else 0 for lay in spec.layers]
    counts = Counter(lines)
    seen: Counter[int] = Counter()
    layers = []
    for layer, line in zip(spec.layers, lines, strict=True):
        found = places.get(line)
        if found:
            per = max(1, counts[line] // len(found))
            origin, reads = found[min(seen[line] // per, len(found) - 1)]
            seen[line] += 1
            if origin:
                layer = layer.placed(ImportedOrigin(source, origin))
            if reads is not None and layer.in_channels is None:
                layer = replace(layer, in_channels=reads)
        layers.append(layer)
    return replace(spec, layers=tuple(layers))


WEIGHTED = ("conv", "conv_transpose", "fc")
"""Kinds whose weight an importer reads the input channels of (:attr:`Item.reads`)."""

MAX_SHOWN = 80
"""The longest name from a model quoted whole in a message."""


def shown(text: str) -> str:
    """A name from a model as a message shows it: unprintable characters escaped, and
    cut when very long."""
    cut = text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 3] + "..."
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in cut)


def refuse_unknown(unknown: Sequence[Unknown], source: str, skip_unknown: bool) -> None:
    """Raise an error listing every operator that cannot be modelled, unless
    ``skip_unknown`` (then the writer counts each as zero, in comments)."""
    if unknown and not skip_unknown:
        lines = "\n".join(f"  - {u.describe()}" for u in unknown[:50])
        more = f"\n  ... and {len(unknown) - 50} more" if len(unknown) > 50 else ""
        raise ImportError_(
            f"{source}: {len(unknown)} operator{'s' if len(unknown) != 1 else ''} cnncalc "
            f"cannot model:\n{lines}{more}\n"
            "(--skip-unknown goes on with them counted as zero, or skip_unknown=True)"
        )


_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*\Z")


def _scalar(value: Value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_scalar(v) for v in value) + "]"
    if value in ("same", "valid", "caffe") or (
        _PLAIN.match(value)
        and value.lower() not in {"y", "n", "yes", "no", "on", "off", "null"}
        and value.lower() not in {"true", "false", "none"}
    ):
        return value
    return _quoted(value)


_UNSAFE = re.compile(
    "[^\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]"
)
"""What YAML does not take as it is, quoted or in a comment: control characters, line
breaks (NEL, U+2028/9), surrogates, the byte order mark and non-characters."""


_LONE = re.compile("[\ud800-\udfff]")


def _escape(char: str) -> str:
    code = ord(char)
    if 0xD800 <= code < 0xE000:  # a lone surrogate (JSON may hold one) is no character
        code = 0xFFFD
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def _quoted(text: str) -> str:
    """``text`` as a double-quoted YAML scalar that reads back as the same text."""
    body = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + _UNSAFE.sub(lambda m: _escape(m.group()), body) + '"'


def _layer_line(item: Item, with_name: bool) -> str:
    args: dict[str, Value] = dict(item.args)
    if with_name and item.name is not None:
        args["name"] = item.name
    if item.inputs:
        args["from"] = item.inputs if len(item.inputs) > 1 else item.inputs[0]
    if not args:
        return item.kind
    body = ", ".join(f"{key}: {_scalar(value)}" for key, value in args.items())
    return f"{item.kind}: {{{body}}}"


def _comment(text: str) -> str:
    """One comment line, whatever the graph's names hold (breaks, control characters)."""
    return "# " + _UNSAFE.sub(lambda m: _escape(m.group()), " ".join(text.split()))


def _referenced(items: Sequence[Item]) -> set[int]:
    """Indexes of items that some item names in its inputs."""
    where = {item.name: i for i, item in enumerate(items) if item.name is not None}
    return {where[ref] for item in items for ref in item.inputs if ref in where}


def _fold(items: Sequence[Item]) -> list[tuple[int, int, int]]:
    """Runs to write as ``repeat``: (start, period, copies). A run is a plain chain (no
    item in it reads anything but the one before, none is read by name) of at least two
    identical copies; the longest cover wins at each place, the shorter period on ties."""
    referenced = _referenced(items)
    plain = [not item.inputs and i not in referenced for i, item in enumerate(items)]
    runs = []
    i = 0
    while i < len(items):
        best = (0, 0)  # (covered, period)
        for period in range(1, min(MAX_FOLD_PERIOD, (len(items) - i) // 2) + 1):
            if not all(plain[i : i + period]):
                break
            copies = 1
            while (
                i + (copies + 1) * period <= len(items)
                and all(plain[i + copies * period : i + (copies + 1) * period])
                and all(
                    items[i + copies * period + j].same_layer(items[i + j]) for j in range(period)
                )
            ):
                copies += 1
            if copies >= 2 and copies * period > best[0]:
                best = (copies * period, period)
        if best[0]:
            runs.append((i, best[1], best[0] // best[1]))
            i += best[0]
        else:
            i += 1
    return runs


def write_yaml(
    items: Sequence[Item],
    input_size: str | None,
    *,
    name: str | None,
    header: Sequence[str],
    unknown: Sequence[Unknown] = (),
    fold: bool = True,
    places: Places | None = None,
) -> str:
    """The readable YAML spec of imported layers. ``input_size`` None (a dynamic input)
    leaves ``input`` out, for ``--input`` to give. ``places`` is filled with the model
    node of each layer line (one per copy on a line in a ``repeat``)."""
    places = {} if places is None else places
    lines = [_comment(line) for line in header]
    if unknown:
        lines.append(_comment(f"{len(unknown)} operator(s) counted as zero (--skip-unknown):"))
        lines.extend(_comment(f"  {u.describe()}") for u in unknown)
    if name:
        lines.append(f"name: {_scalar(name)}")
    if input_size is None:
        lines.append("# input: dynamic in the model; give it with --input HxWxC")
    else:
        lines.append(f"input: {input_size}")
    lines.append("layers:")
    runs = {start: (period, copies) for start, period, copies in (_fold(items) if fold else [])}
    i = 0
    while i < len(items):
        if i in runs:
            period, copies = runs[i]
            first, last = items[i].name, items[i + period * copies - 1].name
            if first and last:
                lines.append(f"  {_comment(f'{first} .. {last}')}")
            lines.append(f"  - repeat: {copies}")
            lines.append("    layers:")
            for j, item in enumerate(items[i : i + period]):
                lines.append(f"      - {_layer_line(item, False)}")
                copied = items[i + j : i + period * copies : period]
                places[len(lines)] = [(c.origin, c.reads) for c in copied]
            i += period * copies
            continue
        item = items[i]
        if item.note:
            lines.append(f"  {_comment(item.note)}")
        lines.append(f"  - {_layer_line(item, True)}")
        places[len(lines)] = [(item.origin, item.reads)]
        i += 1
    if not items:
        raise ImportError_("the model has no layers cnncalc can model")
    return "\n".join(lines) + "\n"


def unique_names(raw: Sequence[str]) -> list[str]:
    """Layer names as written in the graph, made distinct (``_2``, ``_3``...) and never
    ``input`` (the network input's name in cnncalc)."""
    taken: set[str] = set()
    out = []
    for text in raw:
        base = _LONE.sub("\ufffd", text) or "layer"  # as the YAML reads it back
        if base == INPUT or base.startswith("@"):  # '@' starts cnncalc's own references
            base = "input_layer" if base == INPUT else "_" + base
        candidate, n = base, 1
        while candidate in taken:
            n += 1
            candidate = f"{base}_{n}"
        taken.add(candidate)
        out.append(candidate)
    return out


def input_text(size: Sequence[int], channels: int) -> str:
    """cnncalc's input notation: spatial sizes then channels (``224x224x3``)."""
    return "x".join(str(v) for v in (*size, channels))


def check_count(count: int, what: str, source: str) -> None:
    """Refuse a graph with more than :data:`MAX_NODES` nodes before reading it."""
    if count > MAX_NODES:
        from cnncalc.errors import LimitError

        raise LimitError(f"{source}: {count:,} {what}; cnncalc imports at most {MAX_NODES:,}")


def as_mapping(value: object) -> Mapping[str, object]:
    """``value`` when it is a mapping with text keys, else an empty one."""
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return value
    return {}
