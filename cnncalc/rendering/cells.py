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
    Totals,
    Window,
    alike_key,
    params_counted_as,
    shape_text,
)
from cnncalc.symbolic import Count, total

# Characters a terminal acts on or that reorder or break the text around them: C0 and C1
# controls, DEL, zero-width and invisible format characters (spaces, joiners, marks,
# the byte order mark: they would hide in a name), bidirectional embeddings, overrides
# and isolates, line and paragraph separators, and lone surrogates (which no UTF-8
# stream can carry).
_UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2069\ufeff\ud800-\udfff]"
)
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


def cell_width(text: str) -> int:
    """The columns a terminal gives ``text``: 2 for each wide or fullwidth character (CJK,
    most emoji), 0 for a nonspacing or enclosing mark (accents, variation selectors), 1
    for the rest (Unicode's East Asian Width and general categories)."""
    if text.isascii():
        return len(text)
    from unicodedata import category, east_asian_width

    return sum(
        0 if category(c) in ("Mn", "Me") else 2 if east_asian_width(c) in "WF" else 1 for c in text
    )


def shorten(text: str, width: int = TEXT_WIDTH) -> str:
    """``text`` cut to ``width`` columns (:func:`cell_width`), the last one an ellipsis,
    when it is wider."""
    if text.isascii():
        return text if len(text) <= width else text[: width - 1] + ELLIPSIS
    if cell_width(text) <= width:
        return text
    kept, used = [], 0
    for char in text:
        used += cell_width(char)
        if used > width - 1:
            break
        kept.append(char)
    return "".join(kept) + ELLIPSIS


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
    INPUT = "input"
    PARAMS_PCT = "params_pct"
    MACS_PCT = "macs_pct"
    LIVE = "live"


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
    Column.INPUT: "input",
    Column.PARAMS_PCT: "% params",
    Column.MACS_PCT: "% MACs",
    Column.LIVE: "live",
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
        Column.PARAMS_PCT,
        Column.MACS_PCT,
        Column.LIVE,
    }
)

WIDE_COLUMNS: tuple[Column, ...] = (
    Column.INDEX,
    Column.NAME,
    Column.KIND,
    Column.FROM,
    Column.KERNEL,
    Column.STRIDE,
    Column.PADDING,
    Column.DILATION,
    Column.INPUT,
    Column.OUTPUT,
    Column.PARAMS,
    Column.PARAMS_PCT,
    Column.PARAMS_NONSHARED,
    Column.PARAMS_FC,
    Column.SHARES,
    Column.RF,
    Column.JUMP,
    Column.START,
    Column.MACS,
    Column.MACS_PCT,
    Column.ACTIVATIONS,
    Column.LIVE,
)
"""Every column, in the order ``--wide`` shows them."""

DROP_ORDER: tuple[Column, ...] = (
    Column.DILATION,
    Column.JUMP,
    Column.PADDING,
    Column.STRIDE,
    Column.KERNEL,
    Column.FROM,
    Column.RF,
)
"""The optional columns of the default table, in the order a terminal too narrow for the
table drops them (first the dilation, last the receptive field). The others (index,
name, kind, output, params, MACs) are always shown."""

COLUMN_ALIASES: dict[str, Column] = {
    "type": Column.KIND,
    "inputs": Column.FROM,
    "receptive_field": Column.RF,
    "shared_with": Column.SHARES,
    "#": Column.INDEX,
    "k": Column.KERNEL,
    "s": Column.STRIDE,
    "p": Column.PADDING,
    "d": Column.DILATION,
}
"""Other names ``--columns`` takes: the JSON keys where they differ, and the short titles."""


def parse_columns(text: str) -> tuple[Column, ...]:
    """Columns named in a comma-separated list (``name,kind,output,params,macs``), in the
    order given, each once. Raises CnnCalcError for an unknown name, with did-you-mean."""
    from cnncalc.errors import CnnCalcError, did_you_mean

    known = {c.value: c for c in Column} | COLUMN_ALIASES
    chosen: dict[Column, None] = {}
    for word in text.split(","):
        name = word.strip().lower()
        if not name:
            continue
        column = known.get(name)
        if column is None:
            shown = visible(shorten(word.strip(), 40))
            hint = did_you_mean(name, known) if len(name) <= 40 else ""
            raise CnnCalcError(
                f"unknown column '{shown}'{hint}; known: {', '.join(c.value for c in Column)}",
                option="columns",
            )
        chosen[column] = None
    if not chosen:
        raise CnnCalcError(
            f"name at least one column, e.g. name,kind,output,params,macs; known: "
            f"{', '.join(c.value for c in Column)}",
            option="columns",
        )
    return tuple(chosen)


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
        case Column.INPUT | Column.PARAMS_PCT | Column.MACS_PCT | Column.LIVE:
            return ""  # these need the whole network: see table_rows


