"""Tables on a terminal, through rich. All user text goes in as ``Text``, never as markup."""

from __future__ import annotations

from rich.console import Console
from rich.text import Text

from cnncalc.render.plain import table_text
from cnncalc.results import NetworkResult


def print_table(result: NetworkResult, console: Console) -> None:
    """The summary in the plain layout (every number whole), styled: bold title, header
    and total labels, the input row dim, the warnings' heading in yellow (no styles at
    all under NO_COLOR)."""
    text = table_text(result)

    def styled(line: str, style: str) -> Text:
        return Text(line, style="" if console.no_color else style)

    lines: list[Text] = []
    if text.title:
        lines.append(styled(text.title, "bold"))
    lines.append(styled(text.header, "bold"))
    lines.append(Text(text.rule))
    lines.append(styled(text.rows[0], "dim"))
    lines += [Text(row) for row in text.rows[1:]]
    lines.append(Text(""))
    for label, value in text.totals:
        lines.append(Text.assemble(styled(label, "bold"), "  ", value))
    if text.warnings:
        lines.append(Text(""))
        lines.append(styled("warnings:", "bold yellow"))
        lines += [Text(warning) for warning in text.warnings]
    console.print(*lines, sep="\n", soft_wrap=True)


def print_grid(headers: list[str], rows: list[list[str]], console: Console) -> None:
    """A plain table of text cells (never markup), full width when not a terminal."""
    from rich import box  # here: summarize's table needs neither (start-up time)
    from rich.table import Table

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
