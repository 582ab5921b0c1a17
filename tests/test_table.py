"""The terminal table (a rich Table fitted to the width), --columns, --wide, the new
columns, the parameter-count footer, --warnings and the warning codes."""

from __future__ import annotations

import ast
import io
import json
import re
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st
from rich.cells import cell_len
from rich.console import Console

import cnncalc
from cnncalc.errors import CnnCalcError
from cnncalc.rendering.cells import (
    DROP_ORDER,
    TITLES,
    WIDE_COLUMNS,
    Column,
    parse_columns,
    percent,
    ratio,
)
from cnncalc.rendering.data import result_data
from cnncalc.rendering.plain import plain_lines
from cnncalc.rendering.table import print_table
from cnncalc.results import NOTICE_CODES, NetworkResult
from cnncalc.schemas import schema
from tests.clirun import run_cli
from tests.strategies import LAYER_NAMES, VALID_CHAINS

ROOT = Path(__file__).resolve().parent.parent
SPECS = ROOT / "specs"
GOLDEN = Path(__file__).parent / "golden"
ZOO = ("alexnet", "resnet50", "googlenet")
WIDTHS = (80, 120, 200)


def evaluate(text: str) -> NetworkResult:
    return cnncalc.evaluate(cnncalc.parse(text))


def load(name: str) -> NetworkResult:
    return cnncalc.evaluate(cnncalc.load(str(SPECS / f"{name}.yaml")))


def terminal(result: NetworkResult, width: int, columns: tuple[Column, ...] | None = None) -> str:
    """The summary as a terminal of ``width`` columns shows it, as text."""
    console = Console(width=width, record=True, file=io.StringIO(), color_system=None)
    print_table(result, console, columns)
    return console.export_text()


def table_part(text: str) -> tuple[list[str], dict[str, list[str]], list[str]]:
    """The header titles, the body rows by their first cell, and every line of the box."""
    box = [line for line in text.splitlines() if line and line[0] in "┏┃┡│└"]
    header = [c.strip() for c in next(x for x in box if x.startswith("┃")).split("┃")[1:-1]]
    rows = {}
    for line in box:
        if line.startswith("│"):
            cells = [c.strip() for c in line.split("│")[1:-1]]
            rows[cells[0]] = cells
    return header, rows, box


# Golden files: the boxed look at three widths (the numbers are checked elsewhere; these
# fix the layout: which columns are dropped, the note, alignment).


@pytest.mark.parametrize("name", ZOO)
@pytest.mark.parametrize("width", WIDTHS)
def test_rich_table_golden(name: str, width: int) -> None:
    assert terminal(load(name), width) == (GOLDEN / f"table_{name}_{width}.txt").read_text()


def test_columns_are_dropped_in_the_stated_order() -> None:
    # AlexNet's full table is 101 columns wide: at 90 only d, jump and p go
    header, _, box = table_part(terminal(load("alexnet"), 90))
    assert header == ["#", "name", "kind", "k", "s", "output", "params", "RF", "MACs"]
    assert max(cell_len(line) for line in box) <= 90
    text = terminal(load("alexnet"), 90)
    assert "not shown, to fit 90 columns: d, jump, p; --wide shows every column" in text
    # wide enough: nothing dropped, nothing said
    assert "not shown" not in terminal(load("alexnet"), 200)


def test_required_columns_are_shown_whole_when_they_do_not_fit() -> None:
    text = terminal(load("googlenet"), 40)
    header, rows, box = table_part(text)
    assert header == ["#", "name", "kind", "output", "params", "MACs"]
    assert max(cell_len(line) for line in box) > 40  # wider: the terminal wraps it
    # torchvision GoogLeNet's first conv: 7x7, 3 -> 64 channels, no bias (BasicConv2d),
    # 112x112 output: 3*49*64 = 9,408 params and 9,408*112*112 = 118,013,952 MACs
    assert rows["1"][4:] == ["9,408", "118,013,952"]