def percent(part: Count, whole: Count) -> str:
    """``part`` as a percentage of ``whole`` with one decimal, the exact ratio rounded
    half up (``0.05`` shows as ``0.1``); empty when either is a polynomial or ``whole``
    is not positive."""
    if not isinstance(part, int) or not isinstance(whole, int) or whole <= 0 or part < 0:
        return ""
    tenths = (part * 2000 + whole) // (2 * whole)  # integers: exact, no float rounding
    return f"{tenths // 10}.{tenths % 10}"


def _share_cell(layer: LayerResult, column: Column, totals: Totals) -> str:
    """The percentage columns: a layer's part of the totals. Empty for a layer that shares
    another's parameters (they are counted there) and, for MACs, for a layer that runs
    only in training (the totals leave it out)."""
    if column is Column.PARAMS_PCT:
        return "" if layer.shares is not None else percent(layer.params, totals.params)
    return "" if layer.training_only else percent(layer.macs, totals.macs)


def _live(result: NetworkResult) -> dict[int, Count]:
    """Elements alive while each layer runs (:func:`cnncalc.engine.memory.layer_live`, as
    JSON gives them), by layer index; layers that run only in training have none."""
    from cnncalc.engine.memory import layer_live

    return {
        layer.index: live
        for layer, live in zip(result.layers, layer_live(result), strict=True)
        if live is not None
    }


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


_OWN = frozenset({Column.INDEX, Column.NAME, Column.FROM, Column.INPUT, Column.LIVE})
# (the columns above differ from layer to layer)
_FIELD = frozenset({Column.RF, Column.JUMP, Column.START})  # from the receptive field
_PERCENT = frozenset({Column.PARAMS_PCT, Column.MACS_PCT})


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
    live = _live(result) if Column.LIVE in columns else {}
    shapes = {"input": result.input} if Column.INPUT in columns else {}
    previous = "input"

    def own_cell(layer: LayerResult, column: Column) -> str:
        if column is Column.FROM and layer.inputs == (previous,):
            return ""
        if column is Column.INPUT:
            return " + ".join(shape(shapes[name]) for name in layer.inputs if name in shapes)
        if column is Column.LIVE:
            return number(live.get(layer.index))
        return cell(layer, column)

    for layer in result.layers:
        key = alike_key(layer)
        shared = alike.get(key)
        if shared is None:
            shared = alike[key] = [
                ""
                if c in _OWN or c in _FIELD
                else _share_cell(layer, c, result.totals)
                if c in _PERCENT
                else cell(layer, c, shape=shape)
                for c in columns
            ]
        rf = fields.get(id(layer.receptive_field))
        if rf is None:
            rf = fields[id(layer.receptive_field)] = [cell(layer, c) for _, c in field]
        row = shared.copy()
        for (i, _), text in zip(field, rf, strict=True):
            row[i] = text
        for i, c in own:
            row[i] = own_cell(layer, c)
        rows.append(row)
        previous = layer.name
        if shapes:
            shapes[layer.name] = layer.output
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
        *_param_counts(result, both),
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


def ratio(value: Count, base: Count) -> str | None:
    """``value / base`` with one decimal, rounded half up: ``24.6x``; None where it is not
    defined (a polynomial, or ``base`` not positive)."""
    if not isinstance(value, int) or not isinstance(base, int) or base <= 0 or value < 0:
        return None
    tenths = (value * 20 + base) // (2 * base)
    return f"{tenths // 10:,}.{tenths % 10}x"


def _param_counts(result: NetworkResult, both: Callable[[Count], str]) -> list[tuple[str, str]]:
    """The mission's other two parameter counts, totalled, with their ratio to the shared
    count: every layer's parameters without weight sharing (neither across positions nor
    between layers) and as fully connected layers. A layer with no such form (batch norm,
    layer norm) counts its own parameters in both. Said only when some layer has them."""
    if all(layer.params_nonshared is None for layer in result.layers):
        return []
    lines = []
    for label, key in (
        ("params without sharing", "params_nonshared"),
        ("params as FC", "params_fc"),
    ):
        value = params_counted_as(result.layers, key)
        if value is None:
            value = total(layer.params for layer in result.layers)
        times = ratio(value, result.totals.params)
        lines.append((label, both(value) + (f", {times} the shared count" if times else "")))
    return lines


WARNING_MODES = ("summary", "all", "none")
"""How human-readable formats show warnings (``--warnings``): ``summary`` says each kind
once with the layers it concerns, ``all`` every notice on its own, ``none`` nothing."""


def with_warnings(result: NetworkResult, mode: str = "summary") -> NetworkResult:
    """``result`` with its warnings as a human-readable format shows them in ``mode`` (one
    of :data:`WARNING_MODES`): JSON always lists the summary, each with its code."""
    if mode == "none":
        return result._replace(warnings=())
    if mode == "all":
        return result._replace(warnings=tuple(n for w in result.warnings for n in w.each()))
    return result
