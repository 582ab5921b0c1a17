"""Pictures and reports: ``cnncalc draw`` (graph, blocks, receptive field; SVG, DOT,
TikZ) and ``summarize --format html|latex``, and the notebook displays.

Oracles: the standard library's XML and HTML parsers, small checkers for DOT quoting and
LaTeX specials written here, receptive fields derived by hand in the comments, and the
box coordinates cnncalc computed (no two boxes may overlap).
"""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cnncalc.api import evaluate, render
from cnncalc.rendering.cells import visible
from cnncalc.rendering.drawing import draw_chunks
from cnncalc.rendering.graph import MAX_ROWS, build_graph, graph_scene
from cnncalc.results import NetworkResult, collapse_blocks
from tests.clirun import run_cli
from tests.conftest import SPECS, hang_guard, load_spec
from tests.strategies import LAYER_NAMES

GOLDEN = Path(__file__).parent / "golden"
ZOO = sorted(SPECS.glob("*.yaml"))
SVG = "{http://www.w3.org/2000/svg}"
# Two paths into one add: conv1 (k2 s2) and conv2 (k3 s2 p1), both 16 -> 8.
MERGE = "INPUT(16x16x1) -> ADD{CONV(2, 2, s=2) | CONV(2, 3, s=2, p=1)}"
SMALL = "INPUT(12x12x1) -> CONV(4, 3, s=2, p=1) -> RELU -> CONV(4, 3, p=1) -> FLATTEN -> FC(10)"


def texts(svg: str) -> list[str]:
    """The text of every <text> element (the SVG must be well-formed XML)."""
    root = ET.fromstring(svg)
    return [element.text or "" for element in root.iter(f"{SVG}text")]


def draw(result: NetworkResult, **options: object) -> str:
    return "".join(draw_chunks(result, **options))  # type: ignore[arg-type]


# Every zoo network, both styles.


@pytest.mark.parametrize("path", ZOO, ids=[p.stem for p in ZOO])
def test_zoo_graph_shows_every_layer_and_shape_without_overlap(path: Path) -> None:
    result = evaluate(load_spec(str(path)))
    if len(result.layers) > MAX_ROWS:  # ResNet-152: drawn as --depth 1 draws it
        result = collapse_blocks(result, 1)
        assert len(result.layers) <= MAX_ROWS
    svg = draw(result)
    shown = texts(svg)
    joined = "\n".join(shown)
    previous = None
    for layer in result.layers:
        # a layer alike the one before it (same kind, hyperparameters, shape, parameters,
        # reading only it) is the same box, counted "xN"; every other name is shown
        alike = previous is not None and (
            layer.inputs == (previous.name,)
            and (layer.kind, layer.hyper, layer.output, layer.params)
            == (previous.kind, previous.hyper, previous.output, previous.params)
        )
        if not alike:
            assert any(line.startswith(layer.name[:35]) for line in shown), layer.name
        assert layer.output.text() in joined, layer.output.text()
        previous = layer
    _, placed = graph_scene(result)
    boxes = sorted(placed.boxes, key=lambda b: (b.y, b.x))
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            if b.y >= a.y + a.h:
                break
            apart = b.x - b.w / 2 >= a.x + a.w / 2 or a.x - a.w / 2 >= b.x + b.w / 2
            assert apart, (a, b)


@pytest.mark.parametrize("path", ZOO, ids=[p.stem for p in ZOO])
def test_zoo_blocks_and_tikz(path: Path) -> None:
    result = evaluate(load_spec(str(path)))
    assert texts(draw(result, style="blocks"))
    tikz = draw(result, style="blocks", format="tikz")
    assert tikz.count("\\begin{tikzpicture}") == tikz.count("\\end{tikzpicture}") == 1


def test_blocks_label_the_feature_maps_of_alexnet() -> None:
    # torchvision's AlexNet: 224x224x3 -> conv1 55x55x64 -> pool 27x27x64 -> ... -> fc 1000
    shown = texts(draw(evaluate(load_spec(str(SPECS / "alexnet.yaml"))), style="blocks"))
    for label in ("224", "55", "64", "27", "192", "13", "384", "256", "4096", "1000", "11x11"):
        assert label in shown, label