def test_chosen_columns_are_all_shown() -> None:
    columns = parse_columns("name,kind,input,output,params,params_pct,macs,macs_pct,live")
    header, rows, _ = table_part(terminal(load("resnet50"), 60, columns))
    titles = ["name", "kind", "input", "output", "params", "% params", "MACs", "% MACs", "live"]
    assert header == titles
    assert rows["layer1.0.add1"][2] == "56x56x256 + 56x56x256"


def test_long_networks_keep_the_plain_layout() -> None:
    from cnncalc.rendering.table import RICH_TABLE_LIMIT

    text = " -> ".join(["INPUT(4x4x1)", *["RELU"] * (RICH_TABLE_LIMIT + 1)])
    out = terminal(evaluate(text), 80)
    assert "┏" not in out and out.splitlines()[0].startswith(" ")
    assert "┏" in terminal(evaluate(" -> ".join(["INPUT(4x4x1)", *["RELU"] * 10])), 80)


def test_no_color_writes_no_styles_and_user_text_is_never_markup() -> None:
    name = '"[bold]x[/bold]\\e[31m"'  # YAML's \e is ESC
    text = f"input: 8x8x1\nlayers:\n  - conv: {{filters: 2, kernel: 3, name: {name}}}"
    result = cnncalc.evaluate(cnncalc.parse(text, "yaml"))
    console = Console(width=100, file=io.StringIO(), force_terminal=True, no_color=True)
    print_table(result, console)
    raw = console.file.getvalue()  # type: ignore[attr-defined]
    assert "\x1b" not in raw.replace("\x1b[0m", "")  # rich's resets only, no style set
    assert "[bold]x[/bold]\\x1b[31m" in raw
    styled = Console(width=100, file=io.StringIO(), force_terminal=True)
    print_table(result, styled)
    assert "\x1b[1m" in styled.file.getvalue()  # type: ignore[attr-defined]


def _numbers(layer: dict[str, object], columns: tuple[Column, ...]) -> dict[Column, str]:
    """The layer's JSON counts shown in ``columns``, written as the table writes them."""
    keys = {
        Column.PARAMS: "params",
        Column.PARAMS_NONSHARED: "params_nonshared",
        Column.PARAMS_FC: "params_fc",
        Column.MACS: "macs",
        Column.ACTIVATIONS: "activations",
    }
    return {
        c: f"{layer[key]:,}"
        for c, key in keys.items()
        if c in columns and isinstance(layer[key], int)
    }


@given(VALID_CHAINS, st.integers(20, 240), st.booleans())
def test_no_number_is_ever_cut_and_the_table_fits(text: str, width: int, wide: bool) -> None:
    """Every count in a layer's JSON appears whole in its row, at any width; the table is
    no wider than the terminal unless only the required columns are left."""
    try:
        result = evaluate(text)
    except CnnCalcError:  # a few chains do not fit together (sizes, repeated names)
        return
    columns = WIDE_COLUMNS if wide else None
    header, rows, box = table_part(terminal(result, width, columns))
    shown = tuple(c for c in (columns or WIDE_COLUMNS) if TITLES[c] in header)
    for layer in result_data(result)["layers"]:
        row = rows[str(layer["index"])]
        for column, number in _numbers(layer, shown).items():
            cell = row[header.index(TITLES[column])]
            assert cell == number or cell.startswith(f"{number} (shared with"), (column, cell)
    if not wide and max(cell_len(line) for line in box) > width:
        assert not {TITLES[c] for c in DROP_ORDER} & set(header)


# --columns and --wide


