"""A picture as a list of shapes in pixels (y downwards), written as SVG or as TikZ.

Every drawing (the graph, the blocks, the receptive field, the charts) is built once as a
:class:`Scene`; the writers only translate, so SVG and TikZ always show the same picture.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal, NamedTuple

from cnncalc.rendering.escape import latex_text, xml_text

Anchor = Literal["start", "middle", "end"]
Point = tuple[float, float]

COLOURS: dict[str, str] = {
    "ink": "#222222",
    "grey": "#888888",
    "line": "#555555",
    "paper": "#ffffff",
    "box": "#eef3fb",
    "merge": "#fdf0dc",
    "input": "#e6f4e6",
    "blue": "#4a7fc1",
    "orange": "#e08a2c",
    "green": "#4c9a4c",
    "red": "#c0392b",
    "purple": "#8e5ea2",
    "map": "#9ec3e6",
    "mapside": "#6f9fcf",
    "maptop": "#c6dcf2",
    "fc": "#f2c48d",
}
"""The palette: shapes name a colour, the writers give its value."""


class Rect(NamedTuple):
    """A rectangle; ``fill`` ``None`` leaves it empty."""

    x: float
    y: float
    w: float
    h: float
    fill: str | None = "box"
    stroke: str | None = "line"
    dashed: bool = False
    opacity: float = 1.0


class Poly(NamedTuple):
    """A closed polygon (faces of the blocks, pyramids)."""

    points: tuple[Point, ...]
    fill: str | None
    stroke: str | None = "line"
    opacity: float = 1.0


class Path(NamedTuple):
    """An open polyline, with an arrow head at its end when ``arrow``."""

    points: tuple[Point, ...]
    stroke: str = "line"
    arrow: bool = False
    dashed: bool = False
    width: float = 1.0


class Label(NamedTuple):
    """One line of text; ``y`` is its baseline."""

    x: float
    y: float
    text: str
    size: float = 11.0
    anchor: Anchor = "middle"
    bold: bool = False
    colour: str = "ink"


Shape = Rect | Poly | Path | Label


class Scene(NamedTuple):
    """Shapes in drawing order on a canvas ``width`` x ``height`` pixels."""

    width: float
    height: float
    shapes: list[Shape]
    title: str = ""


def _n(value: float) -> str:
    """A coordinate, short: ``12``, ``12.5``."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _points(points: tuple[Point, ...]) -> str:
    return " ".join(f"{_n(x)},{_n(y)}" for x, y in points)


def _svg_shape(shape: Shape) -> str:
    if isinstance(shape, Rect):
        fill = COLOURS[shape.fill] if shape.fill else "none"
        stroke = COLOURS[shape.stroke] if shape.stroke else "none"
        extra = ' stroke-dasharray="4 3"' if shape.dashed else ""
        if shape.opacity < 1:
            extra += f' fill-opacity="{shape.opacity:g}"'
        return (
            f'<rect x="{_n(shape.x)}" y="{_n(shape.y)}" width="{_n(shape.w)}" '
            f'height="{_n(shape.h)}" fill="{fill}" stroke="{stroke}"{extra}/>'
        )
    if isinstance(shape, Poly):
        fill = COLOURS[shape.fill] if shape.fill else "none"
        stroke = COLOURS[shape.stroke] if shape.stroke else "none"
        extra = f' fill-opacity="{shape.opacity:g}"' if shape.opacity < 1 else ""
        return f'<polygon points="{_points(shape.points)}" fill="{fill}" stroke="{stroke}"{extra}/>'
    if isinstance(shape, Path):
        extra = ' marker-end="url(#arrow)"' if shape.arrow else ""
        if shape.dashed:
            extra += ' stroke-dasharray="4 3"'
        return (
            f'<polyline points="{_points(shape.points)}" fill="none" '
            f'stroke="{COLOURS[shape.stroke]}" stroke-width="{shape.width:g}"{extra}/>'
        )
    weight = ' font-weight="bold"' if shape.bold else ""
    return (
        f'<text x="{_n(shape.x)}" y="{_n(shape.y)}" font-size="{shape.size:g}" '
        f'text-anchor="{shape.anchor}" fill="{COLOURS[shape.colour]}"{weight}>'
        f"{xml_text(shape.text)}</text>"
    )


