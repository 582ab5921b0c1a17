"""The network as a graph: one box per layer (or per block, or per run of repeats),
laid out as layered DAG, drawn as a :class:`~cnncalc.rendering.scene.Scene` or as DOT.

Layout: each box sits one row below the lowest box it reads (longest path), boxes with a
single reader move down next to it, edges longer than a row pass through invisible
points, and a few sweeps order each row by the mean position of its neighbours
(barycentres), so parallel branches stand side by side and shortcuts beside the path.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import NamedTuple

from cnncalc.errors import LimitError
from cnncalc.rendering.cells import axes_text, padding_text, shapes_of, shorten
from cnncalc.rendering.escape import dot_inner, dot_string
from cnncalc.rendering.scene import Label, Path, Rect, Scene
from cnncalc.results import LayerResult, NetworkResult

MAX_ROWS = 500
"""The most boxes a drawing holds legibly; more asks for ``depth``."""

NAME_WIDTH = 36
"""Text longer than this is cut short inside a box."""


class Node(NamedTuple):
    """One box: the name, what it is (kind and key hyperparameters), its output shape,
    how many layers alike it stands for, and whether it merges paths."""

    name: str
    what: str
    shape: str
    repeat: int = 1
    merge: bool = False
    is_input: bool = False
    params: object = 0
    """The layer's parameter count: layers alike in a run have the same."""


class Graph(NamedTuple):
    """Boxes and edges (source index, target index), in an order where sources come first."""

    nodes: list[Node]
    edges: list[tuple[int, int]]
    box_of: dict[str, int]
    """The box each layer (and ``input``) is drawn in."""


def check_size(count: int, what: str, result: NetworkResult) -> None:
    """Refuse a drawing of more than :data:`MAX_ROWS` items, suggesting ``--depth`` when
    the network has blocks (dotted names) to collapse."""
    if count <= MAX_ROWS:
        return
    nested = any("." in layer.name for layer in result.layers)
    hint = (
        "draw each block as one box with --depth 1 (or 2, ...)"
        if nested
        else "the network has no blocks (dotted names) to draw as one; summarize shows it"
    )
    raise LimitError(f"{count:,} {what} are too many to draw legibly (at most {MAX_ROWS}); {hint}")


def key_params(layer: LayerResult) -> str:
    """The kind with the hyperparameters a reader looks for first: ``conv 64 7x7/2 p3``."""
    hyper = dict(layer.hyper)
    parts = [layer.kind]
    for key in ("filters", "units"):
        if key in hyper:
            parts.append(str(hyper[key]))
    window = layer.window
    if window is not None and window.kernel:
        text = "x".join(map(str, window.kernel))
        if any(s != 1 for s in window.stride):
            text += f"/{axes_text(window.stride)}"
        parts.append(text)
        if window.padding and any(left or right for left, right in window.padding):
            parts.append("p" + padding_text(window.padding, window.padding_mode))
        elif window.padding_mode in ("same", "valid"):
            parts.append(window.padding_mode)
        if window.dilation and any(d != 1 for d in window.dilation):
            parts.append(f"d{axes_text(window.dilation)}")
    groups = hyper.get("groups")
    if isinstance(groups, int) and groups != 1:
        parts.append(f"g{groups}")
    if "output" in hyper and isinstance(hyper["output"], tuple):
        parts.append("to " + "x".join(map(str, hyper["output"])))
    if "p" in hyper:
        parts.append(f"p={hyper['p']}")
    if layer.training_only:
        parts.append("(training only)")
    return " ".join(parts)


