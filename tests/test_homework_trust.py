"""Homework answers a student can trust: the slips named, the answer forms read, the inputs
and defaults that would blame the student, sheets that grade the layer asked for, and
solve/convolve refusing the impossible and the unbounded.

Expected values are derived by hand (in the comments) or from PyTorch's documented rules
(torch.nn.MaxPool2d: out = floor_or_ceil((n + 2p - d*(k-1) - 1)/s) + 1, and in ceil mode
the last window must start inside the input or the left padding).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from fractions import Fraction
from math import ceil, floor
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnncalc.errors import CnnCalcError
from cnncalc.teach.grading import SIZE_SLIPS, check_shape, parse_count, parse_numbers
from cnncalc.teach.homework import one_layer
from tests.clirun import run_cli as run
from tests.conftest import SPECS, hang_guard
from tests.strategies import HOMEWORK_COMMAND_LINES, OPTION_VALUES

# --- PyTorch's rule and each slip, written out here independently of cnncalc ---------


def torch_length(n: int, k: int, s: int, p: int, d: int, ceil_mode: bool) -> int:
    """torch.nn.MaxPool2d's documented output length (Conv2d's is the floor case)."""
    q = Fraction(n + 2 * p - d * (k - 1) - 1, s)
    out = (ceil(q) if ceil_mode else floor(q)) + 1
    if ceil_mode and (out - 1) * s >= n + p:
        out -= 1
    return out


def _rounded(numerator: int, s: int, ceil_mode: bool, n: int, pl: int) -> Fraction:
    """A slip's length with the layer's own rounding (and PyTorch's correction)."""
    q = Fraction(numerator, s)
    out = (ceil(q) if ceil_mode else floor(q)) + 1
    if ceil_mode and (out - 1) * s >= n + pl:
        out -= 1
    return Fraction(out)


def slip_length(slip: str, n: int, k: int, s: int, p: int, d: int, ceil_mode: bool) -> Fraction:
    """What a student who makes ``slip`` answers for one axis."""
    span = d * (k - 1) + 1
    full = n + 2 * p - span
    if slip in ("not_floored", "not_ceiled"):
        return Fraction(full, s) + 1
    if slip == "ceil_in_floor_mode":
        return Fraction(ceil(Fraction(full, s)) + 1)
    if slip == "floor_in_ceil_mode":
        return Fraction(floor(Fraction(full, s)) + 1)
    if slip == "last_window":
        return Fraction(ceil(Fraction(full, s)) + 1)
    if slip in ("dk_span", "slide_form"):  # n + 2p - d*k, and n + 2p - (d*k - 1) - 1
        return _rounded(n + 2 * p - d * k, s, ceil_mode, n, p)
    if slip == "padding_forgotten":
        return _rounded(n - span, s, ceil_mode, n, 0)
    if slip == "padding_one_side":
        return _rounded(n + p - span, s, ceil_mode, n, p)
    if slip == "plus_one_forgotten":
        q = Fraction(full, s)
        return Fraction(ceil(q) if ceil_mode else floor(q))
    if slip == "stride_ignored":
        return _rounded(full, 1, ceil_mode, n, p)
    if slip == "dilation_ignored":
        return _rounded(n + 2 * p - k, s, ceil_mode, n, p)
    raise AssertionError(slip)


# Which slips can only happen with which settings.
NEEDS: dict[str, Callable[[int, int, int, int, int, bool], bool]] = {
    "not_floored": lambda n, k, s, p, d, c: not c,
    "not_ceiled": lambda n, k, s, p, d, c: c,
    "ceil_in_floor_mode": lambda n, k, s, p, d, c: not c,
    "floor_in_ceil_mode": lambda n, k, s, p, d, c: c,
    "last_window": lambda n, k, s, p, d, c: c,
    "dk_span": lambda n, k, s, p, d, c: d != 1,
    "slide_form": lambda n, k, s, p, d, c: d != 1,
    "padding_forgotten": lambda n, k, s, p, d, c: p != 0,
    "padding_one_side": lambda n, k, s, p, d, c: p != 0,
    "plus_one_forgotten": lambda n, k, s, p, d, c: True,
    "stride_ignored": lambda n, k, s, p, d, c: s != 1,
    "dilation_ignored": lambda n, k, s, p, d, c: d != 1,
}
SLIP_IDS = {slip.message: slip.id for slip in SIZE_SLIPS}


def test_every_slip_is_recomputed_here() -> None:
    assert set(SLIP_IDS.values()) == set(NEEDS)


@st.composite
def window_problems(draw: st.DrawFn) -> tuple[int, int, int, int, int, bool, str]:
    k = draw(st.integers(1, 6))
    d = draw(st.integers(1, 3))
    s = draw(st.integers(1, 4))
    ceil_mode = draw(st.booleans())
    p = draw(st.integers(0, k // 2))  # PyTorch: pooling padding at most half the kernel
    n = draw(st.integers(max(1, d * (k - 1) + 1 - 2 * p), 40))
    slip = draw(st.sampled_from(sorted(NEEDS)))
    return n, k, s, p, d, ceil_mode, slip


@given(window_problems(), st.integers(-2, 3))
def test_named_slips_give_the_answer_and_not_the_correct_one(
    problem: tuple[int, int, int, int, int, bool, str], offset: int
) -> None:
    n, k, s, p, d, ceil_mode, slip = problem
    options: dict[str, object] = {
        "kernel": str(k),
        "stride": str(s),
        "padding": str(p),
        "dilation": str(d),
        "ceil_mode": ceil_mode,
    }
    case = one_layer("maxpool", f"{n}x{n}x1", options)
    correct = torch_length(n, k, s, p, d, ceil_mode)
    assert case.result.output.size == (correct, correct)
    # the student's answer: what one slip gives, sometimes shifted to a number no slip gives
    answer = slip_length(slip, n, k, s, p, d, ceil_mode) + (offset if offset > 1 else 0)
    text = f"{answer}x{answer}"
    verdict = check_shape(text, case.layer, case.input, case.result)
    assert verdict.right == (answer == correct)
    for message in verdict.mistakes:
        named = SLIP_IDS[message]
        assert NEEDS[named](n, k, s, p, d, ceil_mode), (named, problem)
        assert slip_length(named, n, k, s, p, d, ceil_mode) == answer != correct


# --- regressions: the examples, by hand ----------------------------------------


def test_ceil_mode_rounded_down_is_the_slip() -> None:
    # 6x6, k3 s2, ceil: ceil((6 - 2 - 1)/2) + 1 = ceil(1.5) + 1 = 3; rounding down gives 2
    # (and so does ceil(1.5) without the + 1). No padding, no dilation: no slip of theirs.
    code, out, _ = run("pool", "-i", "6x6x1", "-k", "3", "-s", "2", "--ceil", "--expect", "2x2x1")
    assert code == 1
    verdict = out.split("\n\n")[0]
    assert "the correct answer is 3x3x1" in verdict
    assert "rounded down although ceil mode is set" in verdict
    for absent in ("padding", "dilat", "d*k", "rounded up instead of down"):
        assert absent not in verdict


def test_ceil_mode_last_window_rule_is_the_slip() -> None:
    # 5x5, k2 s2 p1, ceil: ceil((5 + 2 - 1 - 1)/2) + 1 = 4, but the last window would start
    # at (4 - 1)*2 = 6 >= 5 + 1, so PyTorch gives 3; 4 is the rule left out.
    code, out, _ = run(
        "pool", "-i", "5x5x1", "-k", "2", "-s", "2", "-p", "1", "--ceil", "--expect", "4x4x1"
    )
    assert code == 1
    assert out.startswith(
        "wrong: output size 4x4x1; the correct answer is 3x3x1\n  likely mistake: PyTorch's "
        "last-window rule was left out"
    )
    assert "rounded up instead of down" not in out


# --- answer forms and bounded numbers --------------------------------------------------

AXNET = ("conv", "-i", "55x55x3", "-k", "11", "-p", "5", "--filters", "96")


# (3*11*11 + 1)*96 = 34,944; (55 + 10 - 11)/1 + 1 = 55
@pytest.mark.parametrize("count", ["34944", "34,944", "34 944", "34_944", " 34,944 "])
def test_counts_with_thousands_separators(count: str) -> None:
    assert run(*AXNET, "--expect-params", count)[0] == 0


@pytest.mark.parametrize(
    "size",
    [
        *("55x55x96", "55X55X96", "55\u00d755\u00d796", "55*55*96", "(55, 55, 96)"),
        *("[55,55,96]", "55 x 55 x 96", "55 55 96", "55x55"),
    ],
)
def test_sizes_in_the_lectures_notations(size: str) -> None:
    assert run(*AXNET, "--expect", size)[0] == 0


@pytest.mark.parametrize("count", ["34,94", "3,4944", "34..944", "x", "", "12e3"])
def test_malformed_counts_are_refused(count: str) -> None:
    code, _, err = run(*AXNET, "--expect-params", count)
    assert code == 2 and err.startswith("cnncalc: error: --expect-params: a count is a whole")


@given(st.integers(0, 10**15), st.sampled_from([",", " ", "_", ""]))
def test_grouped_counts_read_back(value: int, separator: str) -> None:
    assert parse_count(f"{value:,}".replace(",", separator)) == value


@given(
    st.lists(st.integers(1, 5000), min_size=1, max_size=4),
    st.sampled_from(["x", "X", "\u00d7", "*", " x ", ", "]),
    st.sampled_from(["{}", "({})", "[{}]"]),
)
def test_sizes_read_back(values: list[int], mark: str, frame: str) -> None:
    assert parse_numbers(frame.format(mark.join(map(str, values)))) == values


def test_combined_parameter_slips() -> None:
    # no input channels and no bias: 11*11*96 = 11,616
    code, out, _ = run(*AXNET, "--expect-params", "11,616")
    assert code == 1 and "two slips: the input channels were left out" in out
    assert "and the bias was forgotten" in out
    # groups 2 on 4 channels, 4 filters of 3x3: (2*9 + 1)*4 = 76; groups ignored and no bias:
    # 4*9*4 = 144
    code, out, _ = run(
        "conv", "-i", "8x8x4", "-k", "3", "-g", "2", "-c", "4", "--expect-params", "144"
    )
    assert code == 1 and "the correct answer is 76" in out
    assert "two slips: the groups were ignored" in out


@pytest.mark.parametrize(
    "args",
    [
        [*AXNET, "--expect-params", "1e999999999"],
        [*AXNET, "--expect-params", "9" * 5000],
        [*AXNET, "--expect", "1e999999999x1x1"],
        [*AXNET, "--expect", "55x55x1e-99999999"],
        ["convolve", "-i", "1e999999999", "-k", "1"],
        ["convolve", "-i", "1 2; 3 4", "-k", "1/1e99999999"],
        ["convolve", "-i", "1", "-k", "9" * 5000],
    ],
)
def test_huge_numbers_are_refused_at_once(args: list[str]) -> None:
    with hang_guard():
        code, _, err = run(*args)
        assert code == 2 and err.startswith("cnncalc: error: --")


# --- inputs and defaults that would blame the student ----------------------------------


@pytest.mark.parametrize("command", [["conv", "-k", "2"], ["local", "-k", "2"], ["pool"]])
def test_two_numbers_on_a_window_layer_are_refused(command: list[str]) -> None:
    code, out, err = run(command[0], "-i", "3x3", *command[1:], "--expect", "2x2")
    assert (code, out) == (2, "")
    assert "3x3x1" in err and "--1d" in err and err.startswith("cnncalc: error: --input: ")


def test_a_1d_input_is_asked_for() -> None:
    # length 3 with 3 channels, kernel 2: 3 - 2 + 1 = 2 positions, 1 filter
    code, out, _ = run("conv", "-i", "3x3", "-k", "2", "--1d", "--expect", "2x1")
    assert code == 0 and out.startswith("right: output size 2x1\n")
    assert run("fc", "-i", "3x3", "--units", "2", "--expect-params", "20")[0] == 0  # (9+1)*2


def test_one_filter_assumed_is_said() -> None:
    # one filter: 3*11*11 + 1 = 364; 34,944 = 96*364
    code, out, _ = run("conv", "-i", "55x55x3", "-k", "11", "-p", "5", "--expect-params", "34944")
    assert code == 1
    assert "the correct answer is 364" in out
    assert "one filter was assumed; 34,944 is the count for 96 filters" in out
    code, out, _ = run(*AXNET, "--expect-params", "34944")
    assert code == 0 and "assumed" not in out


def test_symbolic_counts_are_graded() -> None:
    # (3*3*C + 1)*4 = 36C + 4
    code, out, err = run("conv", "-i", "8x8xC", "-k", "3", "-c", "4", "--expect-params", "100")
    assert (code, err) == (1, "")
    assert "the correct answer is 36C + 4" in out and "depends on a symbol" in out
    code, out, _ = run("conv", "-i", "8x8xC", "-k", "3", "-c", "4", "--expect", "6x6x4")
    assert code == 0  # 8 - 3 + 1 = 6; channels: the 4 filters


@pytest.mark.parametrize("index", ["9" * 5000, "\u00b2", "0", "23", "-1"])
def test_layer_index_out_of_range(index: str) -> None:
    # AlexNet (torchvision) has 22 layers
    code, _, err = run("explain", str(SPECS / "alexnet.yaml"), "-l", index)
    assert code == 2 and "no such layer" in err and len(err) < 400


# --- solve -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "flag"),
    [
        (["--input", "10", "--output", "5", "--stride", "0"], "--stride"),
        (["--input", "10", "--output", "5", "--kernel", "0"], "--kernel"),
        (["--input", "10", "--output", "5", "--padding", "-1"], "--padding"),
        (["--input", "10", "--output", "5", "--dilation", "0"], "--dilation"),
        (["--input", "0", "--output", "5"], "--input"),
        (["--input", "10", "--output", "0"], "--output"),
        (["--rf", "0"], "--rf"),
        (["--rf", "7", "--kernel", "0"], "--kernel"),
        (["--rf", "7", "--stride", "0"], "--stride"),
        (["--input", "10", "--output", "5", "--max-kernel", "0"], "--max-kernel"),
        (["--input", "10", "--output", "5", "--max-kernel", "100000"], "--max-kernel"),
        (["--input", "10", "--output", "5", "--max-stride", "1000000000"], "--max-stride"),
        (["--input", "10", "--output", "5", "--kernel", "100000000"], "--padding"),
    ],
)
def test_solve_refuses_the_impossible_and_the_unbounded(args: list[str], flag: str) -> None:
    with hang_guard():
        code, out, err = run("solve", *args)
        assert (code, out) == (2, "")
        assert err.startswith(f"cnncalc: error: {flag}: ")


def test_solve_rf_of_one_needs_no_layer() -> None:
    code, out, _ = run("solve", "--rf", "1")
    assert code == 0 and "needs no layer" in out and "-1" not in out


def test_solve_lists_the_textbook_settings_first() -> None:
    # 32 -> 16: k2 s2 p0 (floor(30/2) + 1 = 16) and k3 s2 p1 (floor(31/2) + 1 = 16) are
    # what a student tries; the dilated stride-1 ones (k9 d2: 32 - 17 + 1 = 16) come last
    code, out, _ = run("solve", "--input", "32", "--output", "16")
    assert code == 0
    header, _, *rows = out.splitlines()
    assert "stride, then kernel, then padding; dilated settings last" in header
    cells = [tuple(int(c) for c in row.split()[:4]) for row in rows]
    dilated = [i for i, (_, _, _, d) in enumerate(cells) if d > 1]
    assert cells.index((2, 2, 0, 1)) < cells.index((3, 2, 1, 1)) < min(dilated)
    assert cells == sorted(cells, key=lambda c: (c[3], c[1], c[0], c[2]))
    assert "dilated settings last" in run("solve", "--help")[1]


# --- convolve --------------------------------------------------------------------------


def test_convolve_bounds_the_padded_input() -> None:
    with hang_guard():
        code, _, err = run("convolve", "-i", "1", "-k", "1", "-p", "100000")
        assert code == 2 and err.startswith("cnncalc: error: --padding: the padded input has")


def test_convolve_bounds_the_work(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    big.write_text("\n".join(" ".join(["1"] * 1000) for _ in range(1000)))
    kernel = "; ".join(" ".join(["1"] * 30) for _ in range(30))
    # 971*971 outputs x 900 taps = 848,556,900 products
    code, _, err = run("convolve", "-i", str(big), "-k", kernel)
    assert code == 2 and "848,556,900 products" in err


def test_convolve_steps_are_capped() -> None:
    matrix = "; ".join(" ".join(["1"] * 30) for _ in range(30))
    code, out, _ = run("convolve", "-i", matrix, "-k", "1 1; 1 1", "--steps")
    assert code == 0
    # (30 - 2 + 1)^2 = 841 windows, each 1+1+1+1 = 4; the first 100 shown
    assert out.count("= 1x1 + 1x1 + 1x1 + 1x1 = 4") == 100
    assert "... 741 more windows not shown (the working of the first 100 is)" in out
    code, out, _ = run("convolve", "-i", matrix, "-k", "1 1; 1 1")
    assert code == 0 and "out[" not in out and len(out.splitlines()) == 29


# --- sheets ----------------------------------------------------------------------------


def _sheet(folder: Path, body: str, name: str = "s.yaml") -> Path:
    path = folder / name
    path.write_text("questions:\n" + body)
    return path


def test_sheet_grades_the_named_layer(tmp_path: Path) -> None:
    (tmp_path / "alexnet.yaml").write_text((SPECS / "alexnet.yaml").read_text())
    # torchvision AlexNet: conv1 k11 s4 (rf 11, jump 4), pool1 k3 s2 (11 + 2*4 = 19, jump 8),
    # conv2 k5: 19 + 4*8 = 51
    body = "  - spec: alexnet.yaml\n    layer: conv2\n    ask: rf\n    answer: 51\n"
    body += "  - spec: alexnet.yaml\n    at: conv2\n    ask: rf\n    answer: 51\n"
    body += "  - spec: alexnet.yaml\n    layer: 4\n    ask: rf\n    answer: 51x51\n"
    sheet = _sheet(tmp_path, body)
    code, out, _ = run("check", str(sheet), "-f", "json")
    assert code == 0
    layers = [q["layer"] for q in json.loads(out)["questions"]]
    assert layers == [{"name": "conv2", "index": 4}] * 3
    code, out, _ = run("check", str(sheet))
    assert code == 0 and out.splitlines()[0].split() == [
        *("question", "|", "asked", "|", "layer", "|", "answer", "|", "correct", "|", "verdict")
    ]
    assert "| conv2 (4) |" in out


@pytest.mark.parametrize(
    ("body", "line", "message"),
    [
        (
            "  - spec: alexnet.yaml\n    layer: nosuchlayer\n    ask: rf\n    answer: 51\n",
            3,
            "at questions[0].layer: 'nosuchlayer': no such layer",
        ),
        (
            "  - spec: alexnet.yaml\n    input: 3x3x1\n    ask: rf\n    answer: 51\n",
            2,
            "at questions[0].spec: 'spec' with 'input'",
        ),
        (
            "  - spec: alexnet.yaml\n    layer: conv1\n    at: conv2\n    ask: rf\n    answer: 5\n",
            4,
            "at questions[0].at: 'at' with 'layer'",
        ),
        (
            "  - input: 8x8x1\n    layer: relu\n    at: 1\n    ask: rf\n    answer: 1\n",
            4,
            "at questions[0].at: 'at' names a layer of 'spec'",
        ),
        (
            "  - spec: alexnet.yaml\n    layer: {conv: {filters: 1}}\n    ask: rf\n    answer: 1\n",
            3,
            "at questions[0].layer: with 'spec', 'layer' names the layer to grade",
        ),
        (
            "  - spec: alexnet.yaml\n    layr: conv1\n    ask: rf\n    answer: 1\n",
            3,
            "unknown key 'layr' (did you mean 'layer'?)",
        ),
    ],
)
def test_sheet_refuses_unknown_layers_and_conflicting_keys(
    tmp_path: Path, body: str, line: int, message: str
) -> None:
    (tmp_path / "alexnet.yaml").write_text((SPECS / "alexnet.yaml").read_text())
    sheet = _sheet(tmp_path, body)
    code, out, err = run("check", str(sheet))
    assert (code, out) == (2, "")
    assert err.startswith(f"cnncalc: error: {sheet}, line {line}, ")
    assert message in err


def test_sheet_reads_specs_only_inside_its_folder(tmp_path: Path) -> None:
    inner = tmp_path / "sheet"
    inner.mkdir()
    (tmp_path / "outside.yaml").write_text((SPECS / "alexnet.yaml").read_text())
    (inner / "link.yaml").symlink_to(tmp_path / "outside.yaml")
    (inner / "passwd.yaml").symlink_to("/etc/passwd")
    secret = tmp_path / "secret.yaml"
    secret.write_text("password: hunter2\nother: x\n")
    cases = ["../outside.yaml", str(tmp_path / "outside.yaml"), "link.yaml", "passwd.yaml"]
    cases += ["/etc/passwd", "../secret.yaml", "../sheet/../outside.yaml"]
    for spec in cases:
        sheet = _sheet(inner, f"  - spec: {spec}\n    ask: rf\n    answer: 1\n")
        code, out, err = run("check", str(sheet))
        assert (code, out) == (2, ""), spec
        assert "spec path leaves the sheet's folder" in err, spec
        assert "root:" not in err and "hunter2" not in err
        code, out, err = run("check", str(sheet), "--allow-outside")
        assert "root:" not in err and "hunter2" not in err, spec
        if spec in ("/etc/passwd", "passwd.yaml", "../secret.yaml"):
            assert code == 2 and "not a spec" in err, spec
        else:
            assert code == 1 and "fc8 (22)" in out, spec  # graded: the last layer
    (inner / "own.yaml").write_text((SPECS / "alexnet.yaml").read_text())
    sheet = _sheet(inner, "  - spec: own.yaml\n    layer: conv1\n    ask: rf\n    answer: 11\n")
    assert run("check", str(sheet))[0] == 0


def test_sheet_answers_in_the_lectures_notations(tmp_path: Path) -> None:
    # (3*11*11 + 1)*96 = 34,944; 55x55x96
    # MACs: 55*55*96 outputs x 3*11*11 = 290,400 x 363 = 105,415,200
    layer = "input: 55x55x3\n    layer: {conv: {filters: 96, kernel: 11, padding: 5}}"
    answers = [
        ("params", "34,944"),
        ("params", "34 944"),
        ("output", "(55, 55, 96)"),
        ("output", "55X55X96"),
        ("macs", "105,415,200"),
    ]
    body = "".join(f"  - {layer}\n    ask: {a}\n    answer: {v}\n" for a, v in answers)
    code, out, err = run("check", str(_sheet(tmp_path, body)))
    assert (code, err) == (0, ""), out


def test_check_help_documents_the_format() -> None:
    out = run("check", "--help")[1]
    for word in ("spec", "layer", "at", "input", "--allow-outside", "docs/sheets.md"):
        assert word in out
    assert (Path(__file__).resolve().parent.parent / "docs" / "sheets.md").is_file()


# --- no argument list ends in a bug ----------------------------------------------------


@given(HOMEWORK_COMMAND_LINES)
def test_no_argument_list_ends_in_a_bug(args: list[str]) -> None:
    code, _, err = run(*args)
    assert code in (0, 1, 2), (args, err)
    assert "internal error" not in err and "Traceback" not in err


@settings(max_examples=80)  # smaller than the profile's: each example reads a sheet
@given(
    st.sampled_from(["spec", "layer", "at", "input", "id", "question", "ask", "answer"]),
    OPTION_VALUES,
    st.sampled_from(["output", "params", "rf", "jump", "macs", "size"]),
    OPTION_VALUES,
    st.booleans(),
)
def test_no_sheet_ends_in_a_bug(
    tmp_path_factory: pytest.TempPathFactory,
    key: str,
    value: str,
    ask: str,
    answer: str,
    with_spec: bool,
) -> None:
    folder = tmp_path_factory.getbasetemp()
    if with_spec:
        fields = {"spec": '"INPUT(8x8x3) -> CONV(4, 3, name=conv2) -> RELU"', "layer": "conv2"}
    else:
        fields = {"input": "5x5x3", "layer": "{conv: {filters: 2, kernel: 3}}"}
    fields |= {"ask": ask, "answer": json.dumps(answer), key: json.dumps(value)}
    body = "  - " + "\n    ".join(f"{k}: {v}" for k, v in fields.items()) + "\n"
    sheet = _sheet(folder, body, "fuzz.yaml")
    for extra in ([], ["--allow-outside"]) if key == "spec" else ([],):
        code, _, err = run("check", str(sheet), *extra)
        assert code in (0, 1, 2), (body, err)
        assert "internal error" not in err


def test_library_errors_name_no_flag() -> None:
    with pytest.raises(CnnCalcError) as error:
        one_layer("conv", "3x3", {"kernel": "2", "filters": 1})
    assert "--" not in str(error.value) and error.value.option == "input"
    with pytest.raises(CnnCalcError) as error:
        parse_count("1e999999999")
    assert "--" not in str(error.value) and error.value.option == "expect_params"
