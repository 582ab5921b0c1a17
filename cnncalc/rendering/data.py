"""Machine-readable renderers: JSON and CSV."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any, cast

from cnncalc.results import LayerResult, NetworkResult, Shape, alike_key, json_number
from cnncalc.symbolic import Count, Poly


def ready(value: Any) -> Any:
    """A value as JSON data: polynomials become their text, the rest stays."""
    return str(value) if isinstance(value, Poly) else value


def totals_data(result: NetworkResult) -> dict[str, Any]:
    """The ``totals`` object of a summary (and of each network a comparison lists)."""
    t = result.totals
    out: dict[str, Any] = {
        **count_fields("params", t.params),
        **count_fields("trainable_params", t.trainable_params),
        **count_fields("non_trainable_params", t.non_trainable_params),
        **count_fields("buffers", t.buffers),
        **count_fields("macs", t.macs),
        "counting": result.counting,
    }
    if result.breakdown:
        out["breakdown"] = {c: v if type(v) is int else None for c, v in result.breakdown}
        symbolic = {c: str(v) for c, v in result.breakdown if type(v) is not int}
        if symbolic:
            out["breakdown_expr"] = symbolic
    for key, value in (
        ("flops", t.flops),
        ("activations", t.activations),
        ("param_bytes", t.param_bytes),
        ("activation_bytes", t.activation_bytes),
        ("peak_activations", t.peak_activations),
        ("peak_activation_bytes", _times(t.peak_activations, result.dtype_bytes)),
    ):
        out.update(count_fields(key, value))
    out["peak_layer"] = t.peak_layer
    out.update(count_fields("input_bytes", t.input_bytes))
    return out


def _head(result: NetworkResult) -> dict[str, Any]:
    """The top-level keys before ``layers``, then the ``totals`` (last), in schema order."""
    return {
        "schema_version": SCHEMA_VERSION,
        "name": result.name,
        "input": shape_data(result.input),
        "dtype": result.dtype,
        "batch": result.batch,
        "totals": totals_data(result),
    }


def _warnings(result: NetworkResult) -> list[dict[str, Any]]:
    return [{"layer": w.layer, "code": w.code, "message": w.message} for w in result.warnings]


_SURROGATE = re.compile("[\ud800-\udfff]")


def _surrogate_escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def json_safe(text: str) -> str:
    """JSON text (written with ``ensure_ascii=False``) with every surrogate, which only a
    string can hold, written as its ``\\uXXXX`` escape: the text is then valid UTF-8, and
    a lone surrogate (from a file name that is not UTF-8) reads back as itself. A high
    surrogate followed by a low one reads back as the one character they pair to."""
    return text if _SURROGATE.search(text) is None else _SURROGATE.sub(_surrogate_escape, text)


def _num(key: str, value: Count | None) -> str:
    """JSON fields for a count (:func:`count_fields`): ``"key": 12``, ``"key": null``, or
    ``"key": null, "key_expr": "2*C"`` for a polynomial."""
    if type(value) is int:
        return f'"{key}": {value}'
    if value is None:
        return f'"{key}": null'
    return f'"{key}": null, "{key}_expr": {json.dumps(str(value))}'


def _shape_json(shape: Shape) -> str:
    return f'{{{_num("channels", shape.channels)}, "size": {list(shape.size)}}}'


_PLAIN = re.compile(r"[\w.\-+@ ]*").fullmatch  # text whose JSON is itself in quotes


def _text(value: str, encode: Callable[[object], str]) -> str:
    if value.isascii() and (value.isidentifier() or _PLAIN(value)):
        return f'"{value}"'
    return encode(value)


def _layer_json(
    layer: LayerResult,
    encode: Callable[[object], str],
    cache: dict[tuple[object, ...], tuple[str, str]],
    fields: dict[int, str],
    names: dict[str, str],
    live: str,
) -> str:
    """One layer as JSON text, written directly (tests/test_render.py holds the plain
    data-then-encode writer this equals).

    Layers written alike share their hyperparameters and output objects (the engine's
    memo), and a layer that keeps its input's receptive field keeps the same object, so
    those parts are written once per distinct object (keyed by identity: the caches live
    only while the result does). Each name's JSON is made once and reused where a later
    layer reads it.
    """
    key = alike_key(layer)
    parts = cache.get(key)
    if parts is None:
        parts = cache[key] = (
            f'"type": "{layer.kind}", "hyper": {encode(dict(layer.hyper))}, '
            f'"output": {_shape_json(layer.output)}, {_num("params", layer.params)}, '
            f"{_num('params_nonshared', layer.params_nonshared)}, "
            f"{_num('params_fc', layer.params_fc)}, ",
            f"{_num('macs', layer.macs)}, {_num('activations', layer.activations)}, ",
        )
    rf = layer.receptive_field
    field = fields.get(id(rf))
    if field is None:
        size, jump, start, padding = [], [], [], []
        for a in rf:
            size.append(a.size)
            jump.append(a.jump)
            start.append(a.start)
            padding.append(a.padding)
        field = fields[id(rf)] = (
            f'"receptive_field": {{"size": {_exact(size)}, "jump": {_exact(jump)}, '
            f'"start": {_exact(start)}, "padding": {_exact(padding)}}}, '
        )
    name = names[layer.name] = _text(layer.name, encode)
    inputs = ", ".join([names.get(ref) or _text(ref, encode) for ref in layer.inputs])
    ending = "true" if layer.training_only else "false"
    shares = "null" if layer.shares is None else _text(layer.shares, encode)
    frozen = "true" if layer.frozen else "false"
    return (
        f'{{"index": {layer.index}, "name": {name}, {parts[0]}{field}{parts[1]}'
        f'"inputs": [{inputs}], "training_only": {ending}, "shares": {shares}, '
        f'"frozen": {frozen}, {_num("buffers", layer.buffers)}, {live}}}'
    )


def _live_json(live: Count | None, dtype_bytes: int) -> str:
    """A layer's ``live_elements`` and ``live_bytes``: the elements (and bytes) alive
    while it runs (:func:`cnncalc.engine.memory.layer_live`); null for a layer run only
    in training and for the rows of ``--depth``."""
    if type(live) is int:  # the common case, and the fast one
        return f'"live_elements": {live}, "live_bytes": {live * dtype_bytes}'
    return f"{_num('live_elements', live)}, {_num('live_bytes', _times(live, dtype_bytes))}"


def _exact(values: list[Any]) -> str:
    """A list of receptive-field numbers as JSON (see :func:`json_number`)."""
    if all(isinstance(v, int | float) for v in values):
        return str(values)  # the common case, and the fast one
    return json.dumps([json_number(v) for v in values])


def json_chunks(result: NetworkResult) -> Iterator[str]:
    """The result as JSON text (the public JSON schema) in pieces, one layer per piece,
    so a long network is written out as it goes: one top-level key per line, one layer
    per line. Integers stay exact; polynomials are strings; text is valid UTF-8
    (see :func:`json_safe`)."""
    plain_encode = json.JSONEncoder(ensure_ascii=False, default=str).encode

    def encode(value: object) -> str:
        return json_safe(plain_encode(value))

    from cnncalc.engine.memory import layer_live

    cache: dict[tuple[object, ...], tuple[str, str]] = {}
    fields: dict[int, str] = {}
    names: dict[str, str] = {}
    live = layer_live(result)
    head = [f"  {encode(key)}: {encode(value)}" for key, value in _head(result).items()]
    *before, totals = head  # totals, the last of them, come after the layers
    yield "{\n" + ",\n".join(before) + ",\n"
    if result.layers:
        separator = '  "layers": [\n    '
        for layer, alive in zip(result.layers, live, strict=True):
            memory = _live_json(alive, result.dtype_bytes)
            yield separator + _layer_json(layer, encode, cache, fields, names, memory)
            separator = ",\n    "
        yield "\n  ],\n"
    else:
        yield '  "layers": [],\n'
    warnings = ",\n    ".join(encode(w) for w in _warnings(result))
    tail = f'  "warnings": [\n    {warnings}\n  ]' if warnings else '  "warnings": []'
    yield ",\n".join([totals, tail]) + "\n}\n"


def render_json(result: NetworkResult) -> str:
    """The result as JSON text (see :func:`json_chunks`)."""
    return "".join(json_chunks(result))


def result_data(result: NetworkResult) -> dict[str, Any]:
    """The result as JSON data: what :func:`render_json` writes, read back."""
    return cast(dict[str, Any], json.loads(render_json(result)))


def _raw(value: Count | None) -> str:
    return "" if value is None else str(value)


_NUMBER = re.compile(r"-?\d+(?:\.\d*)?(?:e[-+]?\d+)?").fullmatch
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # OWASP's list for CSV injection
_QUOTED = re.compile(r'[,"\r\n]')


def csv_field(text: str, text_cell: bool = True) -> str:
    """One CSV field. A text cell (a name, a kind) that a spreadsheet would take for a
    formula, as it starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return,
    gets a ``'`` in front (the OWASP rule); a number cell only when it is not a number
    (a polynomial), so ``-1.5`` stays a number. Quoted when it holds a comma, a quote,
    CR or LF; a lone surrogate (which UTF-8 cannot carry) becomes U+FFFD."""
    if _SURROGATE.search(text) is not None:
        text = _SURROGATE.sub("\ufffd", text)
    if text.startswith(_FORMULA_START) and (text_cell or not _NUMBER(text)):
        text = "'" + text
    if _QUOTED.search(text) is None:
        return text
    return '"' + text.replace('"', '""') + '"'


LAYER_KEYS = (
    "index",
    "name",
    "type",
    "hyper",
    "output",
    "params",
    "params_nonshared",
    "params_fc",
    "receptive_field",
    "macs",
    "activations",
    "inputs",
    "training_only",
    "shares",
    "frozen",
    "buffers",
    "live_elements",
    "live_bytes",
)
"""A layer's keys in JSON, in order; CSV columns follow it."""


