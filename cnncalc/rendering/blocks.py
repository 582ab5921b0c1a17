"""The publication view (NN-SVG, the AlexNet paper): each feature map a box whose height,
depth and thickness grow with the logarithm of H, W and C, labelled with its size; the
kernel drawn as a pyramid into the next map, fully connected layers as bars, and skip
connections as arrows over the top.

The drawing follows the main path (from the output back through each layer's first
input). A map is drawn for the input, for every layer with a window (convolution,
pooling) and for every layer that changes the shape; activations, normalisation and
merges that keep the shape belong to the map before them.
"""

from __future__ import annotations

from math import log2

from cnncalc.rendering.cells import shorten
from cnncalc.rendering.graph import check_size
from cnncalc.rendering.scene import Label, Path, Poly, Rect, Scene, Shape
from cnncalc.results import LayerResult, NetworkResult
from cnncalc.results import Shape as MapShape


def _log(value: int) -> float:
    return log2(max(1, value))


def main_path(result: NetworkResult) -> list[LayerResult]:
    """The layers from the input to the last one, following each layer's first input."""
    by_name = {layer.name: layer for layer in result.layers}
    path: list[LayerResult] = []
    seen: set[str] = set()
    layer = result.layers[-1] if result.layers else None
    while layer is not None and layer.name not in seen:
        seen.add(layer.name)
        path.append(layer)
        layer = by_name.get(layer.inputs[0]) if layer.inputs else None
    return path[::-1]


class _Map:
    """One drawn map: where it stands and what it shows."""

    def __init__(self, name: str, shape: MapShape, layer: LayerResult | None) -> None:
        self.name = name
        self.shape = shape
        self.layer = layer
        self.x = 0.0
        self.face_h = 0.0  # height of the front face
        self.depth = 0.0  # the receding (W) edge, drawn up and to the right
        self.thick = 0.0  # the channels, drawn left to right

    @property
    def flat(self) -> bool:
        return not self.shape.size


BASE = 250.0  # the baseline the maps' front faces rest on (bottom edge)
SLANT = 0.5  # vertical rise per unit of depth


def _sizes(shape: MapShape) -> tuple[float, float, float]:
    """Face height (from H), depth (from W) and thickness (from C), in pixels."""
    channels = shape.channels if isinstance(shape.channels, int) else 1
    if not shape.size:
        return 20 + 14 * _log(channels), 0.0, 10.0
    h = shape.size[0]
    w = shape.size[1] if len(shape.size) > 1 else 1
    return 12 + 18 * _log(h), 6 + 9 * _log(w), 3 + 5 * _log(channels)


