"""Tables on a terminal, through rich. All user text goes in as ``Text``, never as markup,
and in the plain layout's safe form (control characters escaped, long text cut short)."""

from __future__ import annotations

from rich import box
from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.measure import Measurement
from rich.segment import Segment, Segments
from rich.table import Table
from rich.text import Text

from cnncalc.rendering.cells import (
    DROP_ORDER,
    NUMERIC,
    TITLES,
    Column,
    table_columns,
    table_rows,
    totals_lines,
    visible,
)
from cnncalc.rendering.plain import SHORTENED_NOTE, align, fit_cell, table_text
from cnncalc.results import NetworkResult

RICH_TABLE_LIMIT = 250
"""Above this many layers a terminal gets the plain layout (styled, streamed) instead of
a rich ``Table``, which lays every cell out before it draws the first row: about 1 ms a
row on the project's machine. bench/bench_cli.py in a pseudo-terminal (script), median
of 9 (floor ``import typer, rich, yaml`` about 200 ms): ``summarize`` of a 250-layer
conv/relu chain 597 ms as a rich table against 402 ms for 252 layers in the plain layout
(356 ms before rich tables); AlexNet 433 ms (377 ms before). 250 keeps every zoo network
up to EfficientNet-B0 (249 layers) boxed, and bounds the cost at about a quarter second."""


def _styled(console: Console, line: str, style: str) -> Text:
    """A line with a style, or none under NO_COLOR (rich drops only the colours there).
    Off a terminal rich writes no styles at all."""
    return Text(line, style="" if console.no_color else style)


def table_lines(
    result: NetworkResult, no_color: bool = False, columns: tuple[Column, ...] | None = None
) -> list[Text]:
    """The summary in the plain layout (every number whole), styled: bold title, header
    and total labels, the input row dim, the warnings' heading in yellow (no styles at
    all under ``no_color``); ``columns`` as for :func:`~cnncalc.rendering.plain.table_text`."""
    text = table_text(result, columns)

    def styled(line: str, style: str) -> Text:
        return Text(line, style="" if no_color else style)

    lines: list[Text] = []
    if text.title:
        lines.append(styled(text.title, "bold"))
    lines.append(styled(text.header, "bold"))
    lines.append(Text(text.rule))
    lines.append(styled(text.rows[0], "dim"))
    lines += [Text(row) for row in text.rows[1:]]
    lines.append(Text(""))
    for label, value in text.totals:
        if not value:  # another tool's footer line (--style), as it prints it
            lines.append(Text(label))
            continue
        lines.append(Text.assemble(styled(label, "bold"), "  ", value))
    if text.note:
        lines += [Text(""), Text(text.note)]
    if text.warnings:
        lines.append(Text(""))
        lines.append(styled("warnings:", "bold yellow"))
        lines += [Text(warning) for warning in text.warnings]
    return lines


def print_table(
    result: NetworkResult,
    console: Console,
    columns: tuple[Column, ...] | None = None,
) -> None:
    """The summary on a terminal: a rich table fitted to the console's width
    (:func:`summary_renderables`), or for a network longer than :data:`RICH_TABLE_LIMIT`
    the plain layout, styled (:func:`table_lines`). Off a terminal rich writes no styles
    at all; under NO_COLOR it drops only the colours, so none are given."""
    if len(result.layers) > RICH_TABLE_LIMIT:
        lines = table_lines(result, console.no_color, columns)
        console.print(*lines, sep="\n", soft_wrap=True)
        return
    parts = summary_renderables(result, console, columns)
    console.print(*parts, sep="\n", soft_wrap=True)


class _Cell:
    """A table cell of plain text (never markup), flush left or right: one segment, so a
    table of hundreds of rows draws in half the time of ``Text`` cells, which rich wraps
    and justifies line by line."""

    __slots__ = ("right", "text", "width")

    def __init__(self, text: str, width: int, right: bool) -> None:
        self.text = text
        self.width = width
        self.right = right

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        pad = " " * (options.max_width - self.width)
        yield Segment(pad + self.text if self.right else self.text + pad)

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement(self.width, self.width)


def _table_width(widths: list[int]) -> int:
    """The width of a boxed table of columns this wide: a space each side of every cell
    and a line between and around the columns."""
    return sum(widths) + 3 * len(widths) + 1


