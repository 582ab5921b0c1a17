"""Side-by-side comparison of networks: sizes, receptive fields, counts and ratios."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from cnncalc.rendering.cells import field_text, number
from cnncalc.rendering.data import SCHEMA_VERSION, json_safe, shape_data, totals_data
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


def comparison_data(labels: Sequence[str], results: Sequence[NetworkResult]) -> dict[str, Any]:
    """The comparison as JSON data (the ``compare`` schema): per network the summary's
    ``input``, ``totals`` and last layer's ``output`` and ``receptive_field`` objects,
    and the ratios of its counts to the first network's."""
    base = results[0]
    networks: list[dict[str, Any]] = []
    for label, result in zip(labels, results, strict=True):
        rf = result.layers[-1].receptive_field if result.layers else ()
        ratios = {}
        for key in QUANTITIES:
            r = ratio(_count(result, key), _count(base, key))
            ratios[key] = None if r is None else as_float(r)
        networks.append(
            {
                "spec": label,
                "name": result.name,
                "input": shape_data(result.input),
                "output": shape_data(_last_output(result)),
                "receptive_field": {
                    "size": [json_number(a.size) for a in rf],
                    "jump": [json_number(a.jump) for a in rf],
                    "start": [json_number(a.start) for a in rf],
                    "padding": [json_number(a.padding) for a in rf],
                },
                "totals": totals_data(result),
                "ratios": ratios,
            }
        )
    return {"schema_version": SCHEMA_VERSION, "networks": networks}


def comparison_json(labels: Sequence[str], results: Sequence[NetworkResult]) -> str:
    """The comparison as JSON text (see :func:`comparison_data`)."""
    data = comparison_data(labels, results)
    return json_safe(json.dumps(data, indent=2, ensure_ascii=False)) + "\n"
