"""The layer table as plain text, written line by line without rich.

Used when output is not a terminal (a pipe, a file) and for very long networks, where a
rich table of 100,000 rows would take minutes: the same columns, cells and totals as the
rich table, aligned by hand.
"""

from __future__ import annotations

from collections.abc import Iterator

from cnncalc.render.cells import NUMERIC, TITLES, table_columns, table_rows, totals_lines
from cnncalc.results import NetworkResult


def plain_lines(result: NetworkResult) -> Iterator[str]:
    """The title, the aligned table, the totals and the warnings, one line at a time."""
    columns = table_columns(result)
    rows = table_rows(result, columns)
    header = [TITLES[c] for c in columns]
    widths = [max(len(header[i]), *(len(row[i]) for row in rows)) for i in range(len(columns))]
    right = [c in NUMERIC for c in columns]

    def line(cells: list[str]) -> str:
        padded = (
            cell.rjust(width) if is_right else cell.ljust(width)
            for cell, width, is_right in zip(cells, widths, right, strict=True)
        )
        return " | ".join(padded).rstrip()

    if result.name:
        yield result.name
    yield line(header)
    yield "-+-".join("-" * width for width in widths)
    for row in rows:
        yield line(row)
    totals = totals_lines(result)
    label_width = max(len(label) for label, _ in totals)
    yield ""
    for label, value in totals:
        yield f"{label.ljust(label_width)}  {value}"
    if result.warnings:
        yield ""
        yield "warnings:"
        for warning in result.warnings:
            yield f"  - {warning.message}"