def fit_columns(
    columns: tuple[Column, ...], widths: list[int], width: int
) -> tuple[tuple[Column, ...], tuple[Column, ...]]:
    """The columns to show in ``width`` characters and those dropped: the optional
    columns go in :data:`~cnncalc.rendering.cells.DROP_ORDER` until the table fits or
    only the required ones are left (shown then, however wide: a number is never cut)."""
    kept = dict(zip(columns, widths, strict=True))
    dropped: list[Column] = []
    for column in DROP_ORDER:
        if _table_width(list(kept.values())) <= width:
            break
        if column in kept:
            del kept[column]
            dropped.append(column)
    return tuple(kept), tuple(dropped)


def summary_renderables(
    result: NetworkResult,
    console: Console,
    columns: tuple[Column, ...] | None = None,
) -> list[RenderableType]:
    """The summary as rich renderables for ``console``: the title, a boxed table, the
    totals and the warnings.

    Without ``columns`` the table has the default columns, and when it is wider than the
    console the optional ones are dropped (:func:`fit_columns`) and a line under it says
    which; chosen ``columns`` are all shown. Numbers are never cut or wrapped: a table
    still too wide is drawn at its full width (the terminal wraps the lines). Text cells
    are shown safely and cut short as in the plain layout; every cell is ``Text``, never
    markup. No styles at all under NO_COLOR.
    """
    plain = console.no_color

    def styled(text: str, style: str) -> Text:
        return Text(text, style="" if plain else style)

    chosen = columns or table_columns(result)
    shortened = False
    right = [c in NUMERIC for c in chosen]
    rows: list[list[_Cell]] = []
    for row in table_rows(result, chosen):
        cells = []
        for text, is_right in zip(row, right, strict=True):
            shown, cut = fit_cell(text)
            shortened = shortened or cut
            cells.append(_Cell(shown, cell_len(shown), is_right))
        rows.append(cells)
    widths = [
        max([cell_len(TITLES[c]), *(row[i].width for row in rows)]) for i, c in enumerate(chosen)
    ]
    kept, dropped = (chosen, ()) if columns else fit_columns(chosen, widths, console.width)
    at = [chosen.index(c) for c in kept]
    table = Table(
        box=box.HEAVY_HEAD,
        header_style="" if plain else "bold",
        border_style="" if plain else "dim",
        pad_edge=True,
    )
    for i in at:  # as wide as its widest cell: nothing is cut or wrapped
        title = TITLES[chosen[i]]
        table.add_column(_Cell(title, cell_len(title), right[i]), width=widths[i], no_wrap=True)
    for number, line in enumerate(rows):
        table.add_row(*(line[i] for i in at), style="dim" if number == 0 and not plain else None)
    natural = _table_width([widths[i] for i in at])
    parts: list[RenderableType] = []
    if result.name is not None:
        parts.append(styled(visible(result.name), "bold"))
    if natural <= console.width:
        parts.append(table)
    else:  # drawn at full width: lines the terminal wraps, never a number cut
        parts.append(Segments(console.render(table, console.options.update_width(natural))))
    if dropped:
        names = ", ".join(TITLES[c] for c in dropped)
        parts.append(
            Text(
                f"not shown, to fit {console.width} columns: {names}; --wide shows every "
                "column, --columns picks them"
            )
        )
    if shortened:
        parts.append(Text(SHORTENED_NOTE))
    totals = totals_lines(result)
    label_width = max(len(label) for label, _ in totals)
    footer = [
        Text.assemble(styled(label.ljust(label_width), "bold"), "  ", value)
        for label, value in totals
    ]
    parts.append(Text("\n").join([Text(""), *footer]))
    if result.warnings:
        lines = [
            styled("warnings:", "bold yellow"),
            *(Text(f"  - {visible(w.message)}") for w in result.warnings),
        ]
        parts.append(Text("\n").join([Text(""), *lines]))
    return parts


def table_renderable(result: NetworkResult) -> Group:
    """:func:`table_lines` as one renderable, lines never wrapped (a REPL's ``__rich__``)."""
    lines = table_lines(result)
    for line in lines:
        line.no_wrap = True
        line.overflow = "ignore"
    return Group(*lines)


def print_grid(headers: list[str], rows: list[list[str]], console: Console) -> None:
    """A table of text cells (never markup) in the plain layout, the first two columns
    flush left, the header bold on a terminal, a note below when text was cut short."""
    grid = align(headers, rows, [i >= 2 for i in range(len(headers))])
    header = _styled(console, grid.header, "bold")
    rule = Text(grid.rule)
    note = [Text(SHORTENED_NOTE)] if grid.shortened else []
    console.print(header, rule, *(Text(row) for row in grid.rows), *note, sep="\n", soft_wrap=True)