def build_graph(result: NetworkResult) -> Graph:
    """The boxes and edges of ``result``: an input box, one box per row, and a run of
    layers alike in a chain (same kind, hyperparameters and shape) as one box ``xN``."""
    shape = shapes_of(result)  # --layout and --batch, as the table writes shapes
    nodes = [Node("input", "network input", shape(result.input), is_input=True)]
    edges: list[tuple[int, int]] = []
    where: dict[str, int] = {"input": 0}
    reads = Counter(name for layer in result.layers for name in set(layer.inputs))
    previous, previous_name = 0, "input"
    for layer in result.layers:
        sources = []
        for name in layer.inputs:
            source = where.get(name)
            if source is not None and source not in sources:
                sources.append(source)
        node = Node(
            layer.name,
            key_params(layer),
            shape(layer.output),
            merge=len(layer.inputs) > 1,
            params=layer.params,
        )
        last = nodes[previous]
        if (  # the layer before is read by this one only, and they are alike: one box
            layer.inputs == (previous_name,)
            and reads[previous_name] == 1
            and not last.is_input
            and last._replace(name="", repeat=1) == node._replace(name="")
        ):
            nodes[previous] = last._replace(repeat=last.repeat + 1)
        else:
            previous = len(nodes)
            nodes.append(node)
            edges += [(source, previous) for source in sources]
        where[layer.name] = previous
        previous_name = layer.name
    check_size(len(nodes), "boxes", result)
    return Graph(nodes, edges, where)


class Placed(NamedTuple):
    """A box's place: the centre of its top edge, width and height."""

    x: float
    y: float
    w: float
    h: float


class Layout(NamedTuple):
    """Boxes placed, and each edge as the points it passes through."""

    graph: Graph
    boxes: list[Placed]
    routes: list[list[tuple[float, float]]]
    width: float
    height: float


BOX_H = 44.0
ROW_GAP = 34.0
GAP = 24.0
CHAR_W = 6.6
MARGIN = 20.0
SWEEPS = 4
MAX_POINTS = 20_000
"""The most bends long edges get in all; a graph needing more draws them straight."""


def _box_width(node: Node) -> float:
    longest = max(len(shorten(node.name, NAME_WIDTH)) + 4, len(shorten(node.what, NAME_WIDTH)))
    return max(110.0, longest * CHAR_W + 16)


def layout(graph: Graph) -> Layout:
    """Rows by longest path, points on long edges, rows ordered by barycentres, x by the
    mean of the boxes above, never overlapping."""
    nodes, edges = graph.nodes, graph.edges
    count = len(nodes)
    sources: list[list[int]] = [[] for _ in range(count)]
    targets: list[list[int]] = [[] for _ in range(count)]
    for s, t in edges:
        sources[t].append(s)
        targets[s].append(t)
    row = [0] * count
    for i in range(count):  # sources come first: one pass gives the longest path
        row[i] = max((row[s] + 1 for s in sources[i]), default=0)
    for i in reversed(range(1, count)):  # a box read once goes just above its reader
        if len(targets[i]) == 1 and sources[i]:
            row[i] = max(row[i], row[targets[i][0]] - 1)
    # Points on edges longer than one row: index >= count, one per row crossed.
    widths = [_box_width(n) for n in nodes]
    row_of = list(row)
    up: list[list[int]] = [list(s) for s in sources]
    chains: list[list[int]] = []
    crossed = sum(max(0, row[t] - row[s] - 1) for s, t in edges)
    routed = crossed <= MAX_POINTS  # else long edges go straight (bounded work)
    for s, t in edges:
        chain = [s]
        for r in range(row[s] + 1, row[t] if routed else row[s] + 1):
            point = len(row_of)
            row_of.append(r)
            widths.append(8.0)
            up.append([chain[-1]])
            chain.append(point)
        if len(chain) > 1:
            up[t] = [chain[-1] if u == s else u for u in up[t]]
        chain.append(t)
        chains.append(chain)
    total = len(row_of)
    down: list[list[int]] = [[] for _ in range(total)]
    for v in range(total):
        for u in up[v]:
            down[u].append(v)
    rows: list[list[int]] = [[] for _ in range(max(row_of, default=0) + 1)]
    for v in range(total):
        rows[row_of[v]].append(v)
    position = [0.0] * total
    for members in rows:
        for k, v in enumerate(members):
            position[v] = k
    for sweep in range(SWEEPS):
        order = rows[1:] if sweep % 2 == 0 else rows[-2::-1]
        for members in order:
            near = up if sweep % 2 == 0 else down

            def centre(v: int, near: list[list[int]] = near) -> float:
                around = near[v]
                return sum(position[u] for u in around) / len(around) if around else position[v]

            members.sort(key=centre)
            for k, v in enumerate(members):
                position[v] = k
    # x: each box under the mean of what it reads, then pushed apart in row order.
    x = [0.0] * total
    for members in rows:
        wanted = [sum(x[u] for u in up[v]) / len(up[v]) if up[v] else 0.0 for v in members]
        placed: list[float] = []
        for k, v in enumerate(members):
            want = wanted[k]
            if placed:
                prev = members[k - 1]
                want = max(want, placed[-1] + (widths[prev] + widths[v]) / 2 + GAP)
            placed.append(want)
        if placed:
            shift = sum(w - p for w, p in zip(wanted, placed, strict=True)) / len(placed)
            for k, v in enumerate(members):
                x[v] = placed[k] + shift
    left = min((x[v] - widths[v] / 2 for v in range(total)), default=0.0)
    right = max((x[v] + widths[v] / 2 for v in range(total)), default=0.0)
    dx = MARGIN - left
    boxes = [
        Placed(x[i] + dx, MARGIN + row[i] * (BOX_H + ROW_GAP), widths[i], BOX_H)
        for i in range(count)
    ]
    routes = []
    for chain in chains:
        points = [(boxes[chain[0]].x, boxes[chain[0]].y + BOX_H)]
        for v in chain[1:-1]:
            y = MARGIN + row_of[v] * (BOX_H + ROW_GAP)
            points += [(x[v] + dx, y), (x[v] + dx, y + BOX_H)]
        points.append((boxes[chain[-1]].x, boxes[chain[-1]].y))
        routes.append(points)
    height = MARGIN * 2 + len(rows) * (BOX_H + ROW_GAP)
    return Layout(graph, boxes, routes, right - left + 2 * MARGIN, height)