def svg_chunks(scene: Scene, standalone: bool = True) -> Iterator[str]:
    """The scene as SVG text; ``standalone`` adds the XML declaration (not inside HTML)."""
    if standalone:
        yield '<?xml version="1.0" encoding="UTF-8"?>\n'
    width, height = _n(scene.width), _n(scene.height)
    yield (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="Helvetica, Arial, sans-serif">\n'
    )
    if scene.title:
        yield f"<title>{xml_text(scene.title)}</title>\n"
    yield (
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
        f'fill="{COLOURS["line"]}"/></marker></defs>\n'
    )
    yield f'<rect width="100%" height="100%" fill="{COLOURS["paper"]}"/>\n'
    for shape in scene.shapes:
        yield _svg_shape(shape) + "\n"
    yield "</svg>\n"


def render_svg(scene: Scene, standalone: bool = True) -> str:
    """:func:`svg_chunks` as one string."""
    return "".join(svg_chunks(scene, standalone))


_SCALE = 0.025
"""Centimetres per pixel in TikZ (a 800-pixel drawing is 20 cm wide)."""


def _t(point: Point) -> str:
    x, y = point
    return f"({x * _SCALE:.3f},{-y * _SCALE:.3f})"


def _tikz_style(fill: str | None, stroke: str | None, opacity: float, dashed: bool) -> str:
    parts = [f"fill=c{fill}" if fill else "", f"draw=c{stroke}" if stroke else ""]
    if opacity < 1:
        parts.append(f"fill opacity={opacity:g}")
    if dashed:
        parts.append("dashed")
    return ",".join(p for p in parts if p)


def _font(size: float) -> str:
    if size <= 8:
        return r"\tiny"
    if size <= 10:
        return r"\scriptsize"
    return r"\footnotesize"


_TIKZ_ANCHOR = {"start": "base west", "middle": "base", "end": "base east"}


def _tikz_shape(shape: Shape) -> str:
    if isinstance(shape, Rect):
        style = _tikz_style(shape.fill, shape.stroke, shape.opacity, shape.dashed)
        corner = (shape.x + shape.w, shape.y + shape.h)
        return rf"\path[{style}] {_t((shape.x, shape.y))} rectangle {_t(corner)};"
    if isinstance(shape, Poly):
        style = _tikz_style(shape.fill, shape.stroke, shape.opacity, False)
        return rf"\path[{style}] " + " -- ".join(map(_t, shape.points)) + " -- cycle;"
    if isinstance(shape, Path):
        options = [f"draw=c{shape.stroke}", f"line width={shape.width * 0.4:g}pt"]
        if shape.arrow:
            options.append("-{Stealth[length=4pt]}")
        if shape.dashed:
            options.append("dashed")
        return rf"\draw[{','.join(options)}] " + " -- ".join(map(_t, shape.points)) + ";"
    text = latex_text(shape.text)
    if shape.bold:
        text = rf"\textbf{{{text}}}"
    return (
        rf"\node[anchor={_TIKZ_ANCHOR[shape.anchor]},inner sep=0pt,text=c{shape.colour},"
        rf"font={_font(shape.size)}] at {_t((shape.x, shape.y))} {{{text}}};"
    )


def tikz_chunks(scene: Scene) -> Iterator[str]:
    """The scene as a ``tikzpicture`` for ``\\input`` in a LaTeX document (it needs
    ``\\usepackage{tikz}`` and ``\\usetikzlibrary{arrows.meta}``)."""
    yield "% cnncalc drawing: needs \\usepackage{tikz} and \\usetikzlibrary{arrows.meta}\n"
    if scene.title:
        yield f"% {latex_text(scene.title)}\n"
    yield "\\begin{tikzpicture}\n"
    for name, value in COLOURS.items():
        yield f"\\definecolor{{c{name}}}{{HTML}}{{{value[1:].upper()}}}\n"
    for shape in scene.shapes:
        yield _tikz_shape(shape) + "\n"
    yield "\\end{tikzpicture}\n"


def render_tikz(scene: Scene) -> str:
    """:func:`tikz_chunks` as one string."""
    return "".join(tikz_chunks(scene))