def blocks_scene(result: NetworkResult) -> Scene:
    """The blocks drawing of ``result``."""
    path = main_path(result)
    maps = [_Map("input", result.input, None)]
    owner: dict[str, int] = {"input": 0}  # layer name -> the map standing for it
    for layer in path:
        if layer.window is not None or layer.output != maps[-1].shape:
            maps.append(_Map(layer.name, layer.output, layer))
        owner[layer.name] = len(maps) - 1
    check_size(len(maps), "maps", result)
    x = 30.0
    for m in maps:
        m.face_h, m.depth, m.thick = _sizes(m.shape)
        m.x = x
        x += m.thick + m.depth + max(34.0, 0.0 if m.flat else 24.0)
    tallest = max(m.face_h + m.depth * SLANT for m in maps)
    base = max(BASE, tallest + 70)
    shapes: list[Shape] = []
    # Skip connections: a merge on the main path reading a map further back.
    by_name = {layer.name: layer for layer in result.layers}
    arcs: list[tuple[int, int]] = []
    for layer in path:
        for name in layer.inputs[1:]:
            source = by_name.get(name)
            seen: set[str] = set()
            while source is not None and source.name not in owner and source.name not in seen:
                seen.add(source.name)
                source = by_name.get(source.inputs[0]) if source.inputs else None
            start = owner.get(source.name if source else name, 0)
            end = owner[layer.name]
            if start != end and (start, end) not in arcs:
                arcs.append((start, end))
    for i, m in enumerate(maps):
        top = base - m.face_h
        if m.flat:
            shapes.append(Rect(m.x, top, m.thick, m.face_h, "fc"))
            shapes.append(Label(m.x + m.thick / 2, base + 14, str(m.shape.channels), 9))
        else:
            d, t, rise = m.depth, m.thick, m.depth * SLANT
            shapes.append(  # top face
                Poly(
                    ((m.x, top), (m.x + t, top), (m.x + t + d, top - rise), (m.x + d, top - rise)),
                    "maptop",
                )
            )
            shapes.append(  # side face
                Poly(
                    (
                        (m.x + t, top),
                        (m.x + t + d, top - rise),
                        (m.x + t + d, base - rise),
                        (m.x + t, base),
                    ),
                    "mapside",
                )
            )
            shapes.append(Rect(m.x, top, t, m.face_h, "map"))
            size = m.shape.size
            shapes.append(Label(m.x - 3, base - m.face_h / 2, str(size[0]), 9, "end"))
            if len(size) > 1:
                shapes.append(
                    Label(m.x + t + d / 2 + 3, base - rise / 2 + 11, str(size[1]), 9, "start")
                )
            shapes.append(Label(m.x + t / 2, base + 14, str(m.shape.channels), 9))
        shapes.append(Label(m.x + m.thick / 2, base + 28, shorten(m.name, 18), 9, colour="grey"))
        if m.layer is not None:
            shapes.append(Label(m.x + m.thick / 2, base + 40, m.layer.kind, 9, colour="grey"))
        nxt = maps[i + 1] if i + 1 < len(maps) else None
        if nxt is not None:
            shapes += _pyramid(m, nxt, base)
    for k, (start, end) in enumerate(arcs):
        a, b = maps[start], maps[end]
        top = min(base - m.face_h - m.depth * SLANT for m in maps[start : end + 1])
        peak = top - 16 - 9 * (k % 2)  # neighbouring arcs at two heights, so they part
        xa, xb = a.x + a.thick / 2, b.x + b.thick / 2
        ya = base - a.face_h - a.depth * SLANT * 0.5
        yb = base - b.face_h - b.depth * SLANT * 0.5
        shapes.append(
            Path(((xa, ya), (xa, peak), (xb, peak), (xb, yb)), "orange", arrow=True, width=1.5)
        )
    width = x + 20
    height = base + 50
    return Scene(width, height, shapes, f"{result.name or 'network'}: blocks")


def _pyramid(source: _Map, target: _Map, base: float) -> list[Shape]:
    """The window of ``target``'s layer drawn on ``source``'s front face, with lines to
    one point on ``target``'s front face; a plain arrow for layers without a window."""
    layer = target.layer
    sx = source.x + source.thick
    if layer is None or layer.window is None or source.flat or not layer.window.kernel:
        y = base - min(source.face_h, target.face_h) / 2
        return [Path(((sx + source.depth * 0.3, y), (target.x - 2, y)), arrow=True)]
    kernel = layer.window.kernel
    h = source.shape.size[0] if source.shape.size else 1
    k = max(4.0, min(source.face_h * 0.8, source.face_h * kernel[0] / max(1, h)))
    kw = max(3.0, min(source.thick * 0.8, k * 0.6))
    cx = source.x + source.thick * 0.55
    cy = base - source.face_h * 0.45
    corners = (
        (cx - kw / 2, cy - k / 2),
        (cx + kw / 2, cy - k / 2),
        (cx + kw / 2, cy + k / 2),
        (cx - kw / 2, cy + k / 2),
    )
    apex = (target.x + target.thick * 0.5, base - target.face_h * 0.45)
    shapes: list[Shape] = [Poly(corners, "orange", "orange", 0.5)]
    shapes += [Path((corner, apex), "orange", width=0.6) for corner in corners[1:3]]
    shapes.append(Label(cx, cy - k / 2 - 3, "x".join(map(str, kernel)), 8, colour="orange"))
    return shapes
