"""Today's layer kinds against PyTorch's own answers, and against hand derivations.

The fixture is written by tests/fixtures/generate_torch_modern.py where torch is
installed; this test needs no torch.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from cnncalc import CnnCalcError, evaluate
from cnncalc.engine import formulas as f
from cnncalc.parsing.yaml_spec import parse_yaml
from tests.clirun import run_cli
from tests.conftest import summarize

FIXTURE = json.loads((Path(__file__).parent / "fixtures" / "torch_modern.json").read_text())
CASES: list[dict[str, Any]] = FIXTURE["cases"]


def _kind(case: dict[str, Any]) -> str:
    return str(next(iter(case["spec"]["layers"][-1])))


def test_fixture_covers_every_kind_and_refusals() -> None:
    kinds = {_kind(c) for c in CASES}
    assert kinds == {
        "groupnorm",
        "layernorm",
        "instancenorm",
        "channel_shuffle",
        "multiply",
        "slice",
        "split",
        "dwconv",
        "sepconv",
    }
    refused = {_kind(c) for c in CASES if "error" in c}
    assert {"groupnorm", "channel_shuffle", "multiply", "slice", "split", "dwconv"} <= refused


@pytest.mark.parametrize("case", CASES, ids=[f"case{i}" for i in range(len(CASES))])
def test_matches_pytorch(case: dict[str, Any]) -> None:
    text = yaml.safe_dump(case["spec"])
    if "error" in case:
        with pytest.raises(CnnCalcError):
            evaluate(parse_yaml(text))
        return
    result = evaluate(parse_yaml(text))
    last = result.layers[-case.get("last", 1) :]
    output = last[-1].output
    assert [output.channels, *output.size] == case["output"], text
    assert sum(layer.params for layer in last) == case["params"], text


# Keras, hand-derived from its documented formulas (keras.io, DepthwiseConv2D and
# SeparableConv2D): the depthwise kernel has shape (kh, kw, C_in, depth_multiplier) and
# a bias of C_in * depth_multiplier when use_bias; SeparableConv2D adds a pointwise kernel
# of shape (1, 1, C_in * depth_multiplier, filters) and a bias of filters, and its
# depthwise step has no bias of its own.
#   DepthwiseConv2D(3, depth_multiplier=2) on 32 channels:
#     3*3*32*2 + 32*2 = 576 + 64 = 640
#   SeparableConv2D(64, 3) on 32 channels (depth_multiplier 1):
#     3*3*32*1 + 1*1*32*64 + 64 = 288 + 2,048 + 64 = 2,400
#   SeparableConv2D(64, 3, depth_multiplier=2, use_bias=False) on 32 channels:
#     3*3*32*2 + 1*1*64*64 = 576 + 4,096 = 4,672


def test_keras_depthwise_params() -> None:
    result = summarize("INPUT(16x16x32) -> DepthwiseConv2D(3, depth_multiplier=2)")
    assert result.layers[0].params == 640
    assert result.layers[0].output.channels == 64
    assert dict(result.layers[0].hyper)["groups"] == 32


@pytest.mark.parametrize(
    ("text", "params"),
    [
        ("SeparableConv2D(64, 3)", 2_400),
        ("SEPCONV(64, 3, depth_multiplier=2, bias=false)", 4_672),
    ],
)
def test_keras_separable_params(text: str, params: int) -> None:
    result = summarize(f"INPUT(16x16x32) -> {text}")
    assert [layer.kind for layer in result.layers] == ["dwconv", "conv"]
    assert result.totals.params == params


def test_sepconv_names_its_halves_and_is_read_by_name() -> None:
    text = "input: 8x8x4\nlayers:\n  - sepconv: {filters: 6, name: sc}\n  - relu: {from: sc}\n"
    result = evaluate(parse_yaml(text))
    assert [layer.name for layer in result.layers] == ["sc_dw", "sc", "relu1"]
    assert result.layers[-1].inputs == ("sc",)


# Squeeze-and-excitation as MobileNetV3 writes it (torchvision's SqueezeExcitation:
# avgpool to 1x1, fc1 = Conv2d(C, S, 1), ReLU, fc2 = Conv2d(S, C, 1), Hardsigmoid, then
# scale * input), on a 14x14x96 map with S = _make_divisible(96 // 4, 8) = 24:
#   fc1: 96*24 + 24 = 2,328;  fc2: 24*96 + 96 = 2,400;  total 4,728 parameters.
#   MACs: fc1 96*24 = 2,304; fc2 24*96 = 2,304; the multiply none (no weights): 4,608.
SE = "INPUT(14x14x96) -> MUL{ IDENTITY | GAP -> CONV(24, 1) -> RELU -> CONV(96, 1) -> HARDSIGMOID }"


def test_squeeze_excitation_block() -> None:
    result = summarize(SE)
    assert result.totals.params == 4_728
    assert result.totals.macs == 4_608
    last = result.layers[-1]
    assert last.kind == "multiply"
    assert (last.output.channels, last.output.size) == (96, (14, 14))
    # the map path is the identity: each output unit's own field is its input pixel
    # (size 1, jump 1); the gate adds the whole 14x14 map to every unit, which a note says
    assert [(a.size, a.jump) for a in last.receptive_field] == [(1, 1), (1, 1)]
    assert [w.message.split(": ", 1)[0] for w in result.warnings] == ["layer 7 (multiply1)"]


def test_flat_gate_reads_as_one_by_one() -> None:
    """SENet's original gate: fc layers on the pooled vector, viewed as 1x1xC."""
    result = summarize(
        "INPUT(7x7x64) -> MUL{ IDENTITY | GAP -> FLATTEN -> FC(4) -> RELU -> FC(64) -> SIGMOID }"
    )
    assert result.layers[-1].output.size == (7, 7)
    assert any(".view(N, C, 1, 1)" in n.message for n in result.warnings)


