"""Columns as data, and the plain-text form of every cell, shared by all renderers."""

from __future__ import annotations

import re
from collections.abc import Callable
from enum import Enum

from cnncalc.results import (
    AxisField,
    LayerResult,
    NetworkResult,
    Shape,
    Window,
    alike_key,
    shape_text,
)
from cnncalc.symbolic import Count, total

# Characters a terminal acts on or that reorder or break the text around them: C0 and C1
# controls, DEL, bidirectional embeddings, overrides and isolates, line and paragraph
# separators, and lone surrogates (which no UTF-8 stream can carry).
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_SHORT = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    return _SHORT.get(char) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


def visible(text: str) -> str:
    """Text safe to show as plain text: every control character, bidirectional override
    and lone surrogate written as its escape (ESC as the four characters ``\\x1b``, a new
    line as ``\\n``), so nothing acts on the terminal and nothing is silently lost."""
    return text if _UNSAFE.search(text) is None else _UNSAFE.sub(_escape, text)


TEXT_WIDTH = 60
"""The widest a text cell is shown in a table (longer text is cut, with an ellipsis)."""
ELLIPSIS = "\u2026"


def shorten(text: str, width: int = TEXT_WIDTH) -> str:
    """``text`` cut to ``width`` characters, the last one an ellipsis, when it is longer."""
    return text if len(text) <= width else text[: width - 1] + ELLIPSIS


class Column(Enum):
    """A column of the layer table."""

    INDEX = "index"
    NAME = "name"
    KIND = "kind"
    KERNEL = "kernel"
    STRIDE = "stride"
    PADDING = "padding"
    DILATION = "dilation"
    OUTPUT = "output"
    PARAMS = "params"
    PARAMS_NONSHARED = "params_nonshared"
    PARAMS_FC = "params_fc"
    RF = "rf"
    JUMP = "jump"
    START = "start"
    MACS = "macs"
    ACTIVATIONS = "activations"
    SHARES = "shares"
    FROM = "from"


TITLES: dict[Column, str] = {
    Column.INDEX: "#",
    Column.NAME: "name",
    Column.KIND: "kind",
    Column.KERNEL: "k",
    Column.STRIDE: "s",
    Column.PADDING: "p",
    Column.DILATION: "d",
    Column.OUTPUT: "output",
    Column.PARAMS: "params",
    Column.PARAMS_NONSHARED: "params (no sharing)",
    Column.PARAMS_FC: "params (as FC)",
    Column.RF: "RF",
    Column.JUMP: "jump",
    Column.START: "start",
    Column.MACS: "MACs",
    Column.ACTIVATIONS: "activations",
    Column.FROM: "from",
    Column.SHARES: "shared with",
}

TABLE_COLUMNS: tuple[Column, ...] = (
    Column.INDEX,
    Column.NAME,
    Column.KIND,
    Column.KERNEL,
    Column.STRIDE,
    Column.PADDING,
    Column.DILATION,
    Column.OUTPUT,
    Column.PARAMS,
    Column.RF,
    Column.JUMP,
    Column.MACS,
)
NUMERIC: frozenset[Column] = frozenset(
    {
        Column.INDEX,
        Column.PARAMS,
        Column.PARAMS_NONSHARED,
        Column.PARAMS_FC,
        Column.RF,
        Column.JUMP,
        Column.START,
        Column.MACS,
        Column.ACTIVATIONS,
    }
)


def axes_text(values: tuple[int, ...]) -> str:
    """``3`` when every axis agrees, else ``3x2``."""
    if not values:
        return ""
    return str(values[0]) if len(set(values)) == 1 else "x".join(map(str, values))


def padding_text(pairs: tuple[tuple[int, int], ...], mode: str) -> str:
    """Symmetric padding as :func:`axes_text`; asymmetric as ``(left,right)`` per axis."""
    if all(left == right for left, right in pairs):
        text = axes_text(tuple(left for left, _ in pairs))
    else:
        text = "x".join(f"({left},{right})" for left, right in pairs)
    return f"{text} {mode}" if mode in ("same", "valid") else text


def number(value: Count | None) -> str:
    """An exact integer with thousands separators (a polynomial as written); empty for None."""
    if value is None:
        return ""
    return f"{value:,}" if isinstance(value, int) else value.pretty()


def field_text(fields: tuple[AxisField, ...], pick: Callable[[AxisField], object]) -> str:
    """One receptive-field quantity, collapsed like :func:`axes_text`."""
    values = [pick(a) for a in fields]
    if not values:
        return ""
    text = [f"{v:g}" if isinstance(v, float) else str(v) for v in values]
    return text[0] if len(set(text)) == 1 else "x".join(text)


