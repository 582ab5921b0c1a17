"""Views people know: the trainable split and frozen layers, ``--style`` footers against
torchinfo, torchsummary and Keras run for real, ``--batch`` and ``--layout``."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import cnncalc
from cnncalc.errors import CnnCalcError
from cnncalc.rendering.styles import footer_of, keras_size
from cnncalc.results import Shape, batched, shape_text
from cnncalc.spec import layer_names
from tests.clirun import run_cli
from tests.conftest import SPECS
from tests.strategies import VALID_CHAINS

FIXTURE = json.loads(
    (Path(__file__).parent / "fixtures" / "style_footers.json").read_text(encoding="utf-8")
)


def _spec(case: dict[str, Any]) -> cnncalc.NetworkSpec:
    """The case's spec, with the generator's frozen part frozen."""
    text = case["spec"]
    spec = cnncalc.load(text) if text.endswith(".yaml") else cnncalc.parse(text)
    if case.get("frozen") != "stem":
        return spec
    names = layer_names(spec.layers)
    layers = tuple(
        dataclasses.replace(layer, frozen=True)
        if name in ("conv1", "batchnorm1") or name.startswith("layer1.")
        else layer
        for layer, name in zip(spec.layers, names, strict=True)
    )
    return dataclasses.replace(spec, layers=layers)


def out_of(*args: str, input: str | None = None) -> str:
    """Standard output of a command that succeeds."""
    code, out, err = run_cli(*args, input=input)
    assert code == 0, err
    return out


def error_of(*args: str) -> str:
    """The message of a command refused as a user's error (exit 2)."""
    code, _, err = run_cli(*args)
    assert code == 2, err
    return err


CASES = [
    pytest.param(case, style, id=f"{case['name']}-b{case['batch']}-{case.get('frozen')}-{style}")
    for case in FIXTURE["cases"]
    for style in ("torchinfo", "torchsummary", "keras")
    if style in case
]


@pytest.mark.parametrize(("case", "style"), CASES)
def test_style_footer_is_the_tools_own(case: dict[str, Any], style: str) -> None:
    """Each tool's printed footer (tests/fixtures/generate_style_footers.py, run for real)."""
    result = cnncalc.evaluate(_spec(case))
    assert list(footer_of(result, style, case["batch"])) == case[style]


def test_torchsummary_readme_vgg16() -> None:
    # torchsummary's README prints for torchvision's VGG-16 of its time (no adaptive
    # average pool before the classifier): Input size 0.57, Forward/backward pass size
    # 218.59, Params size 527.79, Estimated Total Size 746.96 (MB, of 2**20 bytes).
    # By hand: outputs 28,701,160 - 25,088 (the pool) - 25,088 (torch.flatten, no module)
    # = 28,650,984 values; x2 x4 bytes / 2**20 = 218.59.
    spec = cnncalc.load(SPECS / "vgg16.yaml")
    spec = dataclasses.replace(
        spec, layers=tuple(layer for layer in spec.layers if layer.kind != "adaptive_avgpool")
    )
    lines = footer_of(cnncalc.evaluate(spec), "torchsummary")
    assert lines[3:] == (
        "Input size (MB): 0.57",
        "Forward/backward pass size (MB): 218.59",
        "Params size (MB): 527.79",
        "Estimated Total Size (MB): 746.96",
    )


def test_keras_batch_norm_counts_its_moving_statistics() -> None:
    # Keras documents BatchNormalization(64): 128 trainable (gamma, beta), 128
    # non-trainable (moving mean and variance), 256 total; 256 x 4 bytes = 1,024 B, which
    # Keras's readable_memory_size writes "1.00 KB", and 512 B as "512.00 B".
    result = cnncalc.evaluate(cnncalc.parse("INPUT(8x8x64) -> BN"))
    t = result.totals
    assert (t.params, t.trainable_params, t.non_trainable_params, t.buffers) == (128, 128, 0, 128)
    assert footer_of(result, "keras") == (
        " Total params: 256 (1.00 KB)",
        " Trainable params: 128 (512.00 B)",
        " Non-trainable params: 128 (512.00 B)",
    )


def test_keras_size_steps_of_1024() -> None:
    assert keras_size(0) == "0.00 B"
    assert keras_size(1023) == "1023.00 B"
    assert keras_size(1024 * 1024 * 1.5) == "1.50 MB"


FROZEN_YAML = """
input: 8x8x3
blocks:
  unit:
    layers:
      - conv: {filters: 4, kernel: 3, padding: 1}
      - batchnorm
      - relu
layers:
  - unit: {name: stem, frozen: true}
  - unit: {name: body}
  - conv: {filters: 2, kernel: 1}
    frozen: true
  - flatten
  - fc: {units: 10, frozen: true}
"""


