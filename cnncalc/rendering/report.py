"""The HTML report: one self-contained file (inline CSS, inline SVG, a few lines of
inline script, nothing fetched) with the totals, the warnings, the graph of the network,
the growth of the receptive field layer by layer, and the summary table with sortable
columns; readable on a phone (the table scrolls sideways)."""

from __future__ import annotations

from collections.abc import Iterator
from fractions import Fraction

from cnncalc.errors import LimitError
from cnncalc.rendering.cells import NUMERIC, TITLES, table_columns, table_rows, totals_lines
from cnncalc.rendering.escape import xml_text
from cnncalc.rendering.scene import Label, Path, Rect, Scene, Shape, svg_chunks
from cnncalc.results import NetworkResult

_STYLE = """
body{font-family:Helvetica,Arial,sans-serif;margin:1em;color:#222;max-width:80em}
h1{font-size:1.4em}h2{font-size:1.1em;margin-top:1.5em}
.scroll{overflow-x:auto;-webkit-overflow-scrolling:touch;border:1px solid #ddd}
table{border-collapse:collapse;font-size:.85em;white-space:nowrap}
th,td{padding:.2em .6em;border-bottom:1px solid #eee;text-align:left}
th{background:#f4f6fa;cursor:pointer;position:sticky;top:0;user-select:none}
th.num,td.num{text-align:right;font-variant-numeric:tabular-nums}
th[aria-sort=ascending]::after{content:" \\25B2"}th[aria-sort=descending]::after{content:" \\25BC"}
dl{display:grid;grid-template-columns:max-content auto;gap:.2em 1em}dt{font-weight:bold}
.warn{color:#8a5a00}svg{max-width:100%;height:auto}
.graph{max-height:85vh;overflow:auto;border:1px solid #ddd}.graph svg{max-width:none}
"""

_SCRIPT = """
document.querySelectorAll("table.sortable th").forEach(function (th, col) {
  th.addEventListener("click", function () {
    var table = th.closest("table"), body = table.tBodies[0];
    var up = th.getAttribute("aria-sort") !== "ascending";
    table.querySelectorAll("th").forEach(function (o) { o.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", up ? "ascending" : "descending");
    var key = function (row) {
      var text = row.cells[col].textContent, n = parseFloat(text.replace(/,/g, ""));
      return isNaN(n) ? text : n;
    };
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = key(a), y = key(b), c;
      if (typeof x === typeof y) { c = x < y ? -1 : x > y ? 1 : 0; }
      else { c = typeof x === "number" ? -1 : 1; }
      return up ? c : -c;
    });
    rows.forEach(function (row) { body.appendChild(row); });
  });
});
"""


def field_chart(result: NetworkResult) -> Scene:
    """Receptive-field size (first spatial axis) and jump against the layer index."""
    points = [
        (layer.index, layer.receptive_field[0].size, layer.receptive_field[0].jump)
        for layer in result.layers
        if layer.receptive_field
    ]
    width, height, left, top, plot_w, plot_h = 640.0, 260.0, 60.0, 20.0, 560.0, 190.0
    shapes: list[Shape] = [Rect(left, top, plot_w, plot_h, None, "grey")]
    if not points:
        shapes.append(Label(left + plot_w / 2, top + plot_h / 2, "no spatial layers", 11))
        return Scene(width, height, shapes, "receptive field growth")
    last = max(p[0] for p in points)
    most = max(max(p[1] for p in points), 1)

    def at(index: int, value: int | Fraction) -> tuple[float, float]:
        share = float(min(value, most) / most)
        return left + plot_w * index / max(last, 1), top + plot_h * (1 - share)

    if result.input.size and result.input.size[0] < most:  # where the field outgrows the input
        _, y = at(0, result.input.size[0])
        shapes.append(Path(((left, y), (left + plot_w, y)), "grey", dashed=True))
        shapes.append(Label(left + plot_w - 4, y - 4, f"input {result.input.size[0]}", 9, "end"))
    shapes.append(Path(tuple(at(i, size) for i, size, _ in points), "blue", width=1.5))
    shapes.append(
        Path(tuple(at(i, jump) for i, _, jump in points), "orange", width=1.5, dashed=True)
    )
    top_text = f"{most:,}" if isinstance(most, int) else str(most)  # a fraction: "7/2"
    shapes.append(Label(left - 6, top + 10, top_text, 10, "end"))
    shapes.append(Label(left - 6, top + plot_h, "0", 10, "end"))
    shapes.append(Label(left, top + plot_h + 16, "1", 10, "start"))
    shapes.append(Label(left + plot_w, top + plot_h + 16, str(last), 10, "end"))
    shapes.append(Label(left + plot_w / 2, top + plot_h + 16, "layer", 10))
    shapes.append(
        Label(left + 8, top + plot_h + 36, "field size (input pixels)", 10, "start", colour="blue")
    )
    shapes.append(Label(left + 220, top + plot_h + 36, "jump", 10, "start", colour="orange"))
    return Scene(width, height, shapes, "receptive field growth")