def test_columns_names_and_aliases() -> None:
    assert parse_columns("type, inputs,receptive_field,NAME,name") == (
        Column.KIND,
        Column.FROM,
        Column.RF,
        Column.NAME,
    )
    assert set(WIDE_COLUMNS) == set(Column)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--columns", "nmae,macs"], "unknown column 'nmae' (did you mean 'name'?)"),
        (["--columns", " , "], "name at least one column"),
        (["--columns", "x" * 10_000], "unknown column 'xxx"),
        (["--columns", "name", "--wide"], "give --columns or --wide, not both"),
        (["--wide", "-f", "json"], "JSON and CSV always have every field"),
        (["--columns", "name", "-f", "csv"], "JSON and CSV always have every field"),
        (["--warnings", "loud"], "'loud' is not one of"),
    ],
)
def test_column_and_warning_option_errors(args: list[str], message: str) -> None:
    code, out, err = run_cli("summarize", str(SPECS / "alexnet.yaml"), *args)
    assert code == 2
    assert message in " ".join(err.split()), err
    assert "Traceback" not in out + err


def test_unknown_column_from_the_library_is_a_cnncalc_error() -> None:
    with pytest.raises(CnnCalcError, match="did you mean 'macs'"):
        parse_columns("mcas")


def test_piped_table_and_markdown_take_columns() -> None:
    spec = str(SPECS / "alexnet.yaml")
    code, out, _ = run_cli("summarize", spec, "--columns", "name,params_pct,macs_pct,live")
    assert code == 0
    lines = out.splitlines()
    assert lines[1].split() == ["name", "|", "%", "params", "|", "%", "MACs", "|", "live"]
    # conv1: 23,296 of 61,100,840 params is 0.0381..% -> 0.0; 70,276,800 of 714,188,480
    # MACs is 9.840..% -> 9.8
    assert [c.strip() for c in lines[4].split("|")] == [
        "conv1",
        "0.0",
        "9.8",
        lines[4].split("|")[-1].strip(),
    ]
    code, md, _ = run_cli("summarize", spec, "-f", "markdown", "--wide")
    assert code == 0
    assert "| # | name | kind | from | k | s | p | d | input | output | params | % params |" in md
    # piped output keeps its columns whatever the terminal: the default ones
    code, plain, _ = run_cli("summarize", spec)
    assert plain.splitlines()[1].split(" | ")[3].strip() == "k"


# The new columns' numbers, by hand


def test_percent_rounding_is_half_up_on_the_exact_ratio() -> None:
    assert percent(1, 8) == "12.5"  # exactly 12.5
    assert percent(1, 16) == "6.3"  # 6.25: half up
    assert percent(1, 3) == "33.3" and percent(2, 3) == "66.7"
    assert percent(1, 2000) == "0.1" and percent(1, 2001) == "0.0"  # 0.05 up, 0.04997 down
    assert percent(5, 5) == "100.0"
    assert (
        percent(1, 0) == ""
        and percent(
            cnncalc.evaluate(cnncalc.parse("INPUT(4x4xC) -> CONV(2, 1)")).layers[0].params, 10
        )
        == ""
    )
    assert ratio(246, 10) == "24.6x" and ratio(1, 0) is None


def test_input_and_live_columns() -> None:
    result = evaluate("INPUT(8x8x2) -> CONV(4, 3, p=1) -> ADD{RELU | IDENTITY} -> FC(10)")
    columns = (Column.INDEX, Column.INPUT, Column.LIVE)
    _, rows, _ = table_part(terminal(result, 120, columns))
    assert rows["1"][1] == "8x8x2"
    # the add reads the relu and the identity: both the 8x8x4 map
    add = next(layer for layer in result.layers if layer.kind == "add")
    assert rows[str(add.index)][1] == "8x8x4 + 8x8x4"
    # conv: input 128 and output 256 alive (the input is read by nobody later): 384
    assert rows["1"][2] == "384"
    assert rows["0"][1:] == ["", ""]


