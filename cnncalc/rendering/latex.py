"""The summary as a LaTeX booktabs table: numbers right-aligned, every special
character escaped, and a footer line with the input size, batch, dtype and the counting
convention. Needs ``\\usepackage{booktabs}``."""

from __future__ import annotations

from cnncalc.rendering.cells import (
    NUMERIC,
    TITLES,
    shapes_of,
    table_columns,
    table_rows,
    totals_lines,
)
from cnncalc.rendering.escape import latex_text
from cnncalc.results import NetworkResult

CONVENTION = (
    "counts per sample; parameters include biases; MACs are the multiply-"
    "accumulates of conv, local and fc layers, bias excluded; FLOPs = 2 x MACs"
)


def render_latex(result: NetworkResult) -> str:
    """A ``tabular`` with a ``\\toprule``/``\\midrule``/``\\bottomrule`` rule set, the
    totals below it, and the footer line."""
    columns = table_columns(result)
    spec = "".join("r" if c in NUMERIC else "l" for c in columns)
    lines = ["% cnncalc summary: needs \\usepackage{booktabs}"]
    if result.name:
        lines.append(f"% {latex_text(result.name)}")
    lines += [
        f"\\begin{{tabular}}{{{spec}}}",
        "\\toprule",
        " & ".join(latex_text(TITLES[c]) for c in columns) + " \\\\",
        "\\midrule",
    ]
    lines += [
        " & ".join(latex_text(v) for v in row) + " \\\\" for row in table_rows(result, columns)
    ]
    lines += ["\\midrule"]
    width = len(columns)
    for label, value in totals_lines(result):
        lines.append(
            f"\\multicolumn{{{width}}}{{l}}{{{latex_text(label)}: {latex_text(value)}}} \\\\"
        )
    lines += ["\\bottomrule", "\\end{tabular}"]
    convention = CONVENTION
    if result.batch != 1:
        convention = convention.replace("per sample", f"for the batch of {result.batch}")
    shape = shapes_of(result)(result.input)
    footer = f"Input {shape}, batch {result.batch}, {result.dtype}; {convention}."
    lines.append(f"\\par\\smallskip{{\\footnotesize {latex_text(footer)}}}")
    for warning in result.warnings:
        lines.append(f"\\par{{\\footnotesize Warning: {latex_text(warning.message)}}}")
    return "\n".join(lines) + "\n"