def test_blocks_draw_resnet_shortcuts_as_arcs() -> None:
    svg = draw(evaluate(load_spec(str(SPECS / "resnet18.yaml"))), style="blocks")
    arcs = re.findall(r'<polyline [^>]*stroke="#e08a2c" stroke-width="1.5"', svg)
    assert len(arcs) == 8  # one per basic block: 4 stages x 2 blocks


def test_depth_collapses_blocks_and_repeats_show_xn() -> None:
    result = evaluate(load_spec(str(SPECS / "resnet18.yaml")))
    shown = texts(draw(result, depth=1))
    assert {"layer1", "layer4"} <= {line.split()[0] for line in shown if line}
    chain = evaluate(load_spec("INPUT(32x32x3) -> [CONV(16, 3, p=1)]*4 -> FC(10)"))
    # the first conv reads 3 channels (448 params), the next three read 16 (2,320 each)
    names = [f"{node.name} x{node.repeat}" for node in build_graph(chain).nodes]
    assert names == ["input x1", "conv1 x1", "conv2 x3", "fc1 x1"]


@given(
    st.lists(st.sampled_from(["CONV(2, 3, p=1)", "RELU", "CONV(2, 1)"]), min_size=1, max_size=12),
    st.sets(st.integers(0, 11)),
)
def test_every_wire_is_drawn(layers: list[str], read: set[int]) -> None:
    # a chain of layers (alike ones in runs), then a concat reading any of them: every
    # input of every layer is an edge between their boxes, or both are in one box
    names = [f"l{i}" for i in range(len(layers))]
    chain = " -> ".join(
        f"{text[:-1]}, name={n})" if "(" in text else f"{text}(name={n})"
        for text, n in zip(layers, names, strict=True)
    )
    chosen = sorted({names[i % len(names)] for i in read} | {names[-1]})
    spec = f"INPUT(8x8x2) -> {chain} -> CONCAT(from=[{', '.join(chosen)}])"
    result = evaluate(load_spec(spec))
    graph = build_graph(result)
    for layer in result.layers:
        for name in layer.inputs:
            pair = (graph.box_of[name], graph.box_of[layer.name])
            assert pair[0] == pair[1] or pair in graph.edges, (layer.name, name)
            if pair[0] == pair[1]:  # inside a run: read by this layer only
                assert sum(name in other.inputs for other in result.layers) == 1
            else:  # an edge leaves a run from its last layer only
                members = [n for n, box in graph.box_of.items() if box == pair[0]]
                assert name == members[-1], (name, members)


# The receptive-field picture.


def test_rf_picture_states_the_field_derived_by_hand() -> None:
    # conv k3 s2 p1: r = 3, jump 2, P = 1; relu keeps it; conv k3 s1 p1:
    # r = 3 + (3-1)*2 = 7, jump 2, P = 1 + 1*2 = 3, centre of unit 0 = (7-1)/2 - 3 = 0
    code, out, err = run_cli("draw", SMALL, "--rf", "conv2")
    assert (code, err) == (0, "")
    assert "H: size 7, jump 2, unit 0 centred at 0, 3 into the padding" in texts(out)


def test_rf_picture_of_a_merge_shows_each_path_and_their_misalignment() -> None:
    # conv1 k2 s2: r = 2, jump 2, centre (2-1)/2 - 0 = 0.5; conv2 k3 s2 p1: r = 3,
    # jump 2, centre (3-1)/2 - 1 = 0: same jump, different centres
    code, out, err = run_cli("draw", MERGE, "--rf", "add1")
    assert (code, err) == (0, "")
    shown = texts(out)
    assert "W: size 2, jump 2, unit 0 centred at 0.5" in shown
    assert "W: size 3, jump 2, unit 0 centred at 0, 1 into the padding" in shown
    assert "the paths are NOT aligned: their jumps or centres differ" in shown


