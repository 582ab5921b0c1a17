"""Machine-readable renderers: JSON and CSV."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

from cnncalc.results import LayerResult, NetworkResult, alike_key
from cnncalc.symbolic import Count, Poly


def ready(value: Any) -> Any:
    """A value as JSON data: polynomials become their text, the rest stays."""
    return str(value) if isinstance(value, Poly) else value


def layer_dict(layer: LayerResult) -> dict[str, Any]:
    """One layer as JSON-ready data; integers stay exact."""
    rf = layer.receptive_field
    return {
        "index": layer.index,
        "name": layer.name,
        "type": layer.kind,
        "hyper": {k: ready(v) for k, v in layer.hyper},
        "output": {"channels": ready(layer.output.channels), "size": list(layer.output.size)},
        "params": ready(layer.params),
        "params_nonshared": ready(layer.params_nonshared),
        "params_fc": ready(layer.params_fc),
        "receptive_field": {
            "size": [a.size for a in rf],
            "jump": [a.jump for a in rf],
            "start": [a.start for a in rf],
            "padding": [a.padding for a in rf],
        },
        "macs": ready(layer.macs),
        "activations": ready(layer.activations),
        "inputs": list(layer.inputs),
        "training_only": layer.training_only,
    }


def result_dict_head(result: NetworkResult) -> dict[str, Any]:
    """The top-level keys before ``layers`` and the ``totals``, in schema order."""
    t = result.totals
    return {
        "name": result.name,
        "input": {"channels": ready(result.input.channels), "size": list(result.input.size)},
        "dtype": result.dtype,
        "totals": {
            "params": ready(t.params),
            "macs": ready(t.macs),
            "flops": ready(t.flops),
            "activations": ready(t.activations),
            "param_bytes": ready(t.param_bytes),
            "activation_bytes": ready(t.activation_bytes),
            "input_bytes": ready(t.input_bytes),
        },
    }


def warnings_data(result: NetworkResult) -> list[dict[str, Any]]:
    """The warnings as JSON-ready data."""
    return [{"layer": w.layer, "code": w.code, "message": w.message} for w in result.warnings]


def result_dict(result: NetworkResult) -> dict[str, Any]:
    """The whole result as JSON-ready data (the public JSON schema)."""
    head = result_dict_head(result)
    return {
        "name": head["name"],
        "input": head["input"],
        "dtype": head["dtype"],
        "layers": [layer_dict(layer) for layer in result.layers],
        "totals": head["totals"],
        "warnings": warnings_data(result),
    }


def _num(value: Count | None) -> str:
    """JSON for a count: a number, a polynomial as a string, or null."""
    if type(value) is int:
        return str(value)
    return "null" if value is None else json.dumps(str(value))


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
) -> str:
    """One layer as JSON text, equal to ``encode(layer_dict(layer))`` but written directly.

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
            f'"output": {{"channels": {_num(layer.output.channels)}, '
            f'"size": {list(layer.output.size)}}}, "params": {_num(layer.params)}, '
            f'"params_nonshared": {_num(layer.params_nonshared)}, '
            f'"params_fc": {_num(layer.params_fc)}, ',
            f'"macs": {_num(layer.macs)}, "activations": {_num(layer.activations)}, ',
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
            f'"receptive_field": {{"size": {size}, "jump": {jump}, "start": {start}, '
            f'"padding": {padding}}}, '
        )
    name = names[layer.name] = _text(layer.name, encode)
    inputs = ", ".join([names.get(ref) or _text(ref, encode) for ref in layer.inputs])
    ending = "true" if layer.training_only else "false"
    return (
        f'{{"index": {layer.index}, "name": {name}, {parts[0]}{field}{parts[1]}'
        f'"inputs": [{inputs}], "training_only": {ending}}}'
    )


def json_chunks(result: NetworkResult) -> Iterator[str]:
    """JSON text of :func:`result_dict` in pieces, one layer per piece, so a long network
    is written out as it goes: one top-level key per line, one layer per line."""
    encode = json.JSONEncoder(ensure_ascii=False, default=str).encode
    cache: dict[tuple[object, ...], tuple[str, str]] = {}
    fields: dict[int, str] = {}
    names: dict[str, str] = {}
    head = [f"  {encode(key)}: {encode(value)}" for key, value in result_dict_head(result).items()]
    yield "{\n" + ",\n".join(head[:3]) + ",\n"
    if result.layers:
        separator = '  "layers": [\n    '
        for layer in result.layers:
            yield separator + _layer_json(layer, encode, cache, fields, names)
            separator = ",\n    "
        yield "\n  ],\n"
    else:
        yield '  "layers": [],\n'
    warnings = ",\n    ".join(encode(w) for w in warnings_data(result))
    tail = f'  "warnings": [\n    {warnings}\n  ]' if warnings else '  "warnings": []'
    yield ",\n".join([*head[3:], tail]) + "\n}\n"


def render_json(result: NetworkResult) -> str:
    """JSON text of :func:`result_dict` (see :func:`json_chunks`)."""
    return "".join(json_chunks(result))


def _raw(value: Count | None) -> str:
    return "" if value is None else str(value)


def render_csv(result: NetworkResult) -> str:
    """One row per layer, raw integers, the column keys as header."""
    import csv
    import io

    from cnncalc.rendering.cells import Column, cell

    columns = tuple(Column)  # every column, in table order
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([c.value for c in columns])
    for layer in result.layers:
        writer.writerow([cell(layer, c, _raw) for c in columns])
    return buffer.getvalue()
