"""What every importer shares: the layers it found, the operators it could not model,
and the readable YAML spec written from them (names from the graph, repeated chains
folded as ``repeat``)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from cnncalc.errors import CnnCalcError
from cnncalc.spec import INPUT, NetworkSpec

Value = int | float | bool | str | list[Any]

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

    def spec(self, input: str | None = None) -> NetworkSpec:
        """The YAML text parsed into a network (``input`` replaces its input size)."""
        from cnncalc.options import Options
        from cnncalc.parsing.yaml_spec import read_yaml

        return read_yaml(self.text, self.source, Options(input=input)).spec


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
    return json.dumps(value)  # a JSON string is a YAML scalar too, quoted and escaped


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
    return "# " + " ".join(text.split())  # one line, whatever the graph's names hold


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
) -> str:
    """The readable YAML spec of imported layers. ``input_size`` None (a dynamic input)
    leaves ``input`` out, for ``--input`` to give."""
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
            lines.extend(f"      - {_layer_line(item, False)}" for item in items[i : i + period])
            i += period * copies
            continue
        item = items[i]
        if item.note:
            lines.append(f"  {_comment(item.note)}")
        lines.append(f"  - {_layer_line(item, True)}")
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
        base = text or "layer"
        if base == INPUT:
            base = "input_layer"
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
