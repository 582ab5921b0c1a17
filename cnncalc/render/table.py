"""The rich terminal table. All user text goes in as ``Text``, never as markup."""

from __future__ import annotations

from rich import box
from rich.console import Console, Group
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

from cnncalc.render.cells import NUMERIC, TITLES, table_columns, table_rows, totals_lines
from cnncalc.results import NetworkResult


def build_table(result: NetworkResult, plain: bool) -> Group:
    """The layer table, the totals and the warnings, ready to print."""
    title = Text(result.name) if result.name else None
    table = Table(
        title=title,
        box=box.ASCII if plain else box.SIMPLE_HEAVY,
        header_style="" if plain else "bold",
        title_style="" if plain else "bold",
        show_edge=not plain,
        pad_edge=False,
    )
    columns = table_columns(result)
    for column in columns:
        table.add_column(
            TITLES[column], justify="right" if column in NUMERIC else "left", no_wrap=True
        )
    first, *rest = table_rows(result, columns)
    table.add_row(*(Text(v) for v in first), style="" if plain else "dim")
    for row in rest:
        table.add_row(*(Text(v) for v in row))
    totals = Table.grid(padding=(0, 2))
    totals.add_column(style="" if plain else "bold")
    totals.add_column()
    for label, value in totals_lines(result):
        totals.add_row(Text(label), Text(value))
    parts: list[Table | Text] = [table, totals]
    if result.warnings:
        parts.append(Text(""))
        parts.append(Text("warnings:", style="" if plain else "bold yellow"))
        parts += [Text(f"  - {w.message}") for w in result.warnings]
    return Group(*parts)


def print_table(result: NetworkResult, console: Console) -> None:
    """Print the summary, wide enough that no column wraps when output is not a terminal."""
    plain = console.no_color or not console.is_terminal
    renderable = build_table(result, plain)
    if not console.is_terminal:
        wide = console.options.update(max_width=100_000)
        console.width = max(Measurement.get(console, wide, renderable).maximum, 40)
    console.print(renderable, overflow="ignore", crop=False)


def print_grid(headers: list[str], rows: list[list[str]], console: Console) -> None:
    """A plain table of text cells (never markup), full width when not a terminal."""
    plain = console.no_color or not console.is_terminal
    table = Table(
        box=box.ASCII if plain else box.SIMPLE_HEAVY,
        show_edge=not plain,
        header_style="" if plain else "bold",
        pad_edge=False,
    )
    for i, title in enumerate(headers):
        table.add_column(title, justify="left" if i < 2 else "right", no_wrap=True)
    for row in rows:
        table.add_row(*(Text(c) for c in row))
    if not console.is_terminal:
        console.width = 100_000
    console.print(table, crop=False)