def html_chunks(result: NetworkResult) -> Iterator[str]:
    """The report, in pieces (a long table is written as it goes)."""
    title = xml_text(result.name or "cnncalc summary")
    yield '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
    yield '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
    yield f"<title>{title}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n"
    yield f"<h1>{title}</h1>\n<h2>Totals</h2>\n"
    yield from totals_chunks(result)
    if result.warnings:
        yield '<h2>Warnings</h2>\n<ul class="warn">\n'
        for warning in result.warnings:
            yield f"<li>{xml_text(warning.message)}</li>\n"
        yield "</ul>\n"
    yield "<h2>Graph</h2>\n"
    from cnncalc.rendering.graph import graph_scene

    try:
        scene, _ = graph_scene(result)
    except LimitError as error:
        yield f"<p>{xml_text(error.message)}.</p>\n"
    else:
        yield '<div class="graph">\n'
        yield from svg_chunks(scene, standalone=False)
        yield "</div>\n"
    yield "<h2>Receptive field growth</h2>\n"
    yield from svg_chunks(field_chart(result), standalone=False)
    yield "<h2>Layers</h2>\n<p>Click a column title to sort.</p>\n"
    yield from table_chunks(result)
    yield f"<script>{_SCRIPT}</script>\n</body>\n</html>\n"


def table_chunks(result: NetworkResult) -> Iterator[str]:
    """The layer table as HTML, in a box that scrolls sideways."""
    yield '<div class="scroll">\n<table class="sortable">\n<thead><tr>'
    columns = table_columns(result)
    numeric = [c in NUMERIC for c in columns]
    for column, num in zip(columns, numeric, strict=True):
        cls = ' class="num"' if num else ""
        yield f'<th scope="col"{cls}>{xml_text(TITLES[column])}</th>'
    yield "</tr></thead>\n<tbody>\n"
    for row in table_rows(result, columns):
        cells = (
            f'<td class="num">{xml_text(v)}</td>' if num else f"<td>{xml_text(v)}</td>"
            for v, num in zip(row, numeric, strict=True)
        )
        yield "<tr>" + "".join(cells) + "</tr>\n"
    yield "</tbody>\n</table>\n</div>\n"


def totals_chunks(result: NetworkResult) -> Iterator[str]:
    """The totals as an HTML description list."""
    yield "<dl>\n"
    for label, value in totals_lines(result):
        yield f"<dt>{xml_text(label)}</dt><dd>{xml_text(value)}</dd>\n"
    yield "</dl>\n"


def notebook_html(result: NetworkResult) -> str:
    """What a notebook shows for a result: the name, the table, the totals, the warnings."""
    parts = [f"<div><strong>{xml_text(result.name)}</strong>" if result.name else "<div>"]
    parts += table_chunks(result)
    parts += totals_chunks(result)
    parts += [f'<p style="color:#8a5a00">{xml_text(w.message)}</p>' for w in result.warnings]
    return "".join(parts) + "</div>"


def render_html(result: NetworkResult) -> str:
    """:func:`html_chunks` as one string."""
    return "".join(html_chunks(result))