@pytest.mark.parametrize(
    ("layer", "message"),
    [
        ("cnv2", "--rf: there is no layer named 'cnv2' (did you mean 'conv2'?)"),
        ("fc1", "--rf: layer 5 'fc1' (fc) has no spatial grid"),
        ("flatten1", "--rf: layer 4 'flatten1' (flatten) has no spatial grid"),
    ],
)
def test_rf_errors_name_the_layer(layer: str, message: str) -> None:
    code, out, err = run_cli("draw", SMALL, "--rf", layer)
    assert (code, out) == (2, "")
    assert message in err
    assert "Traceback" not in err


# Bad input and limits.


def test_too_many_boxes_suggests_depth_and_is_quick() -> None:
    # 10,000 layers that do not repeat alike (conv, relu, conv, relu, ...)
    spec = "INPUT(8x8x1) -> [CONV(1, 3, p=1) -> RELU]*5000"
    with hang_guard():
        code, out, err = run_cli("draw", spec)
        assert (code, out) == (2, "")
        assert f"10,001 boxes are too many to draw legibly (at most {MAX_ROWS})" in err
        assert "no blocks (dotted names)" in err
        # a network with blocks: --depth is suggested, and draws it (300 blocks alike: one box)
        blocks = "DEF b(f) = CONV(f, 3, p=1) -> RELU -> CONV(f, 3, p=1); INPUT(8x8x1) -> b(1)*300"
        code, out, err = run_cli("draw", blocks)
        assert code == 2 and "draw each block as one box with --depth 1" in err
        code, out, err = run_cli("draw", blocks, "--depth", "2")
        assert (code, err) == (0, "") and "b1.0  x300" in texts(out)


def test_ten_thousand_layers_alike_draw_as_one_box() -> None:
    # every conv reads one channel and writes one: 3*3 + 1 = 10 parameters each, alike
    spec = "INPUT(8x8x1) -> [CONV(1, 3, p=1)]*10000"
    with hang_guard():
        code, out, err = run_cli("draw", spec)
        assert (code, err) == (0, "")
        assert "conv1  x10000" in texts(out)
        assert len(out) < 10_000


def test_html_report_of_ten_thousand_layers_is_bounded() -> None:
    spec = "INPUT(8x8x1) -> [CONV(1, 3, p=1) -> RELU]*5000"
    with hang_guard():
        code, out, err = run_cli("summarize", spec, "--format", "html")
        assert (code, err) == (0, "")
        assert "too many to draw legibly" in out  # the graph is left out, the table kept
        assert out.count("<tr>") == 10_002  # header, input row, 10,000 layers
        assert len(out) < 300 * 10_000


@pytest.mark.parametrize(
    "args",
    [
        ("--style", "blocks", "--format", "dot"),
        ("--rf", "conv1", "--format", "dot"),
        ("--depth", "-1"),
        ("--style", "cubes"),
    ],
)
def test_bad_options_are_errors(args: tuple[str, ...]) -> None:
    code, out, err = run_cli("draw", SMALL, *args)
    assert code == 2 and out == ""
    assert "Traceback" not in err


def test_output_file_is_replaced_atomically_keeping_its_mode(tmp_path: Path) -> None:
    target = tmp_path / "net.svg"
    target.write_text("old")
    target.chmod(0o600)
    code, _, err = run_cli("draw", SMALL, "-o", str(target))
    assert (code, err) == (0, "")
    assert target.read_text().startswith("<?xml") and (target.stat().st_mode & 0o777) == 0o600
    code, _, _ = run_cli("draw", SMALL, "--rf", "nope", "-o", str(target))
    assert code == 2 and target.read_text().startswith("<?xml")  # a failed draw writes nothing
    assert [p.name for p in tmp_path.iterdir()] == ["net.svg"]  # no temporary file left


# Escaping: any name, every format.