def test_frozen_on_layers_and_block_uses() -> None:
    # stem conv 3*9*4 + 4 = 112, its batch norm 8; body conv 4*9*4 + 4 = 148, its batch
    # norm 8; the 1x1 conv 4*2 + 2 = 10; the fc 8*8*2*10 + 10 = 1,290.
    # Frozen: 112 + 8 + 10 + 1,290 = 1,420; trainable: 148 + 8 = 156. Buffers: 2 x (4 + 4).
    result = cnncalc.evaluate(cnncalc.parse(FROZEN_YAML, "yaml"))
    t = result.totals
    assert (t.params, t.trainable_params, t.non_trainable_params, t.buffers) == (
        1576,
        156,
        1420,
        16,
    )
    frozen = {layer.name: layer.frozen for layer in result.layers}
    assert frozen["stem.conv1"] and frozen["stem.batchnorm1"] and not frozen["body.conv1"]
    data = json.loads(out_of("summarize", "-", "-f", "json", input=FROZEN_YAML))
    assert data["totals"]["trainable_params"] == 156
    assert data["totals"]["non_trainable_params"] == 1420
    assert data["totals"]["buffers"] == 16
    assert data["layers"][0]["frozen"] is True and data["layers"][1]["buffers"] == 8


def test_frozen_in_the_grammar_and_its_round_trip() -> None:
    text = "DEF unit(f) = CONV(f, 3, p=1) -> RELU; INPUT(8x8x3) -> unit(4, frozen=true) -> FC(2)"
    result = cnncalc.evaluate(cnncalc.parse(text))
    # unit's conv: 3*9*4 + 4 = 112, frozen; fc: 256*2 + 2 = 514
    assert (result.totals.trainable_params, result.totals.non_trainable_params) == (514, 112)
    for fmt in ("grammar", "yaml"):
        written = out_of("expand", text, "-f", fmt)
        again = cnncalc.evaluate(cnncalc.parse(written, "yaml" if fmt == "yaml" else "grammar"))
        assert again.totals.non_trainable_params == 112


def test_frozen_is_checked_as_a_flag() -> None:
    with pytest.raises(CnnCalcError, match="frozen"):
        cnncalc.parse("INPUT(8x8x3) -> CONV(4, frozen=maybe)")
    assert "frozen" in error_of("summarize", "INPUT(8x8x3) -> CONV(4, frozen=2)")


def test_shared_layers_count_once_with_their_owners_status() -> None:
    # conv a: 2*9*2 + 2 = 38 (frozen); b shares it; fc 8*8*2*3 + 3 = 387.
    text = (
        "INPUT(8x8x2) -> CONV(2, 3, p=1, name=a, frozen=true) -> CONV(2, 3, p=1, share=a) -> FC(3)"
    )
    t = cnncalc.evaluate(cnncalc.parse(text)).totals
    assert (t.params, t.trainable_params, t.non_trainable_params) == (425, 387, 38)


def test_default_footer_says_the_split_only_when_frozen() -> None:
    plain = out_of("summarize", "INPUT(8x8x3) -> CONV(4, 3) -> FC(2)")
    assert "trainable" not in plain
    frozen = out_of("summarize", "INPUT(8x8x3) -> CONV(4, 3, frozen=true) -> FC(2)")
    assert "non-trainable params" in frozen and "trainable params" in frozen


@given(VALID_CHAINS, st.data())
def test_trainable_and_frozen_add_up_to_params(text: str, data: st.DataObject) -> None:
    spec = cnncalc.parse(text)
    try:
        cnncalc.evaluate(spec)
    except CnnCalcError:
        assume(False)  # a chain whose sizes do not work out
    flags = data.draw(st.lists(st.booleans(), min_size=len(spec.layers), max_size=len(spec.layers)))
    layers = tuple(
        dataclasses.replace(layer, frozen=flag)
        for layer, flag in zip(spec.layers, flags, strict=True)
    )
    result = cnncalc.evaluate(dataclasses.replace(spec, layers=layers))
    t = result.totals
    assert t.trainable_params + t.non_trainable_params == t.params
    assert t.non_trainable_params == sum(r.params for r in result.layers if r.frozen)
    assert [r.frozen for r in result.layers] == flags


@given(VALID_CHAINS, st.integers(1, 64))
def test_batch_multiplies_per_sample_figures(text: str, batch: int) -> None:
    try:
        one = cnncalc.evaluate(cnncalc.parse(text))
    except CnnCalcError:
        assume(False)  # a chain whose sizes do not work out
        return
    many = batched(one, batch)
    a, b = one.totals, many.totals
    assert b.params == a.params and b.buffers == a.buffers
    assert (b.macs, b.activations, b.input_bytes) == (
        a.macs * batch,
        a.activations * batch,
        a.input_bytes * batch,
    )
    assert a.peak_activations is not None and b.peak_activations == a.peak_activations * batch
    assert [r.macs for r in many.layers] == [r.macs * batch for r in one.layers]


