"""A sweep as a plot: one figure (parameters, MACs, ...) against one variable.

The lecture's pattern ``[[CONV->RELU]*N->POOL?]*M->[FC->RELU]*K->FC`` asks how the
parameters grow with N, M and K; the plot draws that growth, one line per combination of
the other variables (and input sizes), each point labelled with its exact value.
"""

from __future__ import annotations

from cnncalc.errors import CnnCalcError, did_you_mean
from cnncalc.rendering.cells import human
from cnncalc.rendering.scene import Label, Path, Rect, Scene, Shape
from cnncalc.sweeps import FIGURES, Sweep, SweepRow

_LINES = ("blue", "orange", "green", "red", "purple", "grey")
WIDTH, HEIGHT = 640.0, 400.0
LEFT, RIGHT, TOP, BOTTOM = 80.0, 170.0, 40.0, 50.0


def _figure(row: SweepRow, figure: str) -> int:
    value = row.figure(figure)
    if not isinstance(value, int):
        shown = "unknown" if value is None else f"a polynomial here ({value})"
        raise CnnCalcError(
            f"cannot plot {figure}: it is {shown} until the symbols have values",
            option="plot",
        )
    return value


def sweep_scene(sweep: Sweep, figure: str, against: str | None = None) -> Scene:
    """``figure`` of every row against the variable ``against`` (default: the first one
    swept), one line per combination of the rest."""
    if figure not in FIGURES:
        raise CnnCalcError(
            f"no figure '{figure}'{did_you_mean(figure, FIGURES)}; plot one of "
            f"{', '.join(FIGURES)}",
            option="plot",
        )
    if not sweep.variables:
        raise CnnCalcError("a plot needs a swept variable (--set N=1..4)", option="plot")
    x_name = against or sweep.variables[0]
    if x_name not in sweep.variables:
        raise CnnCalcError(
            f"no swept variable '{x_name}'; swept: {', '.join(sweep.variables)}", option="plot"
        )
    series: dict[str, list[tuple[int, int]]] = {}
    for row in sweep.rows:
        values = dict(row.variables)
        rest = [f"{k}={v}" for k, v in row.variables if k != x_name]
        key = ", ".join([*rest, row.input.text()])
        series.setdefault(key, []).append((values[x_name], _figure(row, figure)))
    points = [p for line in series.values() for p in line]
    shapes: list[Shape] = [Rect(0, 0, WIDTH, HEIGHT, "paper", None)]
    title = f"{figure} against {x_name}" + (f" ({sweep.name})" if sweep.name else "")
    shapes.append(Label(WIDTH / 2, 22, title, 13, bold=True))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    shapes.append(Rect(LEFT, TOP, plot_w, plot_h, None, "grey"))
    if not points:
        shapes.append(Label(LEFT + plot_w / 2, TOP + plot_h / 2, "no rows to plot", 12))
        return Scene(WIDTH, HEIGHT, shapes, title)
    x_lo, x_hi = min(x for x, _ in points), max(x for x, _ in points)
    top = max(max(y for _, y in points), 1)

    def at(x: int, y: int) -> tuple[float, float]:
        share = (x - x_lo) / (x_hi - x_lo) if x_hi > x_lo else 0.5
        return LEFT + plot_w * share, TOP + plot_h * (1 - y / top)

    for x in sorted({x for x, _ in points}):
        px, _ = at(x, 0)
        shapes.append(Label(px, TOP + plot_h + 16, str(x), 10))
    shapes.append(Label(LEFT + plot_w / 2, HEIGHT - 12, x_name, 11))
    shapes.append(Label(LEFT - 6, TOP + 10, human(top), 10, "end"))
    shapes.append(Label(LEFT - 6, TOP + plot_h, "0", 10, "end"))
    for i, (key, line) in enumerate(series.items()):
        colour = _LINES[i % len(_LINES)]
        line.sort()
        shapes.append(Path(tuple(at(x, y) for x, y in line), colour, width=1.5))
        for x, y in line:
            px, py = at(x, y)
            shapes.append(Rect(px - 2.5, py - 2.5, 5, 5, colour, colour))
            shapes.append(Label(px, py - 7, f"{y:,}", 8, colour=colour))
        legend_y = TOP + 14 + 16 * i
        if legend_y < TOP + plot_h:
            shapes.append(
                Path(
                    ((WIDTH - RIGHT + 12, legend_y - 4), (WIDTH - RIGHT + 30, legend_y - 4)),
                    colour,
                    width=2,
                )
            )
            shapes.append(Label(WIDTH - RIGHT + 36, legend_y, key[:24], 10, "start"))
    return Scene(WIDTH, HEIGHT, shapes, title)
