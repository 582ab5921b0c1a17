"""The layer table as aligned text: written line by line to pipes and files, and, with
styles, to terminals (:mod:`cnncalc.rendering.table`).

One layout for every place: every number is shown whole, whatever the terminal's width
(a table squeezed into 80 columns would cut numbers short), and a table of 100,000 rows
streams out in under a second. Text is shown safely: control characters as escapes
(:func:`~cnncalc.rendering.cells.visible`), and text cells longer than
:data:`~cnncalc.rendering.cells.TEXT_WIDTH` cut short, so that one long name cannot widen
every row (the output stays proportional to the input).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import NamedTuple

from cnncalc.rendering.cells import (
    NUMERIC,
    TEXT_WIDTH,
    TITLES,
    Column,
    cell_width,
    shorten,
    table_columns,
    table_rows,
    totals_lines,
    visible,
)
from cnncalc.results import NetworkResult


class TableText(NamedTuple):
    """The summary's lines, in order, by part (so a terminal can style each part)."""

    title: str | None
    header: str
    rule: str
    rows: list[str]
    """The input row first, then one row per layer."""
    totals: list[tuple[str, str]]
    """(label padded to one width, value)."""
    warnings: list[str]
    note: str | None
    """Said after the totals when some text was cut short."""


class Grid(NamedTuple):
    """Aligned lines of a table of text cells."""

    header: str
    rule: str
    rows: list[str]
    shortened: bool
    """True when some cell was cut short (see :func:`align`)."""


SHORTENED_NOTE = (
    f"note: text longer than {TEXT_WIDTH} characters is cut short here (\u2026); "
    "--format json, csv or markdown show it whole"
)
# Numbers and what is made of them only: a count (1,234), a shape (3x1x1000...), a
# padding ((1,2)x(0,1)), a fraction (7/2), shapes read by a merge (8x8x4 + 8x8x4). These
# are always shown whole, however long.
_WHOLE = re.compile(r"[-\d,./()]+(?:(?:x| \+ )[-\d,./()]+)*").fullmatch


def fit_cell(text: str) -> tuple[str, bool]:
    """A cell as a table shows it, and whether it was cut: :func:`~cnncalc.rendering.cells.
    visible`, and cut short to ``TEXT_WIDTH`` characters unless it is made of numbers
    only (a count, a shape, a padding: numbers never are)."""
    text = visible(text)
    if cell_width(text) <= TEXT_WIDTH or _WHOLE(text):
        return text, False
    return shorten(text), True


def align(header: list[str], rows: list[list[str]], right: list[bool]) -> Grid:
    """Columns as wide as their widest cell, separated by `` | ``, some flush right.

    Cells are shown with :func:`~cnncalc.rendering.cells.visible`, and a cell longer than
    ``TEXT_WIDTH`` that is not a whole number is cut short (``Grid.shortened`` says so).
    """
    shortened = False

    def fit(text: str) -> str:
        nonlocal shortened
        shown, cut = fit_cell(text)
        shortened = shortened or cut
        return shown

    rows = [[fit(text) for text in row] for row in rows]
    widths = [max(map(cell_width, column)) for column in zip(header, *rows, strict=True)]
    rule = "-+-".join("-" * width for width in widths)
    if all(text.isascii() for row in rows for text in row):  # one width per character
        layout = " | ".join(  # "{:>3} | {:<8}": cells go in as arguments, never as format
            f"{{:{'>' if is_right else '<'}{width}}}"
            for width, is_right in zip(widths, right, strict=True)
        )
        lines = [layout.format(*row).rstrip() for row in rows]
        return Grid(layout.format(*header).rstrip(), rule, lines, shortened)

    def line(row: list[str]) -> str:
        cells = []
        for text, width, is_right in zip(row, widths, right, strict=True):
            pad = " " * (width - cell_width(text))  # wide characters take two columns
            cells.append(pad + text if is_right else text + pad)
        return " | ".join(cells).rstrip()

    return Grid(line(header), rule, [line(row) for row in rows], shortened)


def table_text(result: NetworkResult, columns: tuple[Column, ...] | None = None) -> TableText:
    """Lay the summary out: the layer table with numbers on the right, then the totals.
    ``columns`` as ``--columns`` names them (by default :func:`table_columns`)."""
    columns = columns or table_columns(result)
    grid = align(
        [TITLES[c] for c in columns], table_rows(result, columns), [c in NUMERIC for c in columns]
    )
    totals = totals_lines(result)
    label_width = max(len(label) for label, _ in totals)
    footer = [(line, "") for line in result.footer]  # another tool's lines, as it prints
    return TableText(
        None if result.name is None else visible(result.name),
        grid.header,
        grid.rule,
        grid.rows,
        footer or [(label.ljust(label_width), value) for label, value in totals],
        [f"  - {visible(warning.message)}" for warning in result.warnings],
        SHORTENED_NOTE if grid.shortened else None,
    )


def plain_lines(result: NetworkResult, columns: tuple[Column, ...] | None = None) -> Iterator[str]:
    """The title, the aligned table, the totals and the warnings, one line at a time
    (``columns`` as for :func:`table_text`)."""
    text = table_text(result, columns)
    if text.title:
        yield text.title
    yield text.header
    yield text.rule
    yield from text.rows
    yield ""
    for label, value in text.totals:
        yield f"{label}  {value}" if value else label
    if text.note:
        yield ""
        yield text.note
    if text.warnings:
        yield ""
        yield "warnings:"
        yield from text.warnings
