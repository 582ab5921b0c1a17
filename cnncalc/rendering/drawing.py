"""One entry point for every drawing: the style and format chosen, the text written."""

from __future__ import annotations

from collections.abc import Iterator

from cnncalc.errors import CnnCalcError
from cnncalc.results import NetworkResult, collapse_blocks

STYLES = ("graph", "blocks")
FORMATS = ("svg", "dot", "tikz")


def draw_chunks(
    result: NetworkResult,
    style: str = "graph",
    format: str = "svg",
    rf: str | None = None,
    depth: int = 0,
) -> Iterator[str]:
    """The drawing as text: ``rf`` names a layer whose receptive field is drawn instead of
    the network; ``depth`` draws each block below that many dotted levels as one box."""
    from cnncalc.rendering.scene import svg_chunks, tikz_chunks

    if style not in STYLES:
        raise CnnCalcError(f"unknown style '{style}'; use {', '.join(STYLES)}", option="style")
    if format not in FORMATS:
        raise CnnCalcError(f"unknown format '{format}'; use {', '.join(FORMATS)}", option="format")
    if rf is not None:
        from cnncalc.rendering.field import field_scene

        if format == "dot":
            raise CnnCalcError("the receptive field is drawn as svg or tikz", option="format")
        scene = field_scene(result, rf)
    else:
        if depth:
            result = collapse_blocks(result, depth)
        if style == "blocks":
            from cnncalc.rendering.blocks import blocks_scene

            if format == "dot":
                raise CnnCalcError("the blocks style is drawn as svg or tikz", option="format")
            scene = blocks_scene(result)
        else:
            from cnncalc.rendering.graph import dot_chunks, graph_scene

            if format == "dot":
                return dot_chunks(result)
            scene, _ = graph_scene(result)
    return svg_chunks(scene) if format == "svg" else tikz_chunks(scene)