def test_parameter_count_totals_and_ratios() -> None:
    # AlexNet (torchvision) without weight sharing, (C_in*k*k + 1) * C_out * H_out * W_out
    # for each conv (README, "What is computed"), the fc layers as they are:
    convs = [
        (3 * 11 * 11 + 1) * 64 * 55 * 55,
        (64 * 5 * 5 + 1) * 192 * 27 * 27,
        (192 * 3 * 3 + 1) * 384 * 13 * 13,
        (384 * 3 * 3 + 1) * 256 * 13 * 13,
        (256 * 3 * 3 + 1) * 256 * 13 * 13,
    ]
    fcs = [(9216 + 1) * 4096, (4096 + 1) * 4096, (4096 + 1) * 1000]
    shared = 61_100_840  # torchvision's published AlexNet parameter count
    nonshared = sum(convs) + sum(fcs)
    # as fully connected: (H_in*W_in*C_in + 1) * H_out*W_out*C_out
    as_fc = [
        (224 * 224 * 3 + 1) * 55 * 55 * 64,
        (27 * 27 * 64 + 1) * 27 * 27 * 192,
        (13 * 13 * 192 + 1) * 13 * 13 * 384,
        (13 * 13 * 384 + 1) * 13 * 13 * 256,
        (13 * 13 * 256 + 1) * 13 * 13 * 256,
    ]
    fc_total = sum(as_fc) + sum(fcs)
    code, out, _ = run_cli("summarize", str(SPECS / "alexnet.yaml"))
    assert code == 0

    def times(value: int) -> str:
        tenths = round(Fraction(value * 10, shared))  # no exact halves here
        return f"{tenths // 10}.{tenths % 10}x"

    assert f"params without sharing       {nonshared:,} (" in out
    assert f"), {times(nonshared)} the shared count" in out
    assert f"params as FC                 {fc_total:,} (" in out
    assert f"), {times(fc_total)} the shared count" in out


# --warnings and the warning codes


def test_warnings_modes() -> None:
    spec = str(SPECS / "resnet50.yaml")
    _, summary, _ = run_cli("summarize", spec)
    _, every, _ = run_cli("summarize", spec, "--warnings", "all")
    _, none, _ = run_cli("summarize", spec, "--warnings", "none")
    _, md, _ = run_cli("summarize", spec, "--warnings", "none", "-f", "markdown")
    _, js, _ = run_cli("summarize", spec, "--warnings", "none", "-f", "json")

    def notes(text: str) -> list[str]:
        return [line for line in text.splitlines() if line.startswith("  - ")]

    # ResNet-50's stride-2 layers whose size is not whole: one line, or one each
    assert sum("not whole" in line for line in notes(summary)) == 1
    assert sum("is not whole" in line for line in notes(every)) == 8
    assert "warnings:" not in none and "Warnings" not in md
    codes = [w["code"] for w in json.loads(js)["warnings"]]
    assert codes == ["inexact-floor", "receptive-field"]


MISALIGNED = """
input: 8x1
layers:
  - conv: {filters: 1, kernel: 5, stride: 2, padding: [[2, 1]], name: a}
  - conv: {filters: 1, kernel: 3, name: b1, from: input}
  - conv: {filters: 1, kernel: 3, name: b2}
  - add: {from: [a, b2], name: sum}
"""
EMITTERS = {
    "input-layout": "INPUT(3x224x224) -> CONV(8)",
    "inexact-floor": "INPUT(8x8x1) -> CONV(1, 3, s=2)",
    "same-padding-stride": "INPUT(8x8x1) -> CONV(1, 3, s=2, p=same)",
    "same-padding-asymmetric": "INPUT(8x8x1) -> CONV(1, 2, p=same)",
    "adaptive-uneven": "INPUT(7x7x1) -> ADAPTIVE_AVGPOOL(3)",
    "paths-not-aligned": MISALIGNED,
    "broadcast-gate": "INPUT(7x7x8) -> MUL{ IDENTITY | GAP -> FLATTEN -> FC(8) -> SIGMOID }",
    "gate-receptive-field": "INPUT(7x7x8) -> MUL{ IDENTITY | GAP -> SIGMOID }",
    "receptive-field-padding": "INPUT(8x8x1) -> CONV(1, 7, p=6)",
    "receptive-field": "INPUT(4x4x1) -> CONV(1, 3, p=1) -> CONV(1, 3, p=1)",
    "receptive-field-upsampled": "INPUT(8x8x1) -> UPSAMPLE(2)",
    "symbols": "INPUT(8x8xC) -> CONV(K, 3)",
}