def test_batch_in_the_cli_and_json() -> None:
    # LeNet-style chain: conv 6 5x5 on 32x32x1 gives 28x28x6, 117,600 MACs per sample
    # (28*28*6 outputs x 25 products); batch 4: 470,400. Params 6*25 + 6 = 156 stay.
    text = "INPUT(32x32x1) -> CONV(6, 5)"
    data = json.loads(out_of("summarize", text, "-f", "json", "--batch", "4"))
    assert data["batch"] == 4
    assert data["totals"]["macs"] == 470_400 and data["totals"]["params"] == 156
    assert data["layers"][0]["macs"] == 470_400
    plain = out_of("summarize", text, "--batch", "4")
    assert "4 x 32x32x1 = 4,096 values" in plain


@pytest.mark.parametrize(
    ("shape", "layout", "batch", "text"),
    [
        (Shape(64, (112, 112)), "hwc", 1, "112x112x64"),
        (Shape(64, (112, 112)), "nchw", 1, "1x64x112x112"),
        (Shape(64, (112, 112)), "nhwc", 1, "1x112x112x64"),
        (Shape(64, (112, 112)), "nchw", 8, "8x64x112x112"),
        (Shape(16, (100,)), "nchw", 1, "1x16x100"),
        (Shape(16, (100,)), "nhwc", 1, "1x100x16"),
        (Shape(4, (8, 9, 10)), "nchw", 2, "2x4x8x9x10"),
        (Shape(4, (8, 9, 10)), "nhwc", 2, "2x8x9x10x4"),
        (Shape(4096, ()), "nchw", 1, "1x4096"),
        (Shape(4096, ()), "nhwc", 1, "1x4096"),
        (Shape(4096, ()), "hwc", 1, "4096"),
    ],
)
def test_layouts(shape: Shape, layout: str, batch: int, text: str) -> None:
    # torchinfo prints [1, 64, 112, 112] for a conv's output; Keras (None, 112, 112, 64)
    assert shape_text(shape, layout, batch) == text


def test_layout_in_every_human_format() -> None:
    text = "INPUT(32x32x3) -> CONV(8, 3, p=1) -> FLATTEN -> FC(10)"
    for fmt in ("table", "markdown", "html", "latex"):
        out = out_of("summarize", text, "-f", fmt, "--layout", "nchw")
        assert "1x8x32x32" in out and "1x3x32x32" in out, fmt
    csv = out_of("summarize", text, "-f", "csv", "--layout", "nchw")
    assert csv == out_of("summarize", text, "-f", "csv")  # typed columns


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--style", "keras", "-f", "html"], "table and markdown"),
        (["--style", "torchinfo", "-f", "latex"], "table and markdown"),
        (["--style", "torchinfo", "-f", "json"], "table and markdown"),
        (["--style", "torchsummary", "-f", "csv"], "table and markdown"),
        (["--style", "torchinf"], "did you mean"),
        (["--style", "keras", "--breakdown"], "breakdown"),
        (["--batch", "0"], "from 1 to"),
        (["--batch", "-3"], "from 1 to"),
        (["--batch", "9" * 90], "from 1 to"),
        (["--layout", "nwhc"], "known: hwc, nchw, nhwc"),
    ],
)
def test_view_errors(args: list[str], words: str) -> None:
    assert words in error_of("summarize", "INPUT(8x8x3) -> CONV(4, 3)", *args)


def test_style_needs_numbers() -> None:
    assert "--set" in error_of("summarize", "INPUT(8x8xC) -> CONV(4, 3)", "--style", "keras")


def test_style_in_table_and_markdown() -> None:
    text = "INPUT(8x8x64) -> BN"
    table = out_of("summarize", text, "--style", "keras")
    assert " Total params: 256 (1.00 KB)\n" in table
    assert "param memory" not in table
    markdown = out_of("summarize", text, "--style", "keras", "-f", "markdown")
    assert "```text\n Total params: 256 (1.00 KB)\n" in markdown


def test_zoo_flatten_is_a_function_call() -> None:
    # torchvision's VGG, ResNet and MobileNet v2 call torch.flatten: the zoo says so
    for name in ("vgg16", "resnet18", "resnet50", "mobilenet_v2"):
        result = cnncalc.evaluate(cnncalc.load(SPECS / f"{name}.yaml"))
        assert all(layer.functional for layer in result.layers if layer.kind == "flatten")


@pytest.mark.parametrize("fmt", ["html", "latex", "markdown", "table"])
def test_every_shape_follows_the_layout(fmt: str) -> None:
    # the HTML report's graph and the LaTeX footnote wrote shapes in the lecture's layout
    # under --layout (a review found them); every shape on the page follows it
    spec = "INPUT(8x8x3) -> CONV(4, 3, p=1) -> FLATTEN -> FC(10)"
    code, out, _ = run_cli("summarize", spec, "--batch", "4", "--layout", "nhwc", "-f", fmt)
    assert code == 0
    assert "4x8x8x3" in out and "4x8x8x4" in out
    assert not re.search(r"(?<![\dx])8x8x[34](?![\dx])", out)