# Parameters by hand from PyTorch's documentation (nn.GroupNorm, nn.LayerNorm,
# nn.InstanceNorm2d): GroupNorm(8, 64) 64 weights + 64 biases = 128; LayerNorm(64) 128,
# with bias=False 64, elementwise_affine=False 0; InstanceNorm2d(64) affine=False 0,
# affine=True 128; layer scale 64 (one per channel); drop path 0.
@pytest.mark.parametrize(
    ("layer", "params"),
    [
        ("GROUPNORM(8)", 128),
        ("LAYERNORM", 128),
        ("LAYERNORM(bias=false)", 64),
        ("LAYERNORM(elementwise_affine=false)", 0),
        ("INSTANCENORM", 0),
        ("InstanceNorm2d(affine=true)", 128),
        ("LAYER_SCALE", 64),
        ("DROP_PATH(0.2)", 0),
        ("CHANNEL_SHUFFLE(4)", 0),
    ],
)
def test_norm_params(layer: str, params: int) -> None:
    result = summarize(f"INPUT(8x8x64) -> {layer}")
    assert result.layers[0].params == params
    assert result.layers[0].macs == 0


@pytest.mark.parametrize(
    ("spec", "words"),
    [
        ("INPUT(8x8x6) -> MUL{ IDENTITY | AVGPOOL(2) }", ["multiply", "8x8x6", "4x4x6"]),
        ("INPUT(8x8x6) -> MUL{ IDENTITY | CONV(4, 1) }", ["broadcast", "8x8x4"]),
        ("INPUT(8x8x6) -> SLICE(4, 3)", ["slice", "beyond the 6 input channels"]),
        ("INPUT(8x8x6) -> SPLIT(4)", ["split parts 4", "does not divide the 6"]),
        ("INPUT(8x8x6) -> SPLIT(8)", ["split into 8 parts", "beyond the 6"]),
        ("INPUT(8x8x6) -> SPLIT(2, 2)", ["split index 2", "beyond"]),
        ("INPUT(8x8x6) -> CHANNEL_SHUFFLE(4)", ["groups 4 does not divide the 6"]),
        ("INPUT(8x8x6) -> GROUPNORM(4)", ["groupnorm groups 4 does not divide the 6"]),
        ("INPUT(8x8x6) -> FLATTEN -> INSTANCENORM", ["instancenorm needs a spatial input"]),
        ("INPUT(8x8xC) -> DWCONV", ["known number of input channels"]),
    ],
)
def test_bad_input_is_located(spec: str, words: list[str]) -> None:
    code, out, err = run_cli("summarize", spec)
    assert code == 2 and out == ""
    assert err.startswith("cnncalc: error: <inline>:1:")
    assert "layer " in err and "^" in err  # located, with a caret under the layer
    for word in words:
        assert word in err