@pytest.mark.parametrize(("code", "text"), EMITTERS.items())
def test_each_warning_code_is_emitted_and_listed(code: str, text: str) -> None:
    yaml = text.startswith("\ninput")
    result = cnncalc.evaluate(cnncalc.parse(text, "yaml" if yaml else "grammar"))
    codes = {n.code for w in result.warnings for n in w.each()}
    assert code in codes
    assert codes <= set(NOTICE_CODES)


def test_every_code_is_listed_in_readme_and_schema_and_has_an_emitter() -> None:
    assert set(EMITTERS) == set(NOTICE_CODES)
    readme = (ROOT / "README.md").read_text()
    for code in NOTICE_CODES:
        assert f"`{code}`" in readme
    warning = schema("summarize")["properties"]["warnings"]["items"]
    assert set(warning["properties"]["code"]["enum"]) == set(NOTICE_CODES)


def test_every_code_the_engine_writes_is_listed() -> None:
    """Read the engine's source: the code of every ``Notice(...)`` it builds and every
    ``(code, text)`` pair a layer's outcome carries is a listed code."""
    found: set[str] = set()
    code_like = re.compile(r"[a-z]+(-[a-z]+)+").fullmatch
    for path in (ROOT / "cnncalc" / "engine").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Notice":
                first = node.args[0] if node.args else None
                if isinstance(first, ast.Constant):
                    found.add(str(first.value))
            if isinstance(node, ast.Tuple) and len(node.elts) == 2:
                first = node.elts[0]
                if isinstance(first, ast.Constant) and code_like(str(first.value)):
                    found.add(str(first.value))
    assert "inexact-floor" in found and "symbols" in found
    assert found <= set(NOTICE_CODES), found - set(NOTICE_CODES)


@given(
    st.lists(LAYER_NAMES.filter(lambda n: "\u2026" not in n), min_size=3, max_size=3),
    st.integers(30, 200),
)
def test_any_name_keeps_the_box_whole(names: list[str], width: int) -> None:
    """Names with markup, controls, wide and zero-width characters: every line of the box
    is as wide as the others (rich measures the cells as the table does), nothing is cut,
    and no control character reaches the terminal."""
    layers = "".join(
        f"  - {kind}: {{{args}name: {json.dumps(name)}}}\n"
        for kind, args, name in zip(
            ("conv", "relu", "fc"),
            ("filters: 2, kernel: 3, ", "", "units: 3, "),
            names,
            strict=True,
        )
    )
    try:
        result = cnncalc.evaluate(cnncalc.parse(f"input: 8x8x1\nlayers:\n{layers}", "yaml"))
    except CnnCalcError:  # two names alike
        return
    text = terminal(result, width)
    _, _, box = table_part(text)
    assert len({cell_len(line) for line in box}) == 1
    assert "\u2026" not in "".join(box)
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f]", text)


@given(st.text(max_size=40), st.sampled_from(["table", "markdown", "json"]))
def test_any_columns_text_is_an_answer_or_an_error(text: str, fmt: str) -> None:
    code, out, err = run_cli("summarize", str(SPECS / "alexnet.yaml"), "--columns", text, "-f", fmt)
    assert code in (0, 2), err
    assert "Traceback" not in out + err


