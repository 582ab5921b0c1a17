"""The receptive-field picture: the input grid with the field of one unit of a layer
(its size, the jump to the next unit, the centre of unit 0 and how far it reaches into
the padding), and for a merge the field along each path, so a student sees whether the
paths line up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fractions import Fraction

from cnncalc.errors import CnnCalcError, did_you_mean
from cnncalc.rendering.cells import shorten
from cnncalc.rendering.scene import Label, Rect, Scene, Shape
from cnncalc.results import AxisField, LayerResult, NetworkResult

PANEL = 420.0
"""The widest a panel's grid is drawn, in pixels."""
CELL = 14.0
"""The largest a cell of the input grid is drawn."""


def field_layer(result: NetworkResult, name: str) -> LayerResult:
    """The layer called ``name``, when its units have a field on the input grid."""
    layer = next((layer for layer in result.layers if layer.name == name), None)
    if layer is None:
        hint = did_you_mean(name, [layer.name for layer in result.layers])
        raise CnnCalcError(f"there is no layer named '{name}'{hint}", option="rf")
    if not layer.output.size or not result.input.size:
        raise CnnCalcError(
            f"layer {layer.index} '{name}' ({layer.kind}) has no spatial grid: each of its "
            "units sees the whole input; choose a layer before the flattening",
            option="rf",
        )
    return layer


def _paths(result: NetworkResult, layer: LayerResult) -> list[tuple[str, tuple[AxisField, ...]]]:
    """(path name, field) per input of a merge, else the layer's own field."""
    if len(layer.inputs) < 2:
        return [(layer.name, layer.receptive_field)]
    by_name = {each.name: each for each in result.layers}
    one = tuple(AxisField(1, 1, 0) for _ in result.input.size)
    return [
        (name, by_name[name].receptive_field if name in by_name else one) for name in layer.inputs
    ]


def _number(value: int | float | Fraction) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _describe(field: AxisField, axis: str) -> str:
    reach = f", {field.padding} into the padding" if field.padding > 0 else ""
    return (
        f"{axis}: size {field.size}, jump {field.jump}, "
        f"unit 0 centred at {_number(field.start)}{reach}"
    )


def _panel(
    x0: float, y0: float, extent: tuple[int, int], fields: tuple[AxisField, AxisField]
) -> tuple[list[Shape], float, float]:
    """One grid: rows (H) and columns (W) of the input, padding shaded, the field of unit
    0 filled, that of the next unit along W outlined. Returns shapes, width, height."""
    rows_f, cols_f = fields
    spans = []
    for n, f in zip(extent, fields, strict=True):
        lo = min(0, -f.padding)
        hi = max(n - 1, -f.padding + f.jump + f.size - 1)
        spans.append((lo, hi))
    count = max(hi - lo + 1 for lo, hi in spans)
    cell = min(CELL, PANEL / count)
    (rlo, rhi), (clo, chi) = spans

    def at(row: float | Fraction, col: float | Fraction) -> tuple[float, float]:
        return x0 + float(col - clo) * cell, y0 + float(row - rlo) * cell

    shapes: list[Shape] = []
    px, py = at(rlo, clo)
    shapes.append(
        Rect(px, py, (chi - clo + 1) * cell, (rhi - rlo + 1) * cell, "grey", None, opacity=0.25)
    )
    ix, iy = at(0, 0)
    shapes.append(Rect(ix, iy, extent[1] * cell, extent[0] * cell, "paper", "ink"))
    if cell >= 5:  # grid lines where a cell is big enough to see
        for c in range(1, extent[1]):
            shapes.append(Rect(ix + c * cell, iy, 0, extent[0] * cell, None, "maptop"))
        for r in range(1, extent[0]):
            shapes.append(Rect(ix, iy + r * cell, extent[1] * cell, 0, None, "maptop"))
    fx, fy = at(-rows_f.padding, -cols_f.padding)
    shapes.append(
        Rect(fx, fy, cols_f.size * cell, rows_f.size * cell, "blue", "blue", opacity=0.35)
    )
    nx, ny = at(-rows_f.padding, -cols_f.padding + cols_f.jump)
    shapes.append(Rect(nx, ny, cols_f.size * cell, rows_f.size * cell, None, "orange", dashed=True))
    cx, cy = at(float(rows_f.start) + 0.5, float(cols_f.start) + 0.5)
    shapes.append(Rect(cx - 2, cy - 2, 4, 4, "red", "red"))
    return shapes, (chi - clo + 1) * cell, (rhi - rlo + 1) * cell


def field_scene(result: NetworkResult, name: str) -> Scene:
    """The receptive-field picture of layer ``name`` (see :func:`field_layer`)."""
    layer = field_layer(result, name)
    size = result.input.size
    extent = (size[-2], size[-1]) if len(size) >= 2 else (1, size[0])
    shapes: list[Shape] = []
    x = 20.0
    top = 46.0
    bottom = 0.0
    paths = _paths(result, layer)
    for path, field in paths:
        pair = (field[-2], field[-1]) if len(field) >= 2 else (AxisField(1, 1, 0), field[0])
        drawn, w, h = _panel(x, top, extent, pair)
        shapes += drawn
        lines = [f"path {shorten(path, 40)}"] if len(paths) > 1 else []
        axes = ("H", "W") if len(field) >= 2 else ("L",)
        lines += [_describe(f, a) for f, a in zip(field[-len(axes) :], axes, strict=True)]
        for k, line in enumerate(lines):
            shapes.append(Label(x, top + h + 18 + 14 * k, line, 10, "start"))
        bottom = max(bottom, top + h + 18 + 14 * len(lines))
        x += max(w, 300.0) + 30
    title = f"receptive field of one unit of layer {layer.index} '{shorten(layer.name, 40)}'"
    shapes.append(Label(20, 20, title, 13, "start", bold=True))
    legend = (
        f"input {result.input.text()}; filled: unit 0's field; dashed: the next unit along W; "
        "red: its centre; grey: padding"
    )
    shapes.append(Label(20, 36, legend, 9, "start", colour="grey"))
    if len(paths) > 1:
        keys = {(f[-1].jump, f[-1].start, f[0].jump, f[0].start) for _, f in paths}
        verdict = (
            "the paths are aligned: same jump and centre"
            if len(keys) == 1
            else "the paths are NOT aligned: their jumps or centres differ"
        )
        shapes.append(Label(20, bottom + 10, verdict, 11, "start", bold=True))
        bottom += 14
    return Scene(max(x, 640.0), bottom + 16, shapes, title)
