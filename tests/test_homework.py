"""Homework mode: worked derivations, answer checks and their exit codes, convolve, solve.

Expected values are the lecture's and cs231n's worked examples (docs/published-figures.md),
derived by hand.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cnncalc.teach.solve import layers_for_rf, solve_size
from tests.clirun import run_cli
from tests.conftest import SPECS

GOLDEN = Path(__file__).parent / "golden"


run = run_cli


# docs/published-figures.md: The lecture (dilated convolution)
def test_dilated_conv_derivation_golden() -> None:
    code, out, err = run(
        "conv", "-i", "11x11x3", "-k", "3", "-p", "1", "-s", "2", "-d", "2", "--filters", "3"
    )
    assert (code, err) == (0, "")
    assert out == (GOLDEN / "conv_dilated.txt").read_text()
    assert "= floor((11 + 2*1 - 2*(3-1) - 1)/2) + 1 = floor(8/2) + 1 = 5" in out


# docs/published-figures.md: The lecture
def test_parameter_sharing_numbers_and_ratios() -> None:
    code, out, _ = run(
        "conv", "-i", "55x55x3", "-k", "11", "-p", "5", "--filters", "96", "-f", "json"
    )
    assert code == 0
    data = json.loads(out)["derivation"]["steps"]
    steps = {s["quantity"]: s["result"] for s in data}
    assert steps["parameters (shared)"] == 34_944
    assert steps["parameters (no sharing)"] == 105_705_600
    assert steps["parameters (fully connected)"] == 2_635_670_400
    assert steps["ratios"] is None  # words: in result_text
    ratios = {s["quantity"]: s.get("result_text") for s in data}["ratios"]
    assert ratios == "3,025x; 75,425.5x"  # 2,635,670,400 / 34,944 = 75,425.549


# docs/published-figures.md: The lecture (dilated convolution)
@pytest.mark.parametrize(
    ("args", "code", "text"),
    [
        (
            ["--expect", "5x5x3", "--expect-params", "84"],
            0,
            "right: output size 5x5x3\nright: parameters 84\n",
        ),
        (["--expect", "5x5"], 0, "right: output size 5x5\n"),
        (
            ["--expect", "5x5x1"],
            1,
            "wrong: output size 5x5x1; the correct answer is 5x5x3\n  likely mistake: the "
            "channels: the output has 3 channels\n",
        ),
        (
            ["--expect-params", "81"],
            1,
            "wrong: parameters 81; the correct answer is 84\n  likely mistake: the bias was "
            "forgotten: add one per filter (C_out)\n",
        ),
        (
            ["--expect-params", "30"],
            1,
            "wrong: parameters 30; the correct answer is 84\n  likely mistake: the input channels "
            "were left out: each filter is 3x3x3 (C_in/g * k)\n",
        ),
    ],
)
def test_expect_verdicts_and_exit_codes(args: list[str], code: int, text: str) -> None:
    got, out, _ = run(
        "conv", "-i", "11x11x3", "-k", "3", "-p", "1", "-s", "2", "-d", "2", "--filters", "3", *args
    )
    assert got == code
    assert out.startswith(text)


# docs/published-figures.md: The lecture (dilated convolution)
def test_lecture_slide_formula_is_named() -> None:
    code, out, _ = run(
        "conv",
        "-i",
        "11x11x3",
        "-k",
        "3",
        "-p",
        "1",
        "-s",
        "2",
        "-d",
        "2",
        "--filters",
        "3",
        "--expect",
        "4x4x3",
    )
    assert code == 1
    # Each slip gives 4 on 11 + 2*1 = 13 (PyTorch: floor((13 - 4 - 1)/2) + 1 = 5):
    # span d*k = 6: floor((13 - 6)/2) + 1 = 4; the slide's (13 - (6 - 1) - 1)/2 + 1 = 4.5;
    # no padding: (11 - 4 - 1)/2 + 1 = 4; padding on one side: floor((12 - 5)/2) + 1 = 4;
    # no + 1: floor((13 - 5)/2) = 4.
    assert out.startswith(
        "wrong: output size 4x4x3; the correct answer is 5x5x3\n"
        "  each of these slips gives 4x4x3:\n"
        "    - the dilated kernel was taken as d*k; it spans d*(k-1) + 1\n"
        "    - one too many subtracted: (n + 2p - (d*k - 1) - 1)/s + 1 (the lecture slide's "
        "form) takes d*k - 1 for the span and then 1 more; PyTorch's is "
        "(n + 2p - d*(k-1) - 1)/s + 1\n"
        "    - the padding was forgotten\n"
        "    - the padding was added on one side only (n + p instead of n + 2p)\n"
        "    - the + 1 was forgotten\n"
    )


# docs/published-figures.md: cs231n
def test_cs231n_examples() -> None:
    assert run("conv", "-i", "7x7x1", "-k", "3", "--expect", "5x5x1")[0] == 0
    assert run("conv", "-i", "7x7x1", "-k", "3", "-s", "2", "--expect", "3x3x1")[0] == 0
    code, out, _ = run("conv", "-i", "10x10x1", "-k", "3", "-s", "2", "--expect", "4.5x4.5x1")
    assert code == 1 and "= floor(7/2) + 1 = floor(3.5) + 1 = 4" in out
    assert out.startswith(
        "wrong: output size 4.5x4.5x1; the correct answer is 4x4x1\n  likely mistake: the "
        "floor was not taken: (n + 2p - d*(k-1) - 1)/s + 1 must be rounded down\n"
    )


# docs/published-figures.md: The lecture (pooling), cs231n (VGG-16's first FC)
def test_pool_and_fc() -> None:
    code, out, _ = run("pool", "-i", "50x100x16", "-k", "3", "-s", "2", "--expect", "24x49x16")
    assert code == 0
    code, out, _ = run("pool", "-i", "5x5x1", "-k", "2", "--ceil", "--expect", "3x3x1")
    assert code == 0
    for axis in "HW":  # ceil((5 - 1 - 1)/2) + 1 = ceil(1.5) + 1 = 3
        assert (
            f"  output {axis}\n    ceil((n + 2p - d*(k-1) - 1)/s) + 1\n"
            "    = ceil((5 + 2*0 - 1*(2-1) - 1)/2) + 1 = ceil(3/2) + 1 = ceil(1.5) + 1 = 3\n"
        ) in out
    # 7*7*512 = 25,088 inputs: 25,088 * 4096 = 102,760,448 weights, + 4096 biases
    code, out, _ = run("fc", "-i", "7x7x512", "--units", "4096", "--expect-params", "102760448")
    assert code == 1
    assert out.startswith(
        "wrong: parameters 102,760,448; the correct answer is 102,764,544\n"
        "  likely mistake: the bias was forgotten: add one per output unit\n"
    )
    assert "    = (25,088 + 1) * 4096 = 102,764,544\n" in out
    assert "    = 25,088 * 4096 = 102,760,448\n" in out  # MACs: the weights without bias


# docs/published-figures.md: Receptive fields (vgg_16, alexnet_v2)
def test_explain_a_layer_of_a_spec() -> None:
    code, out, _ = run("explain", str(SPECS / "vgg16.yaml"), "--layer", "pool5")
    assert code == 0
    # By hand from TF-slim's table (docs/published-figures.md: Receptive fields):
    # conv5_2 has r = 164, j = 16, P = 74; conv5_3 (k 3) gives r = 164 + 2*16 = 196,
    # P = 74 + 16 = 90, start = (196 - 1)/2 - 90 = 7.5; pool5 (k 2, s 2, p 0) then gives
    # r = 196 + (2 - 1)*16 = 212, j = 16*2 = 32, start = 7.5 + (1/2 - 0)*16 = 15.5.
    for axis in "HW":
        assert (
            f"  receptive field {axis}\n    r = r_in + (k_eff - 1)*j_in\n"
            "    = 196 + (2 - 1)*16 = 212\n"
            f"  jump {axis}\n    j = j_in * s\n    = 16 * 2 = 32\n"
            f"  start {axis}\n    start = start_in + ((k_eff - 1)/2 - p_left)*j_in\n"
            "    = 7.5 + ((2 - 1)/2 - 0)*16 = 15.5\n"
        ) in out
        # 224 halved four times is 14: floor((14 - 1*(2 - 1) - 1)/2) + 1 = 7
        assert (
            f"  output {axis}\n    floor((n + 2p - d*(k-1) - 1)/s) + 1\n"
            "    = floor((14 + 2*0 - 1*(2-1) - 1)/2) + 1 = floor(12/2) + 1 = 7\n"
        ) in out
    code, out, _ = run(
        "explain", str(SPECS / "alexnet.yaml"), "--layer", "conv2", "--expect", "27x27x192"
    )
    assert code == 0
    assert "= 19 + (5 - 1)*8 = 51" in out  # receptive field from pool1's 19 and jump 8
    code, _, err = run("explain", str(SPECS / "alexnet.yaml"), "--layer", "conv9")
    assert code == 2 and "--layer conv9: no such layer" in err


# docs/published-figures.md: The lecture
def test_convolve_lecture_example() -> None:
    code, out, _ = run("convolve", "-i", "1 2 3; 4 5 6; 7 8 9", "-k", "10 20; 30 40", "--steps")
    assert code == 0
    assert "out[0][1] = 2x10 + 3x20 + 5x30 + 6x40 = 470" in out
    assert "out[1][1] = 5x10 + 6x20 + 8x30 + 9x40 = 770" in out


def test_convolve_padding_stride_channels_and_pools() -> None:
    code, out, _ = run(
        "convolve",
        "-i",
        "1 2 3; 4 5 6; 7 8 9",
        "-k",
        "10 20 30; 40 50 60; 30 20 10",
        "-p",
        "1",
        "-s",
        "2",
    )
    # top-left window of the padded input: 1x50 + 2x60 + 4x20 + 5x10 = 300
    assert code == 0 and out.split()[0] == "300"
    code, out, _ = run("convolve", "-i", "1 2; 3 4 | 1 1; 1 1", "-k", "1 0; 0 1 | 1 1; 1 1")
    assert out.split() == ["9"]  # (1 + 4) + (1 + 1 + 1 + 1)
    code, out, _ = run("convolve", "-i", "1 2; 3 4", "--op", "max", "--size", "2", "--steps")
    assert "out[0][0] = max(1, 2, 3, 4) = 4" in out
    code, _, err = run("convolve", "-i", "1 2; 3", "-k", "1")
    assert code == 2 and "rows have different lengths" in err


# docs/published-figures.md: torchvision (AlexNet's conv1), cs231n
def test_solve() -> None:
    first = solve_size(32, 32, kernel=5)[0]
    assert (first.kernel, first.stride, first.padding, first.dilation) == (5, 1, 2, 1)
    alexnet = solve_size(224, 55, kernel=11, stride=4)
    assert [s.padding for s in alexnet if s.dilation == 1] == [2, 3]
    assert layers_for_rf(7, 3) == 3  # three stacked 3x3 layers see 7x7
    assert layers_for_rf(100, 3) == 50
    code, out, _ = run("solve", "--input", "32", "--output", "32", "--kernel", "5")
    assert code == 0 and "     5       1        2         1  yes" in out


# docs/published-figures.md: cs231n, The lecture
def test_compare_reads_49c2_vs_27c2() -> None:
    code, out, _ = run(
        "compare",
        "INPUT(32x32xC) -> CONV(C, 7, p=3, bias=false)",
        "INPUT(32x32xC) -> [CONV(C, 3, p=1, bias=false)]*3",
        "-f",
        "json",
    )
    assert code == 0
    first, second = json.loads(out)["networks"]
    totals = first["totals"], second["totals"]
    assert [t["params"] for t in totals] == [None, None]  # symbolic: the text beside it
    assert [t["params_expr"] for t in totals] == ["49C^2", "27C^2"]
    assert second["ratios"]["params"] == pytest.approx(27 / 49)
    assert first["receptive_field"]["size"] == second["receptive_field"]["size"] == [7, 7]
    code, out, _ = run(
        "compare",
        "INPUT(32x32xC) -> CONV(C, 7, p=3, bias=false)",
        "INPUT(32x32xC) -> [CONV(C, 3, p=1, bias=false)]*3",
    )
    assert code == 0
    rows = [[cell.strip() for cell in line.split("|")] for line in out.splitlines()[2:]]
    # 32*32 = 1,024 positions: MACs 49C^2 * 1,024 = 50,176C^2 and 27C^2 * 1,024 = 27,648C^2;
    # activations 1,024C per layer; 27/49 = 0.551
    assert rows == [
        [
            "INPUT(32x32xC) -> CONV(C, 7, p=3, bias=false)",
            *("32x32xC", "7", "49C^2", "1x", "50,176C^2", "1x", "1,024C", "1x"),
        ],
        [
            "INPUT(32x32xC) -> [CONV(C, 3, p=1, bias=false)]*3",
            *("32x32xC", "7", "27C^2", "0.551x", "27,648C^2", "0.551x", "3,072C", "3x"),
        ],
    ]


def test_compare_needs_two_specs() -> None:
    code, _, err = run("compare", str(SPECS / "vgg16.yaml"))
    assert (code, err) == (2, "cnncalc: error: compare needs two or more specs\n")


# docs/published-figures.md: The lecture
def test_check_sheet_grades_the_lecture() -> None:
    sheet = str(Path(__file__).resolve().parent.parent / "sheets" / "lecture5.yaml")
    code, out, _ = run("check", sheet, "-f", "json")
    assert code == 1
    data = json.loads(out)
    assert (data["right"], data["total"]) == (9, 10)
    wrong = [q for q in data["questions"] if not q["right"]]
    assert [(q["id"], q["answer"], q["correct"]) for q in wrong] == [("4", [4, 4, 3], [5, 5, 3])]
    assert wrong[0]["answer_text"] == "4x4x3"
    # the five slips that each give 4 (worked in test_lecture_slide_formula_is_named)
    assert len(wrong[0]["mistakes"]) == 5
    assert wrong[0]["mistakes"][1] == (
        "one too many subtracted: (n + 2p - (d*k - 1) - 1)/s + 1 (the lecture slide's form) "
        "takes d*k - 1 for the span and then 1 more; PyTorch's is (n + 2p - d*(k-1) - 1)/s + 1"
    )
    code, out, _ = run("check", sheet)
    assert code == 1
    assert "\n9 of 10 right\n" in out
    assert (
        "\nquestion 4: An 11x11x3 input, a 3x3x3 filter (three of them), padding 1, stride 2, "
        "dilation 2?\nwrong: output size 4x4x3; the correct answer is 5x5x3\n"
    ) in out


def test_check_sheet_errors_point_at_the_key(tmp_path: Path) -> None:
    sheet = tmp_path / "s.yaml"
    sheet.write_text(
        "questions:\n  - input: 8x8x1\n    layer: relu\n    ask: size\n    answer: 8x8x1\n"
    )
    code, _, err = run("check", str(sheet))
    assert code == 2
    assert err == (
        f"cnncalc: error: {sheet}, line 4, at questions[0].ask: unknown quantity "
        "'size'; ask one of output, params, params_nonshared, params_fc, macs, "
        "activations, rf, jump\n"
    )
    sheet.write_text(
        "questions:\n  - input: 8x8x1\n    layer: relu\n    ask: output\n    answer: 8x8x1\n"
    )
    assert run("check", str(sheet))[0] == 0


# docs/published-figures.md: GoogLeNet
def test_explain_merges_and_wired_layers() -> None:
    code, out, _ = run("explain", str(SPECS / "googlenet.yaml"), "--layer", "inception3a")
    assert code == 0
    assert (
        "= 64 (inception3a.branch1) + 128 (inception3a.branch2) + 32 (inception3a.branch3)"
        " + 32 (inception3a.branch4) = 256"
    ) in out
    # a layer wired with 'from' is explained from the layer it reads, not the one above
    code, out, _ = run("explain", str(SPECS / "resnet18.yaml"), "--layer", "layer2.0.down")
    # layer2's 1x1 stride-2 shortcut reads layer1's 56x56 map: floor(55/2) + 1 = 28
    assert code == 0
    assert (
        "    = floor((56 + 2*0 - 1*(1-1) - 1)/2) + 1 = floor(55/2) + 1 = floor(27.5) + 1 = 28\n"
    ) in out
