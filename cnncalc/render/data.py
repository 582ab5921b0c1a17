"""Machine-readable renderers: JSON and CSV."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from cnncalc.render.cells import Column, cell
from cnncalc.results import LayerResult, NetworkResult


def layer_dict(layer: LayerResult) -> dict[str, Any]:
    """One layer as JSON-ready data; integers stay exact."""
    rf = layer.receptive_field
    return {
        "index": layer.index,
        "name": layer.name,
        "type": layer.kind,
        "hyper": dict(layer.hyper),
        "output": {"channels": layer.output.channels, "size": list(layer.output.size)},
        "params": layer.params,
        "params_nonshared": layer.params_nonshared,
        "params_fc": layer.params_fc,
        "receptive_field": {
            "size": [a.size for a in rf],
            "jump": [a.jump for a in rf],
            "start": [a.start for a in rf],
            "padding": [a.padding for a in rf],
        },
        "macs": layer.macs,
        "activations": layer.activations,
    }


def result_dict(result: NetworkResult) -> dict[str, Any]:
    """The whole result as JSON-ready data (the public JSON schema)."""
    t = result.totals
    return {
        "name": result.name,
        "input": {"channels": result.input.channels, "size": list(result.input.size)},
        "dtype": result.dtype,
        "layers": [layer_dict(layer) for layer in result.layers],
        "totals": {
            "params": t.params,
            "macs": t.macs,
            "flops": t.flops,
            "activations": t.activations,
            "param_bytes": t.param_bytes,
            "activation_bytes": t.activation_bytes,
            "input_bytes": t.input_bytes,
        },
        "warnings": [
            {"layer": w.layer, "code": w.code, "message": w.message} for w in result.warnings
        ],
    }


def render_json(result: NetworkResult) -> str:
    """JSON text: one top-level key per line and one layer per line.

    Each line is written by json's C encoder (an indented dump goes through the
    pure-Python one, several times slower on long networks).
    """
    data = result_dict(result)
    encode = json.JSONEncoder(ensure_ascii=False).encode
    lines = []
    for key, value in data.items():
        if key in ("layers", "warnings") and value:
            items = ",\n    ".join(encode(item) for item in value)
            lines.append(f'  "{key}": [\n    {items}\n  ]')
        else:
            lines.append(f"  {encode(key)}: {encode(value)}")
    return "{\n" + ",\n".join(lines) + "\n}\n"


CSV_COLUMNS: tuple[Column, ...] = tuple(Column)  # every column, in table order


def _raw(value: int | None) -> str:
    return "" if value is None else str(value)


def render_csv(result: NetworkResult) -> str:
    """One row per layer, raw integers, the column keys as header."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([c.value for c in CSV_COLUMNS])
    for layer in result.layers:
        writer.writerow([cell(layer, c, _raw) for c in CSV_COLUMNS])
    return buffer.getvalue()