class _Balanced(HTMLParser):
    """Tags opened and closed in order (void elements excepted)."""

    VOID = frozenset({"meta", "br", "img", "input", "link", "hr"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        pass

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack[-1] == tag, (self.stack[-5:], tag)
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        if self.stack and self.stack[-1] in ("td", "dd", "li", "title", "h1", "text"):
            self.text.append(data)


def check_html(page: str) -> list[str]:
    parser = _Balanced()
    parser.feed(page)
    parser.close()
    assert parser.stack == []
    return parser.text


def check_dot(text: str) -> list[str]:
    """The quoted strings of DOT text, unescaped; fails on an unterminated one or on a
    quote, brace or bracket outside the statement syntax."""
    strings: list[str] = []
    depth = {"{": 0, "[": 0}
    i = 0
    while i < len(text):
        char = text[i]
        if char == '"':
            j, value = i + 1, []
            while text[j] != '"':  # IndexError: unterminated
                if text[j] == "\\":
                    value.append(text[j : j + 2])
                    j += 2
                else:
                    value.append(text[j])
                    j += 1
            strings.append("".join(value))
            i = j + 1
            continue
        if char in "{[":
            depth[char] += 1
        elif char == "}":
            depth["{"] -= 1
        elif char == "]":
            depth["["] -= 1
        assert char != "\n" or depth["["] == 0
        i += 1
    assert depth == {"{": 0, "[": 0}
    return strings


def latex_specials(text: str) -> list[str]:
    """The LaTeX specials of ``text`` not written as a command: after dropping every
    control sequence (a backslash and a word, or a backslash and one character)."""
    bare = re.sub(r"\\([A-Za-z]+|.)", "", text)
    return re.findall(r"[#$%^_~\\]", bare)


def check_latex_table(text: str, columns: int) -> None:
    body = [line for line in text.splitlines() if not line.startswith("%")]
    for line in body:
        assert latex_specials(line) == [], line
        bare = re.sub(r"\\([A-Za-z]+|.)", "", line)
        assert bare.count("{") == bare.count("}"), line
        if line.endswith("\\\\") and "multicolumn" not in line:
            assert bare.count("&") == columns - 1, line


def named(names: list[str], title: str | None, spec: str = SMALL) -> NetworkResult:
    base = load_spec(spec)
    layers = tuple(
        dataclasses.replace(layer, name=name)
        for layer, name in zip(base.layers, names, strict=True)
    )
    return evaluate(dataclasses.replace(base, layers=layers, name=title))


def in_xml(name: str) -> str:
    """The text a name shows as in XML: visible, and U+FFFE/U+FFFF (which XML cannot
    hold, even as references) as their escapes."""
    return visible(name).replace("\ufffe", "\\ufffe").replace("\uffff", "\\uffff")


def five_names() -> st.SearchStrategy[list[str]]:
    return st.lists(LAYER_NAMES, min_size=5, max_size=5, unique=True).filter(
        lambda names: "input" not in names
    )


@given(five_names(), st.one_of(st.none(), LAYER_NAMES))
def test_any_name_gives_well_formed_output_in_every_format(
    names: list[str], title: str | None
) -> None:
    result = named(names, title)
    for style in ("graph", "blocks"):
        shown = texts(draw(result, style=style))
        if style == "graph":
            for name in names:
                assert any(line.startswith(in_xml(name)[:35]) for line in shown)
        tikz = draw(result, style=style, format="tikz")
        for line in tikz.splitlines():
            if not line.startswith("%"):
                assert latex_specials(line.replace("\\\\", "")) == [], line
    texts(draw(result, rf=names[2]))
    strings = check_dot(draw(result, format="dot"))
    for name in names:
        shown_name = visible(name).replace("\\", "\\\\").replace('"', '\\"')
        assert any(s.startswith(shown_name) for s in strings), name
    page_text = check_html(render(result, "html"))
    for name in names:
        assert in_xml(name) in page_text
    check_latex_table(render(result, "latex"), columns=12)
    assert result._repr_html_() is not None
    check_html(result._repr_html_() or "")


def test_markup_names_are_escaped_in_each_format() -> None:
    names = ["<script>alert(1)</script>", 'a"b&c', "50%_x}", "~^#$\\", "conv{1}"]
    result = named(names, "net & <b>")
    html = render(result, "html")
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    latex = render(result, "latex")
    assert r"50\%\_x\}" in latex
    assert r"\textasciitilde{}\textasciicircum{}\#\$\textbackslash{}" in latex
    dot = draw(result, format="dot")
    assert r'"a\"b&c\n' in dot and r'"~^#$\\\n' in dot
    assert "conv\\{1\\}" in draw(result, format="tikz")


# Golden files: a small network in each format.

GOLDEN_CASES = {
    "draw_graph.svg": ("draw", MERGE),
    "draw_blocks.svg": ("draw", SMALL, "--style", "blocks"),
    "draw_rf.svg": ("draw", MERGE, "--rf", "add1"),
    "draw_graph.dot": ("draw", MERGE, "--format", "dot"),
    "draw_graph.tex": ("draw", MERGE, "--format", "tikz"),
    "summary.html": ("summarize", SMALL, "--format", "html"),
    "summary.tex": ("summarize", SMALL, "--format", "latex"),
}


@pytest.mark.parametrize("name", sorted(GOLDEN_CASES))
def test_golden(name: str) -> None:
    code, out, err = run_cli(*GOLDEN_CASES[name])
    assert (code, err) == (0, "")
    path = GOLDEN / name
    if os.environ.get("CNNCALC_UPDATE_GOLDEN"):
        path.write_text(out, encoding="utf-8")
    assert out == path.read_text(encoding="utf-8")


def test_html_report_is_self_contained_and_phone_ready() -> None:
    page = (GOLDEN / "summary.html").read_text(encoding="utf-8")
    check_html(page)
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert "overflow-x:auto" in page and 'class="sortable"' in page
    assert not re.search(r"""(src|href)\s*=|@import|url\((?!#)""", page)  # nothing fetched
    assert page.count("<svg") == 2  # the graph and the receptive-field chart


def test_latex_table_is_booktabs_right_aligned_with_footer() -> None:
    text = (GOLDEN / "summary.tex").read_text(encoding="utf-8")
    # columns: # name kind k s p d output params RF jump MACs
    assert "\\begin{tabular}{rlllllllrrrr}" in text
    assert text.index("\\toprule") < text.index("\\midrule") < text.index("\\bottomrule")
    assert "Input 12x12x1, batch 1, float32" in text


# Notebooks.


def test_results_display_in_notebooks_and_rich() -> None:
    from rich.console import Console

    result = evaluate(load_spec(SMALL))
    html = result._repr_html_()
    assert html is not None and "<table" in html and "conv2" in html
    console = Console(width=200, record=True, color_system=None)
    console.print(result)
    shown = console.export_text()
    assert "conv2" in shown and "params" in shown and "12x12x1" in shown


# The real tools, where the machine has them (CI may not).


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz is not installed")
def test_graphviz_reads_the_dot(tmp_path: Path) -> None:
    text = draw(evaluate(load_spec(str(SPECS / "resnet18.yaml"))), format="dot")
    proc = subprocess.run(["dot", "-Tsvg"], input=text, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed")
@pytest.mark.parametrize("kind", ["tikz", "latex"])
def test_pdflatex_compiles(kind: str, tmp_path: Path) -> None:
    result = named(["c_1", "50%", "a&b", "x{y}", "~^#$"], "net_1")
    body = render(result, "latex") if kind == "latex" else draw(result, format="tikz")
    document = (
        "\\documentclass{article}\\usepackage[T1]{fontenc}\\usepackage{booktabs,tikz}"
        "\\usetikzlibrary{arrows.meta}\\begin{document}\n" + body + "\\end{document}\n"
    )
    (tmp_path / "doc.tex").write_text(document)
    proc = subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "doc.tex"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout[-2000:]


def test_collapse_then_draw_keeps_edges_between_rows() -> None:
    result = collapse_blocks(evaluate(load_spec(str(SPECS / "googlenet.yaml"))), 1)
    graph = build_graph(result)
    assert all(s < t for s, t in graph.edges)