def test_bad_yaml_is_located(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("input: 8x8x6\nlayers:\n  - slice: {start: 2, channels: 5}\n")
    code, _, err = run_cli("summarize", str(path))
    assert code == 2
    assert "line 3" in err and "slice of channels 2 to 6 is beyond the 6" in err


def test_kinds_lists_keys_and_mac_rules() -> None:
    code, out, _ = run_cli("kinds")
    assert code == 0
    for word in ["multiply", "groupnorm", "layer_scale", "drop_path", "dwconv", "sepconv"]:
        assert word in out
    code, out, _ = run_cli("kinds", "sepconv")
    assert code == 0 and "depth_multiplier" in out and "1x1 conv" in out


def test_round_trip_through_the_formatter() -> None:
    text = (
        "INPUT(8x8x8) -> MUL{IDENTITY | GAP -> CONV(8, 1) -> SIGMOID} -> CHANNEL_SHUFFLE(2) "
        "-> SPLIT(2, 1) -> SLICE(1, 2) -> LAYERNORM(bias=false) -> GROUPNORM(2) "
        "-> INSTANCENORM(affine=true) -> LAYER_SCALE -> DROP_PATH(0.1) -> DWCONV(3, m=2) "
        "-> SEPCONV(4, 3)"
    )
    code, expanded, _ = run_cli("expand", text)
    assert code == 0
    code2, again, _ = run_cli("expand", expanded)
    assert code2 == 0 and again == expanded
    assert summarize(text).totals == summarize(expanded).totals


# Properties.


@given(
    st.lists(st.integers(1, 4), min_size=0, max_size=4),
    st.lists(st.integers(1, 4), min_size=0, max_size=4),
)
def test_broadcast_matches_the_rule(a: list[int], b: list[int]) -> None:
    """PyTorch's rule read directly: right-aligned, each axis equal or one of them 1."""
    width = max(len(a), len(b))
    x, y = [1] * (width - len(a)) + a, [1] * (width - len(b)) + b
    ok = all(p == q or 1 in (p, q) for p, q in zip(x, y, strict=True))
    got = f.broadcast(tuple(a), tuple(b))
    assert (got is not None) == ok
    if got is not None:
        assert list(got) == [max(p, q) for p, q in zip(x, y, strict=True)]
        assert f.broadcast(tuple(b), tuple(a)) == got


@given(st.integers(1, 64), st.integers(1, 8), st.integers(1, 3), st.integers(1, 5))
def test_dwconv_is_the_grouped_conv(channels: int, multiplier: int, kernel: int, n: int) -> None:
    """A depthwise conv counts as conv with groups = filters / multiplier = C_in."""
    spec = f"INPUT({n + kernel}x{n + kernel}x{channels})"
    dw = summarize(f"{spec} -> DWCONV({kernel}, m={multiplier})").layers[0]
    conv = summarize(f"{spec} -> CONV({multiplier * channels}, {kernel}, g={channels})").layers[0]
    assert (dw.output, dw.params, dw.macs) == (conv.output, conv.params, conv.macs)


@given(st.integers(1, 40), st.integers(1, 8), st.integers(0, 9))
def test_split_and_slice_agree(channels: int, parts: int, index: int) -> None:
    """Part i of n equal parts is the slice from i*C/n of C/n channels; else both refuse
    as their rules say."""
    spec = f"INPUT(4x4x{channels}) -> SPLIT({parts}, {index})"
    if channels % parts or index >= parts:
        with pytest.raises(CnnCalcError):
            summarize(spec)
        return
    width = channels // parts
    split = summarize(spec).layers[0]
    cut = summarize(f"INPUT(4x4x{channels}) -> SLICE({index * width}, {width})").layers[0]
    assert split.output == cut.output


@given(st.integers(1, 5), st.integers(1, 3), st.integers(0, 2), st.integers(8, 40))
def test_global_gate_keeps_the_map_s_field(kernel: int, stride: int, pad: int, n: int) -> None:
    """A gate broadcast over the map (squeeze-and-excitation) has no positions: the field
    after the product is the map path's own (size, jump, centre), as receptive-field
    tables of SE networks give it, and a note, said once however many gates follow, says
    that every unit also depends on the whole input through the gate."""
    head = f"INPUT({n}x{n}x4) -> CONV(4, {kernel}, s={stride}, p={pad})"
    try:
        plain = summarize(head).layers[-1]
    except CnnCalcError:
        return
    gate = "MUL{IDENTITY | GAP -> SIGMOID}"
    result = summarize(f"{head} -> {gate} -> RELU -> {gate}")
    for gated in (result.layers[4], result.layers[-1]):
        assert gated.receptive_field == plain.receptive_field
    assert not any("not aligned" in w.message for w in result.warnings)
    notes = [w for w in result.warnings if "gate broadcast over the map" in w.message]
    assert len(notes) == 1 and notes[0].message.startswith("layer 5 (multiply1)")