def _window_axes(layer: LayerResult, pick: Callable[[Window], tuple[int, ...] | None]) -> str:
    return "" if layer.window is None else axes_text(pick(layer.window) or ())


def _padding(layer: LayerResult) -> str:
    window = layer.window
    return "" if window is None else padding_text(window.padding, window.padding_mode)


def cell(
    layer: LayerResult,
    column: Column,
    fmt: Callable[[Count | None], str] = number,
    shape: Callable[[Shape], str] = Shape.text,
) -> str:
    """The text of one cell; ``fmt`` writes integers (with separators, or raw for CSV),
    ``shape`` writes shapes (:func:`shapes_of`)."""
    match column:
        case Column.INDEX:
            return str(layer.index)
        case Column.NAME:
            return layer.name
        case Column.KIND:
            return f"{layer.kind} (training only)" if layer.training_only else layer.kind
        case Column.KERNEL:
            return _window_axes(layer, lambda w: w.kernel)
        case Column.STRIDE:
            return _window_axes(layer, lambda w: w.stride)
        case Column.PADDING:
            return _padding(layer)
        case Column.DILATION:
            return _window_axes(layer, lambda w: w.dilation)
        case Column.OUTPUT:
            return shape(layer.output)
        case Column.PARAMS:
            if layer.shares is not None and layer.params != 0 and fmt is number:  # not CSV
                return f"{fmt(layer.params)} (shared with {layer.shares})"
            return fmt(layer.params)
        case Column.PARAMS_NONSHARED:
            return fmt(layer.params_nonshared)
        case Column.PARAMS_FC:
            return fmt(layer.params_fc)
        case Column.RF:
            return field_text(layer.receptive_field, lambda a: a.size)
        case Column.JUMP:
            return field_text(layer.receptive_field, lambda a: a.jump)
        case Column.START:
            return field_text(layer.receptive_field, lambda a: a.start)
        case Column.MACS:
            return fmt(layer.macs)
        case Column.ACTIVATIONS:
            return fmt(layer.activations)
        case Column.FROM:
            return " + ".join(layer.inputs)
        case Column.SHARES:
            return layer.shares or ""


def shapes_of(result: NetworkResult) -> Callable[[Shape], str]:
    """How ``result``'s shapes are written (its layout and batch, :func:`shape_text`)."""
    if result.layout == "hwc":
        return Shape.text
    return lambda shape: shape_text(shape, result.layout, result.batch)


def is_graph(result: NetworkResult) -> bool:
    """True when some layer reads other than the layer before it."""
    previous = "input"
    for layer in result.layers:
        if layer.inputs and layer.inputs != (previous,):
            return True
        previous = layer.name
    return False


def table_columns(result: NetworkResult) -> tuple[Column, ...]:
    """The table's columns: with a ``from`` column when the network branches."""
    if not is_graph(result):
        return TABLE_COLUMNS
    at = TABLE_COLUMNS.index(Column.KIND) + 1
    return (*TABLE_COLUMNS[:at], Column.FROM, *TABLE_COLUMNS[at:])


_OWN = frozenset({Column.INDEX, Column.NAME, Column.FROM})  # differ from layer to layer
_FIELD = frozenset({Column.RF, Column.JUMP, Column.START})  # from the receptive field


def table_rows(result: NetworkResult, columns: tuple[Column, ...]) -> list[list[str]]:
    """The input row and one row per layer; ``from`` is shown where it is not the layer
    just above.

    Long networks repeat layers: the cells of each distinct layer (its kind, numbers and
    shapes, which the engine shares between layers alike) and of each receptive field
    are written once, keyed by object identity while ``result`` holds the objects.
    """
    rows = [input_cells(result, columns)]
    shape = shapes_of(result)
    own = [(i, c) for i, c in enumerate(columns) if c in _OWN]
    field = [(i, c) for i, c in enumerate(columns) if c in _FIELD]
    alike: dict[tuple[object, ...], list[str]] = {}
    fields: dict[int, list[str]] = {}
    previous = "input"
    for layer in result.layers:
        key = alike_key(layer)
        shared = alike.get(key)
        if shared is None:
            shared = alike[key] = [
                "" if c in _OWN or c in _FIELD else cell(layer, c, shape=shape) for c in columns
            ]
        rf = fields.get(id(layer.receptive_field))
        if rf is None:
            rf = fields[id(layer.receptive_field)] = [cell(layer, c) for _, c in field]
        row = shared.copy()
        for (i, _), text in zip(field, rf, strict=True):
            row[i] = text
        for i, c in own:
            row[i] = "" if c is Column.FROM and layer.inputs == (previous,) else cell(layer, c)
        rows.append(row)
        previous = layer.name
    return rows


