"""The command line: every format, every error class, exit codes and exact messages."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from cnncalc import __version__
from tests.clirun import run_cli
from tests.conftest import SPECS

GOLDEN = Path(__file__).parent / "golden"


run = run_cli


def test_version() -> None:
    code, out, _ = run("--version")
    assert (code, out) == (0, f"cnncalc {__version__}\n")


@pytest.mark.parametrize(
    "command",
    [
        "summarize",
        "expand",
        "format",
        "conv",
        "local",
        "pool",
        "fc",
        "explain",
        "convolve",
        "compare",
        "solve",
        "check",
        "memory",
    ],
)
def test_help_has_examples(command: str) -> None:
    code, out, _ = run(command, "--help")
    assert code == 0
    assert "Examples:" in out


def test_summarize_table_golden() -> None:
    code, out, err = run("summarize", str(SPECS / "alexnet.yaml"))
    assert (code, err) == (0, "")
    assert out == (GOLDEN / "alexnet_table.txt").read_text()


def test_summarize_json_schema_and_numbers() -> None:
    code, out, err = run("summarize", str(SPECS / "vgg16.yaml"), "--format", "json")
    assert (code, err) == (0, "")
    data = json.loads(out)
    assert set(data) >= {"name", "input", "layers", "totals", "warnings"}
    assert data["input"] == {"channels": 3, "size": [224, 224]}
    assert data["totals"]["params"] == 138_357_544
    assert data["totals"]["macs"] == 15_470_264_320
    assert data["totals"]["param_bytes"] == 4 * 138_357_544
    layer = data["layers"][0]
    assert set(layer) == {
        "index",
        "name",
        "type",
        "hyper",
        "output",
        "params",
        "params_nonshared",
        "params_fc",
        "receptive_field",
        "macs",
        "activations",
        "inputs",
        "training_only",
        "shares",
        "frozen",
        "buffers",
        "live_elements",
        "live_bytes",
    }
    assert set(layer["receptive_field"]) == {"size", "jump", "start", "padding"}
    assert layer["output"] == {"channels": 64, "size": [224, 224]}
    assert layer["inputs"] == ["input"]
    assert data["layers"][1]["inputs"] == [layer["name"]]
    assert layer["inputs"] == ["input"]
    assert data["layers"][1]["inputs"] == [layer["name"]]
    assert data["layers"][-1]["output"] == {"channels": 1000, "size": []}


def test_json_integers_stay_exact() -> None:
    code, out, _ = run("summarize", "INPUT(1000000x1000000x1000) -> CONV(1000000, 1)", "-f", "json")
    assert code == 0
    assert json.loads(out)["totals"]["macs"] == 10**12 * 1000 * 10**6


def test_dtype_changes_bytes() -> None:
    code, out, _ = run("summarize", str(SPECS / "alexnet.yaml"), "-f", "json", "--dtype", "float16")
    assert code == 0
    assert json.loads(out)["totals"]["param_bytes"] == 2 * 61_100_840


def test_csv_has_one_row_per_layer() -> None:
    code, out, _ = run("summarize", str(SPECS / "lenet5.yaml"), "-f", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 12
    assert rows[0]["name"] == "C1" and rows[0]["params"] == "156"


def test_markdown_table() -> None:
    code, out, _ = run("summarize", str(SPECS / "lenet5.yaml"), "-f", "markdown")
    assert code == 0
    assert out.startswith("## LeNet-5 (dense variant)\n")
    assert "| 1 | C1 | conv | 5 | 1 | 0 | 1 | 28x28x6 | 156 |" in out
    assert "- **params**: 61,706 (61.7 k)" in out


def test_output_file_is_written(tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    code, out, _ = run("summarize", str(SPECS / "lenet5.yaml"), "-f", "json", "-o", str(target))
    assert (code, out) == (0, "")
    assert json.loads(target.read_text())["totals"]["params"] == 61_706
    assert list(tmp_path.iterdir()) == [target]


def test_stdin_grammar_and_yaml() -> None:
    code, out, _ = run("summarize", "-", "-f", "json", input="INPUT(8x8x1) -> CONV(4) -> FC(2)")
    assert code == 0 and json.loads(out)["totals"]["params"] == 40 + (144 + 1) * 2
    code, out, _ = run("summarize", "-", "-f", "json", input="input: 8x8x1\nlayers: [fc: 2]\n")
    assert code == 0 and json.loads(out)["totals"]["params"] == 130


def test_markup_like_text_survives() -> None:
    code, out, _ = run("summarize", 'INPUT(8x8x1) -> CONV(4, name="[bold]x[/x]")')
    assert code == 0
    assert "[bold]x[/x]" in out
    code, out, _ = run("summarize", 'INPUT(8x8x1) -> CONV(4, name="[bold]x[/x]")', "-f", "markdown")
    assert "[bold]x[/x]" in out


ERRORS = [
    (
        ["summarize", "INPUT(8x8x1) -> [CONV(2"],
        "cnncalc: error: <inline>:1:22: syntax error: '(' of CONV is never closed\n"
        "    INPUT(8x8x1) -> [CONV(2\n"
        "                         ^\n",
    ),
    (
        ["summarize", "INPUT(8x8x1) -> [CONV(64) RELU]"],
        "cnncalc: error: <inline>:1:27: syntax error: expected '->' or ']' after CONV(64), "
        "got 'RELU'\n"
        "    INPUT(8x8x1) -> [CONV(64) RELU]\n"
        "                              ~~~^\n",
    ),
    (
        ["summarize", "INPUT(8x8x1) -> CNV(64)"],
        "cnncalc: error: <inline>:1:17: unknown layer kind 'CNV' (did you mean 'conv'?); known "
        "kinds: conv, local, maxpool, avgpool, gap, gmp, adaptive_avgpool, adaptive_maxpool, "
        "flatten, add, concat, identity, fc, dropout, batchnorm, lrn, relu, relu6, leaky_relu, "
        "prelu, elu, selu, gelu, silu, mish, hardswish, hardsigmoid, sigmoid, tanh, softplus, "
        "softmax, log_softmax, multiply, channel_shuffle, slice, split, layernorm, groupnorm, "
        "instancenorm, layer_scale, drop_path, dwconv, sepconv, conv_transpose, upsample, "
        "pixel_shuffle, pixel_unshuffle, pad, crop\n"
        "    INPUT(8x8x1) -> CNV(64)\n"
        "                    ~~~~~~^\n",
    ),
    (
        ["summarize", "INPUT(8x8x1) -> CONV(8, 11)"],
        "cnncalc: error: <inline>:1:17: layer 1 (conv1): kernel 11 is larger than the padded "
        "input 8 (8 + 0 + 0) on axis H\n"
        "    INPUT(8x8x1) -> CONV(8, 11)\n"
        "                    ~~~~~~~~~~^\n",
    ),
    (
        ["summarize", "INPUT(8x8x3) -> CONV(8, g=2)"],
        "cnncalc: error: <inline>:1:17: layer 1 (conv1): groups 2 must divide both the input "
        "channels (3) and the filters (8)\n"
        "    INPUT(8x8x3) -> CONV(8, g=2)\n"
        "                    ~~~~~~~~~~~^\n",
    ),
    (
        ["summarize", "INPUT(8x8x1) -> [CONV(8) -> RELU]*1000000000"],
        "cnncalc: error: <inline>:1:17: the spec expands to 2,000,000,000 layers, more than "
        "the limit of 1,000,000 (raise it with --max-layers)\n",
    ),
    (
        ["summarize", str(SPECS / "../tests/corpus/two-kinds.yaml")],
        f"cnncalc: error: {SPECS / '../tests/corpus/two-kinds.yaml'}, line 3, at "
        "layers[0].relu: one layer per list item: 'conv' and 'relu' are both layer kinds\n",
    ),
    (
        ["summarize", "nosuch/spec.yaml"],
        "cnncalc: error: nosuch/spec.yaml: no such file\n",
    ),
    (
        ["summarize", "INPUT(8x8x1) -> FC(2)", "--dtype", "float31"],
        "cnncalc: error: --dtype: unknown dtype 'float31' (did you mean 'float32'?); known: "
        "float64, float32, tf32, float16, bfloat16, int8, uint8, fp8\n",
    ),
    (
        ["summarize", "INPUT(8x8x1) -> FC(2)", "--dtype", "int4"],
        "cnncalc: error: --dtype: int4 packs several values in a byte, and the summary's "
        "memory figures are whole bytes per value; 'cnncalc memory --dtype int4' counts it, "
        "each tensor rounded up to whole bytes\n",
    ),
    (
        ["summarize", "INPUT(8x8x1) -> FC(2)", "--set", "N"],
        "cnncalc: error: --set takes NAME=INTEGER (e.g. --set N=2), got 'N'\n",
    ),
]


@pytest.mark.parametrize(("args", "message"), ERRORS)
def test_error_messages(args: list[str], message: str) -> None:
    code, out, err = run(*args)
    assert (code, out) == (2, "")
    assert err == message


def test_errors_about_options_name_the_flag() -> None:
    """Library messages name no flag; the command line adds its own spelling."""
    code, _, err = run("summarize", "INPUT(8x8x1) -> [RELU]*N")
    assert code == 2
    assert err.splitlines()[0].endswith("in a YAML spec (bind it with --set NAME=INTEGER)")
    code, _, err = run("summarize", "CONV(8)")
    assert code == 2
    assert err.splitlines()[0].endswith("INPUT(32x32x3) (or give the size with --input HxWxC)")
    code, _, err = run("summarize", "specs/alexnet.yaml", "--input", "0x3")
    assert (code, err) == (2, "cnncalc: error: --input 0x3: input sizes must be positive, got 0\n")


def test_directory_is_not_a_spec(tmp_path: Path) -> None:
    code, _, err = run("summarize", str(tmp_path / "d.yaml"))
    assert code == 2 and "no such file" in err
    folder = tmp_path / "d.yaml"
    folder.mkdir()
    code, _, err = run("summarize", str(folder))
    assert (code, err) == (2, f"cnncalc: error: {folder}: is a directory, not a spec file\n")


def test_binary_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_bytes(b"\x00\x01\x02")
    code, _, err = run("summarize", str(path))
    assert code == 2 and "binary file" in err


def test_expand_and_format() -> None:
    code, out, _ = run("expand", "INPUT(8x8x1) -> [CONV(4) -> RELU]*2 -> POOL? -> FC(2)")
    assert code == 0
    assert out == (
        "# optional POOL? at <inline>:1:40: taken\n"
        "INPUT(8x8x1)\n-> CONV(4)\n-> RELU\n-> CONV(4)\n-> RELU\n-> MAXPOOL\n-> FC(2)\n"
    )
    code, out, _ = run("expand", "INPUT(8x8x1) -> POOL? -> FC(2)", "--no-optional", "-f", "yaml")
    assert out == (
        "# optional POOL? at <inline>:1:17: left out\ninput: 8x8x1\nlayers:\n- fc: {units: 2}\n"
    )
    code, out, _ = run("format", "input(8x8x1)->[conv(4,kernel=3,stride=2)->relu]*N->fc(2)")
    assert out == "INPUT(8x8x1) -> [CONV(4, k=3, s=2) -> RELU]*N -> FC(2)\n"


def test_python_m_entry_point() -> None:
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "cnncalc", "--version"], capture_output=True, text=True, check=False
    )
    assert (done.returncode, done.stdout) == (0, f"cnncalc {__version__}\n")


def test_kinds_lists_the_one_table() -> None:
    code, out, _ = run("kinds", "Conv2d")
    assert code == 0
    assert out.startswith(
        "conv (also convolution, conv1d, conv2d, conv3d): convolution with "
        "weight sharing\n    positional: filters, kernel\n"
    )
    assert "    bias (also use_bias): default true\n" in out
    code, _, err = run("kinds", "cnv")
    assert code == 2 and err.startswith(
        "cnncalc: error: unknown layer kind 'cnv' (did you mean 'conv'?)"
    )