def _column_rank(name: str) -> tuple[int, bool]:
    top = name.split(".")[0]
    return LAYER_KEYS.index(top.removesuffix("_expr")), top.endswith("_expr")


def render_csv(result: NetworkResult) -> str:
    """One row per layer; the columns are the layer's JSON paths (``output.size.0``,
    ``hyper.kernel.1``, ``receptive_field.size.0``: one column per axis), integers raw,
    ``inputs`` joined by ``;``; text neutralized and quoted by :func:`csv_field`. The last
    column, ``batch``, says for how many samples the counts are (``--batch``)."""
    layers = [flat_columns(layer) for layer in result_data(result)["layers"]]
    names: dict[str, None] = {}
    for columns in layers:
        names.update(dict.fromkeys(columns))
    header = sorted(names, key=_column_rank) or [
        k for k in LAYER_KEYS if k not in ("hyper", "output", "receptive_field")
    ]
    lines = [",".join([*header, "batch"])]
    for columns in layers:
        cells = []
        for name in header:
            value = columns.get(name)
            cells.append(csv_field(csv_cell(value), isinstance(value, str)))
        lines.append(",".join([*cells, str(result.batch)]))
    return "".join(f"{line}\n" for line in lines)


SCHEMA_VERSION = 2
"""The version of every JSON document's layout (``schema_version``); ``cnncalc schema``
prints the schemas. Version 2: counts are integers or null with a ``*_expr`` text."""


def _times(value: Count | None, factor: int) -> Count | None:
    return None if value is None else value * factor


def count_fields(key: str, value: Count | None) -> dict[str, Any]:
    """A count as JSON fields: ``{key: integer}``, or for a polynomial ``{key: null,
    key_expr: its text}``; None stays null."""
    if value is None or type(value) is int:
        return {key: value}
    return {key: None, f"{key}_expr": str(value)}


def shape_data(shape: Shape) -> dict[str, Any]:
    """A feature map as JSON data: channels (see :func:`count_fields`) and sizes."""
    return {**count_fields("channels", shape.channels), "size": list(shape.size)}


def flat_columns(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """JSON data as CSV columns named by their JSON path: ``input.size.0``; a list of
    texts is one cell, joined by ``;``."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(flat_columns(value, f"{name}."))
        elif isinstance(value, list) and any(isinstance(v, str) for v in value):
            out[name] = ";".join(map(str, value))
        elif isinstance(value, list):
            out.update(flat_columns({str(i): v for i, v in enumerate(value)}, f"{name}."))
        else:
            out[name] = value
    return out


def csv_cell(value: Any) -> str:
    """A CSV cell for a JSON value: empty for null, ``true``/``false`` as JSON writes."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