def input_cells(result: NetworkResult, columns: tuple[Column, ...]) -> list[str]:
    """The row for the network input (index 0)."""
    dims = len(result.input.size)
    values = {
        Column.INDEX: "0",
        Column.NAME: "input",
        Column.KIND: "input",
        Column.OUTPUT: shapes_of(result)(result.input),
        Column.RF: "1" if dims else "",
        Column.JUMP: "1" if dims else "",
        Column.START: "0" if dims else "",
        Column.ACTIVATIONS: number(result.totals.input_elements),
    }
    return [values.get(c, "") for c in columns]


def human(value: Count, unit: str = "") -> str:
    """A short approximate form: ``138.4 M``, ``1.5 G`` (a polynomial as it is)."""
    if not isinstance(value, int):
        return value.pretty()
    for scale, suffix in ((10**12, "T"), (10**9, "G"), (10**6, "M"), (10**3, "k")):
        if abs(value) >= scale:
            tenths = (abs(value) * 10 + scale // 2) // scale  # integers: no float overflow
            sign = "-" if value < 0 else ""
            return f"{sign}{tenths // 10}.{tenths % 10} {suffix}{unit}"
    return f"{value} {unit}".rstrip()


def human_bytes(value: Count) -> str:
    """Bytes in binary units: ``527.8 MiB`` (a polynomial in bytes as it is)."""
    if not isinstance(value, int):
        return f"{value.pretty()} B"
    for scale, suffix in ((2**40, "TiB"), (2**30, "GiB"), (2**20, "MiB"), (2**10, "KiB")):
        if value >= scale:
            tenths = (value * 10 + scale // 2) // scale
            return f"{tenths // 10}.{tenths % 10} {suffix}"
    return f"{value} B"


def _peak(result: NetworkResult) -> str:
    """The inference peak in bytes, and the layer where it occurs."""
    t = result.totals
    if t.peak_activations is None:
        return "depends on the symbols' values (give them values: --set)"
    where = next((layer for layer in result.layers if layer.index == t.peak_layer), None)
    at = f" during layer {where.index} ({visible(shorten(where.name))})" if where else ""
    return f"{human_bytes(t.peak_activations * result.dtype_bytes)}{at}"


def totals_lines(result: NetworkResult) -> list[tuple[str, str]]:
    """(label, value) pairs of the totals, for every human-readable renderer."""
    t = result.totals

    def both(value: Count) -> str:
        return f"{number(value)} ({human(value)})" if isinstance(value, int) else number(value)

    counting = "" if result.counting == "torchvision" else f" as {result.counting} counts"
    reused = total(layer.params for layer in result.layers if layer.shares is not None)
    note = [("shared params", f"{both(reused)} reused by layers that share (counted once)")]
    return [
        ("input", f"{_input_text(result)} = {number(t.input_elements)} values"),
        ("params", both(t.params)),
        *_trainable_lines(result, both),
        *(note if reused != 0 else []),
        (f"MACs{counting}", both(t.macs)),
        *((f"  {cls}", both(value)) for cls, value in result.breakdown),
        ("FLOPs (2 x MACs)", both(t.flops)),
        ("activations", both(t.activations)),
        (f"param memory ({result.dtype})", human_bytes(t.param_bytes)),
        (f"activation memory ({result.dtype})", human_bytes(t.activation_bytes)),
        (f"inference peak ({result.dtype})", _peak(result)),
        (f"input memory ({result.dtype})", human_bytes(t.input_bytes)),
    ]


def _input_text(result: NetworkResult) -> str:
    """The input's shape, with the batch in front in the lecture's layout (``4 x 32x32x3``)."""
    text = shapes_of(result)(result.input)
    return f"{result.batch} x {text}" if result.batch != 1 and result.layout == "hwc" else text


def _trainable_lines(result: NetworkResult, both: Callable[[Count], str]) -> list[tuple[str, str]]:
    """The trainable split when some parameters are frozen, and the buffers (batch norm's
    running statistics) when there are any: short footers otherwise."""
    t = result.totals
    lines = []
    if t.non_trainable_params != 0:
        lines += [
            ("trainable params", both(t.trainable_params)),
            ("non-trainable params", f"{both(t.non_trainable_params)} (frozen)"),
        ]
    if t.buffers != 0:
        lines.append(("buffers", f"{both(t.buffers)} (running statistics, not params)"))
    return lines
