"""GitHub-flavoured Markdown: the layer table, totals and warnings.

Every text cell shows as written: control characters as their visible escapes
(:func:`~cnncalc.rendering.cells.visible`, so a new line cannot end a row or start a
heading), and every character that could start markup escaped, so a name stays one cell
of plain text (no emphasis, links, code or HTML).
"""

from __future__ import annotations

import re

from cnncalc.rendering.cells import (
    NUMERIC,
    TITLES,
    Column,
    table_columns,
    table_rows,
    totals_lines,
    visible,
)
from cnncalc.results import NetworkResult

_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
# Markup characters: those that always may start markup, ``](`` (a link), and runs of
# ``_`` other than inside a word (``conv_1`` cannot be emphasis and stays as it is).
_EDGES = re.compile(r"^\s+|\s+$")  # Markdown drops white space around a cell's text
_MARKUP = re.compile(r"[\\`*~#|&<>$]|\](?=\()|(?<![^\W_])_+|_+(?![^\W_])")


def _mark(match: re.Match[str]) -> str:
    text = match.group()
    return _ENTITIES.get(text) or "".join(f"\\{char}" for char in text)


def _kept(match: re.Match[str]) -> str:
    return "".join(f"&#x{ord(char):x};" for char in match.group())


def _escape(text: str) -> str:
    """Markdown whose rendered text is ``visible(text)``: HTML's ``&``, ``<``, ``>`` as
    entities, the other characters that could form markup (backslash, backtick, ``*``,
    ``~``, ``#``, ``|``, ``$`` (GitHub's math), ``_`` outside a word, ``]`` before ``(``)
    after a backslash, and
    white space at either end as character references (so it is kept)."""
    return _EDGES.sub(_kept, _MARKUP.sub(_mark, visible(text)))


def render_markdown(result: NetworkResult, columns: tuple[Column, ...] | None = None) -> str:
    """The summary as a Markdown document; ``columns`` as ``--columns`` names them (by
    default :func:`~cnncalc.rendering.cells.table_columns`)."""
    lines = []
    if result.name:
        lines += [f"## {_escape(result.name)}", ""]
    columns = columns or table_columns(result)
    header = [TITLES[c] for c in columns]
    align = ["---:" if c in NUMERIC else ":---" for c in columns]
    lines.append("| " + " | ".join(header) + " |")
    lines.append("| " + " | ".join(align) + " |")
    rows = table_rows(result, columns)
    lines += ["| " + " | ".join(_escape(v) for v in row) + " |" for row in rows]
    lines.append("")
    if result.footer:  # another tool's footer (--style), line for line
        lines += ["```text", *result.footer, "```"]
    else:
        lines += [f"- **{label}**: {_escape(value)}" for label, value in totals_lines(result)]
    if result.warnings:
        lines += ["", "**Warnings**", ""]
        lines += [f"- {_escape(w.message)}" for w in result.warnings]
    return "\n".join(lines) + "\n"