def graph_scene(result: NetworkResult) -> tuple[Scene, Layout]:
    """The graph drawing, and the layout it was drawn from (tests check the boxes)."""
    graph = build_graph(result)
    placed = layout(graph)
    shapes: list[Rect | Path | Label] = []
    labelled: set[int] = set()
    for (s, _), points in zip(graph.edges, placed.routes, strict=True):
        shapes.append(Path(tuple(points), arrow=True))
        if s not in labelled:  # a box's edges all carry its shape: written once, as it leaves
            labelled.add(s)
            x0, y0 = points[0]
            shapes.append(Label(x0 + 5, y0 + 12, graph.nodes[s].shape, 9, "start", colour="grey"))
    has_reader = {s for s, _ in graph.edges}
    for i, (node, box) in enumerate(zip(graph.nodes, placed.boxes, strict=True)):
        fill = "input" if node.is_input else "merge" if node.merge else "box"
        shapes.append(Rect(box.x - box.w / 2, box.y, box.w, box.h, fill))
        title = shorten(node.name, NAME_WIDTH)
        if node.repeat > 1:
            title += f"  x{node.repeat}"
        shapes.append(Label(box.x, box.y + 17, title, 11, bold=True))
        shapes.append(Label(box.x, box.y + 34, shorten(node.what, NAME_WIDTH), 10))
        if i not in has_reader:  # the network's output: its shape on a short arrow out
            bottom = box.y + box.h
            shapes.append(Path(((box.x, bottom), (box.x, bottom + ROW_GAP * 0.7)), arrow=True))
            shapes.append(Label(box.x + 6, bottom + ROW_GAP * 0.5, node.shape, 9, "start"))
    title = f"{result.name or 'network'}: graph"
    return Scene(placed.width, placed.height, list(shapes), title), placed


def dot_chunks(result: NetworkResult) -> Iterator[str]:
    """The graph as Graphviz DOT: boxes labelled with name and kind, edges with shapes."""
    graph = build_graph(result)
    yield f"digraph {dot_string(result.name or 'network')} {{\n"
    yield '  node [shape=box, style="rounded,filled", fillcolor="#eef3fb", fontname="Helvetica"];\n'
    yield '  edge [fontname="Helvetica", fontsize=9];\n'
    for i, node in enumerate(graph.nodes):
        name = node.name + (f"  x{node.repeat}" if node.repeat > 1 else "")
        label = f'"{dot_inner(name)}\\n{dot_inner(node.what)}"'
        fill = ', fillcolor="#fdf0dc"' if node.merge else ""
        yield f"  n{i} [label={label}{fill}];\n"
    for s, t in graph.edges:
        yield f"  n{s} -> n{t} [label={dot_string(graph.nodes[s].shape)}];\n"
    yield "}\n"
