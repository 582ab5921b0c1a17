"""Tables on a terminal, through rich. All user text goes in as ``Text``, never as markup,
and in the plain layout's safe form (control characters escaped, long text cut short)."""

from __future__ import annotations

from rich.console import Console, Group
from rich.text import Text

from cnncalc.rendering.plain import SHORTENED_NOTE, align, table_text
from cnncalc.results import NetworkResult


def _styled(console: Console, line: str, style: str) -> Text:
    """A line with a style, or none under NO_COLOR (rich drops only the colours there).
    Off a terminal rich writes no styles at all."""
    return Text(line, style="" if console.no_color else style)


def table_lines(result: NetworkResult, no_color: bool = False) -> list[Text]:
    """The summary in the plain layout (every number whole), styled: bold title, header
    and total labels, the input row dim, the warnings' heading in yellow (no styles at
    all under ``no_color``)."""
    text = table_text(result)

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


def print_table(result: NetworkResult, console: Console) -> None:
    """:func:`table_lines` on ``console`` (off a terminal rich writes no styles at all;
    under NO_COLOR it drops only the colours, so none are given)."""
    console.print(*table_lines(result, console.no_color), sep="\n", soft_wrap=True)


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
