"""The output of ``convolve``: the result matrices, and each window's working."""

from __future__ import annotations

from cnncalc.teach.numeric import Number, Operation, Window


def show(value: Number) -> str:
    """An exact number: ``470``, ``7/2``."""
    return str(value)


def window_text(window: Window, op: str, size: int = 0) -> str:
    """``2x10 + 3x20 + 5x30 + 6x40 = 470``, ``max(1, 2, 4, 5) = 5``, ``(1 + 2)/4 = 3/4``."""
    if op == "conv":
        body = " + ".join(f"{show(x)}x{show(w)}" for x, w in window.terms)
    elif op == "max":
        body = "max(" + ", ".join(show(x) for x, _ in window.terms) + ")"
    else:
        body = "(" + " + ".join(show(x) for x, _ in window.terms) + f")/{size * size}"
    return f"out[{window.row}][{window.col}] = {body} = {show(window.value)}"


def operation_text(result: Operation, size: int, steps: bool) -> str:
    """Each output matrix, right-aligned, labelled by filter (or channel) when there are
    several; with ``steps``, every window's working below its matrix."""
    lines = []
    label = "filter" if result.op == "conv" else "channel"
    for number, (matrix, windows) in enumerate(
        zip(result.outputs, result.windows, strict=True), start=1
    ):
        if len(result.outputs) > 1:
            lines.append(f"{label} {number}:")
        width = max(len(show(v)) for row in matrix for v in row)
        lines += ["  " + " ".join(show(v).rjust(width) for v in row) for row in matrix]
        if steps:
            lines += ["  " + window_text(w, result.op, size) for w in windows]
            hidden = len(matrix) * len(matrix[0]) - len(windows)
            if hidden > 0:
                lines.append(
                    f"  ... {hidden:,} more windows not shown (the working of the first "
                    f"{len(windows)} is)"
                )
    return "\n".join(lines) + "\n"
