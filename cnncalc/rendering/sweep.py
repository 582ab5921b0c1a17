"""A sweep as a table, JSON or CSV: one row per combination of variables and input."""

from __future__ import annotations

import json
from typing import Any

from cnncalc.rendering.cells import field_text, number
from cnncalc.rendering.data import (
    SCHEMA_VERSION,
    count_fields,
    csv_cell,
    csv_field,
    flat_columns,
    json_safe,
    shape_data,
)
from cnncalc.results import json_number
from cnncalc.sweeps import FIGURES, Sweep, SweepRow

TABLE = (
    ("params", "params"),
    ("macs", "MACs"),
    ("activations", "activations"),
    ("peak_activation_bytes", "peak (bytes)"),
    ("inference_bytes", "memory (bytes)"),
)
"""The figures the table shows, with their titles; JSON and CSV have them all."""


def sweep_headers(sweep: Sweep) -> list[str]:
    """The table's column titles."""
    return [*sweep.variables, "input", "output", *(t for _, t in TABLE), "RF"]


def sweep_rows(sweep: Sweep) -> list[list[str]]:
    """The table's cells, one row per combination kept."""
    return [
        [
            *(str(v) for _, v in row.variables),
            row.input.text(),
            row.output.text(),
            *(number(row.figure(key)) for key, _ in TABLE),
            field_text(row.receptive_field, lambda a: a.size),
        ]
        for row in sweep.rows
    ]


def sweep_note(sweep: Sweep) -> str:
    """What was evaluated and kept, and how MACs and bytes were counted."""
    kept = f"{len(sweep.rows):,} of {sweep.combinations:,} combinations"
    where = f" where {sweep.where}" if sweep.where is not None else ""
    return f"{kept}{where}; MACs counted as {sweep.counting}; bytes in {sweep.dtype}\n"


def row_data(row: SweepRow) -> dict[str, Any]:
    """One row as JSON data (the ``sweep`` schema)."""
    totals: dict[str, Any] = {}
    for key in FIGURES:
        totals.update(count_fields(key, row.figure(key)))
    return {
        "variables": dict(row.variables),
        "input": shape_data(row.input),
        "output": shape_data(row.output),
        "totals": totals,
        "receptive_field": {
            "size": [json_number(a.size) for a in row.receptive_field],
            "jump": [json_number(a.jump) for a in row.receptive_field],
        },
    }


def sweep_data(sweep: Sweep) -> dict[str, Any]:
    """The sweep as JSON data (the ``sweep`` schema)."""
    return {
        "schema_version": SCHEMA_VERSION,
        "name": sweep.name,
        "variables": list(sweep.variables),
        "dtype": sweep.dtype,
        "counting": sweep.counting,
        "where": sweep.where,
        "combinations": sweep.combinations,
        "rows": [row_data(row) for row in sweep.rows],
    }


def sweep_json(sweep: Sweep) -> str:
    """The sweep as JSON text, one row per line."""
    data = sweep_data(sweep)
    rows = data.pop("rows")
    head = ",\n".join(
        f"  {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}" for k, v in data.items()
    )
    body = ",\n".join(f"    {json.dumps(r, ensure_ascii=False)}" for r in rows)
    text = (
        f'{{\n{head},\n  "rows": [\n{body}\n  ]\n}}\n'
        if rows
        else f'{{\n{head},\n  "rows": []\n}}\n'
    )
    return json_safe(text)


def sweep_csv(sweep: Sweep) -> str:
    """One line per row; the columns are the JSON paths of a row (``totals.params``,
    ``input.size.0``), one column per axis; symbolic counts in their ``*_expr`` column."""
    flat = [flat_columns(row_data(row)) for row in sweep.rows]
    names: dict[str, None] = {}
    for columns in flat:
        names.update(dict.fromkeys(columns))
    lines = [",".join(csv_field(n) for n in names)]
    for columns in flat:
        lines.append(",".join(csv_field(csv_cell(columns.get(n)), False) for n in names))
    return "".join(f"{line}\n" for line in lines)
