"""GitHub-flavoured Markdown: the layer table, totals and warnings."""

from __future__ import annotations

from cnncalc.rendering.cells import NUMERIC, TITLES, table_columns, table_rows, totals_lines
from cnncalc.results import NetworkResult


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|")


def render_markdown(result: NetworkResult) -> str:
    """The summary as a Markdown document."""
    lines = []
    if result.name:
        lines += [f"## {_escape(result.name)}", ""]
    columns = table_columns(result)
    header = [TITLES[c] for c in columns]
    align = ["---:" if c in NUMERIC else ":---" for c in columns]
    lines.append("| " + " | ".join(header) + " |")
    lines.append("| " + " | ".join(align) + " |")
    rows = table_rows(result, columns)
    lines += ["| " + " | ".join(_escape(v) for v in row) + " |" for row in rows]
    lines.append("")
    lines += [f"- **{label}**: {_escape(value)}" for label, value in totals_lines(result)]
    if result.warnings:
        lines += ["", "**Warnings**", ""]
        lines += [f"- {_escape(w.message)}" for w in result.warnings]
    return "\n".join(lines) + "\n"