@pytest.mark.parametrize("batch", ["1", "3"])
@pytest.mark.parametrize("layout", ["hwc", "nchw"])
def test_columns_say_what_json_says_under_batch_and_layout(batch: str, layout: str) -> None:
    # the live and input columns follow --batch and --layout as JSON's live_elements and
    # the output column do (the merge of the views and the table missed both)
    spec = str(SPECS / "resnet18.yaml")
    args = ("--batch", batch, "--layout", layout)
    code, out, _ = run_cli(
        "summarize", spec, *args, "--columns", "name,input,output,live", "-f", "markdown"
    )
    assert code == 0
    rows = [line.split(" | ") for line in out.splitlines() if line.startswith("| ")][2:]
    code, text, _ = run_cli("summarize", spec, *args, "-f", "json")
    layers = json.loads(text)["layers"]
    outputs = {"input": rows[0][2]}
    for row, layer in zip(rows[1:], layers, strict=True):
        name, given, output, live = (cell.strip(" |") for cell in row)
        assert live == f"{layer['live_elements']:,}"
        assert given == " + ".join(outputs[i] for i in layer["inputs"])
        outputs[name] = output


@pytest.mark.parametrize("name", ["resnet18", "siamese", "googlenet", "unet"])
def test_footer_totals_do_not_depend_on_depth(name: str) -> None:
    # --depth shows blocks as rows; the totals are the network's, whatever the rows
    def footer(*args: str) -> list[str]:
        code, out, _ = run_cli("summarize", str(SPECS / f"{name}.yaml"), *args)
        assert code == 0
        return [line for line in out.splitlines() if line.startswith(("params", "MACs"))]

    whole = footer()
    assert any(line.startswith("params without sharing") for line in whole)
    for depth in ("1", "2"):
        assert footer("--depth", depth) == whole


@pytest.mark.parametrize("columns", ["0", "-3", "wide"])
def test_a_columns_variable_that_is_no_width_still_draws_the_table(
    columns: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # COLUMNS=0 made rich draw nothing at all, and the command still said it succeeded
    from cnncalc.cli.io import terminal_console

    monkeypatch.setenv("COLUMNS", columns)
    out = io.StringIO()
    print_table(load("alexnet"), terminal_console(file=out, force_terminal=True))
    assert "conv1" in out.getvalue() and "MACs" in out.getvalue()


def test_shapes_are_never_cut_however_long() -> None:
    # a 10**90-tall input: its shapes are numbers, shown whole in every table (text
    # longer than 60 characters, a name, is what gets cut)
    tall = "1" + "0" * 90
    spec = f"INPUT({tall}x1x1) -> CONV(3, 1) -> RELU"
    code, out, _ = run_cli("summarize", spec, "--columns", "name,input,output")
    assert code == 0 and "\u2026" not in out
    assert out.count(f"{tall}x1x3") == 3  # conv's output; relu's input and output
    wide = io.StringIO()
    console = Console(file=wide, width=400, force_terminal=True, no_color=True)
    print_table(evaluate(spec), console, parse_columns("name,input,output"))
    assert "\u2026" not in wide.getvalue() and wide.getvalue().count(f"{tall}x1x3") == 3


@given(
    st.lists(
        st.text(
            st.characters(
                codec="utf-8",
                categories=("L", "Mn", "N", "S", "Zs"),
                exclude_characters='\u2028\u2029"\\',
            ),
            min_size=1,
            max_size=70,
        ),
        min_size=1,
        max_size=4,
        unique=True,
    )
)
@example(["卷积层一", "e\u0301", "\U0001f600" * 33, "\uff46\uff55\uff4c\uff4c"])
def test_piped_rows_are_as_wide_as_a_terminal_shows_them(names: list[str]) -> None:
    # wide characters (CJK, emoji) take two columns and combining marks none: the plain
    # layout pads by the columns a terminal gives (measured here by rich, independently)
    layers = " -> ".join(f'CONV(2, 1, name="{name}")' for name in names)
    assume(all(name.strip() and not name[0].isdigit() for name in names))
    try:
        result = evaluate(f"INPUT(4x4x1) -> {layers}")
    except CnnCalcError:
        assume(False)
        raise
    text = "\n".join(plain_lines(result, parse_columns("index,name,output,params")))
    rows = [line for line in text.splitlines() if re.match(r" *\d+ \| ", line)][1:]
    assert len(rows) == len(names)
    assert [layer.name for layer in result.layers] == names
    assert len({cell_len(row) for row in rows}) == 1, rows
