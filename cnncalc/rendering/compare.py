"""Side-by-side comparison of networks: sizes, receptive fields, counts and ratios."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from cnncalc.rendering.cells import field_text, number
from cnncalc.rendering.data import json_safe, ready
from cnncalc.results import NetworkResult, Shape, json_number
from cnncalc.symbolic import Count, as_float, ratio, ratio_text

QUANTITIES = ("params", "macs", "activations")
TITLES = {"params": "params", "macs": "MACs", "activations": "activations"}


def _last_output(result: NetworkResult) -> Shape:
    return result.layers[-1].output if result.layers else result.input


def _count(result: NetworkResult, key: str) -> Count:
    value: Count = getattr(result.totals, key)
    return value


def comparison_rows(labels: Sequence[str], results: Sequence[NetworkResult]) -> list[list[str]]:
    """One row of cells per network; ratios are against the first."""
    base = results[0]
    rows = []
    for label, result in zip(labels, results, strict=True):
        rf = result.layers[-1].receptive_field if result.layers else ()
        row = [label, _last_output(result).text(), field_text(rf, lambda a: a.size)]
        for key in QUANTITIES:
            row += [
                number(_count(result, key)),
                ratio_text(_count(result, key), _count(base, key), ",.3g"),
            ]
        rows.append(row)
    return rows


HEADERS = ["spec", "output", "RF"] + [
    title for key in QUANTITIES for title in (TITLES[key], "x first")
]


def comparison_json(labels: Sequence[str], results: Sequence[NetworkResult]) -> str:
    """The comparison as JSON: per network its figures and ratios to the first."""
    base = results[0]
    out: list[dict[str, Any]] = []
    for label, result in zip(labels, results, strict=True):
        shape = _last_output(result)
        rf = result.layers[-1].receptive_field if result.layers else ()
        entry: dict[str, Any] = {
            "spec": label,
            "name": result.name,
            "output": {"channels": ready(shape.channels), "size": list(shape.size)},
            "receptive_field": [json_number(a.size) for a in rf],
        }
        for key in QUANTITIES:
            r = ratio(_count(result, key), _count(base, key))
            entry[key] = ready(_count(result, key))
            entry[f"{key}_ratio"] = None if r is None else as_float(r)
        out.append(entry)
    return json_safe(json.dumps(out, indent=2, ensure_ascii=False)) + "\n"
