"""Weight sharing (``share: NAME``): parameters counted once, MACs and activations per
use, shapes checked, and every misuse a located error."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cnncalc import evaluate, load, parse
from cnncalc.parsing.expand import parse_grammar
from cnncalc.parsing.unparse import format_network, format_yaml
from cnncalc.parsing.yaml_spec import parse_yaml
from cnncalc.results import collapse_blocks
from cnncalc.spec import holds_no_parameters
from tests.clirun import run_cli
from tests.conftest import SPECS
from tests.strategies import SHAREABLE_CHAINS

FIXTURE = json.loads(
    (Path(__file__).parent / "fixtures" / "torch_sharing.json").read_text(encoding="utf-8")
)

# specs/siamese.yaml by hand (32x32x1 input; the encoder used twice, the second use
# sharing the first's parameters):
#   conv1 5x5, 1 -> 16:   params 5*5*1*16 + 16 = 416;   out 28x28x16,
#                         MACs 28*28*16 * 5*5*1 = 313,600
#   maxpool 2:            14x14x16
#   conv2 3x3, 16 -> 32:  params 3*3*16*32 + 32 = 4,640; out 12x12x32,
#                         MACs 12*12*32 * 3*3*16 = 663,552
#   maxpool 2, flatten:   6*6*32 = 1,152
#   embed fc 1152 -> 64:  params 1,152*64 + 64 = 73,792;  MACs 73,728
#   encoder:              params 416 + 4,640 + 73,792 = 78,848
#                         MACs 313,600 + 663,552 + 73,728 = 1,050,880
#   concat -> 128; score fc 128 -> 1: params 129, MACs 128
# Params, each counted once: 78,848 + 129 = 78,977 (157,825 if counted per use).
# MACs per use: 2 * 1,050,880 + 128 = 2,101,888.
# Activations: per encoder 12,544 + 12,544 + 3,136 + 4,608 + 4,608 + 1,152 + 1,152 + 64
# + 64 = 39,872; twice, plus concat 128, score 1 and its sigmoid 1: 79,874.
HAND = {"params": 78_977, "macs": 2_101_888, "activations": 79_874}


@pytest.mark.parametrize("name", ["siamese.yaml", "siamese.cnn"])
def test_siamese_pair_counts_shared_parameters_once(name: str) -> None:
    result = evaluate(load(SPECS / name))
    totals = result.totals
    assert (totals.params, totals.macs, totals.activations) == tuple(HAND.values())
    assert totals.param_bytes == 4 * 78_977
    layers = {layer.name: layer for layer in result.layers}
    assert layers["right.conv1"].shares == "left.conv1"
    assert layers["right.embed"].shares == "left.embed"
    assert layers["right.embed"].params == 73_792  # the layer still shows its own count
    assert layers["left.embed"].shares is None
    assert layers["score"].shares is None


def test_siamese_pair_matches_pytorch() -> None:
    """tests/fixtures/generate_torch_sharing.py runs one nn.Sequential twice in PyTorch:
    sum(p.numel() for p in model.parameters()) counts it once; hooks count per call."""
    result = evaluate(load(SPECS / "siamese.yaml"))
    assert result.totals.params == FIXTURE["params"]
    assert result.totals.macs == FIXTURE["macs"]
    # PyTorch's hooks see module calls; torch.cat (128 values) is no module call.
    assert result.totals.activations == FIXTURE["activations_without_concat"] + 128
    encoder = [layer for layer in result.layers if layer.name.startswith("left")]
    assert sum(layer.params for layer in encoder) == FIXTURE["encoder_params"]
    assert [1, result.layers[-1].output.channels] == FIXTURE["output_shape"]


def test_table_marks_json_carries_csv_column_and_footer() -> None:
    code, out, err = run_cli("summarize", str(SPECS / "siamese.yaml"))
    assert (code, err) == (0, "")
    assert "73,792 (shared with left.embed)" in out
    assert "(shared with left.relu1)" not in out  # nothing to mark without parameters
    assert "shared params" in out and "78,848" in out
    code, out, _ = run_cli("summarize", str(SPECS / "siamese.yaml"), "-f", "json")
    data = json.loads(out)
    by_name = {layer["name"]: layer for layer in data["layers"]}
    assert by_name["right.conv2"]["shares"] == "left.conv2"
    assert by_name["right.conv2"]["params"] == 4_640
    assert by_name["score"]["shares"] is None
    assert data["totals"]["params"] == 78_977
    code, out, _ = run_cli("summarize", str(SPECS / "siamese.yaml"), "-f", "csv")
    rows = list(csv.DictReader(io.StringIO(out, newline="")))
    embed = next(row for row in rows if row["name"] == "right.embed")
    assert (embed["params"], embed["shares"]) == ("73792", "left.embed")
    code, out, _ = run_cli("summarize", str(SPECS / "siamese.yaml"), "-f", "markdown")
    assert "73,792 (shared with left.embed)" in out
    code, out, _ = run_cli("summarize", str(SPECS / "lenet5.yaml"))
    assert "shared params" not in out


def test_depth_rows_mark_the_shared_block() -> None:
    rows = collapse_blocks(evaluate(load(SPECS / "siamese.yaml")), 1).layers
    right = next(row for row in rows if row.name == "right")
    assert (right.params, right.shares) == (78_848, "left")


def test_chain_of_shares_resolves_to_the_first() -> None:
    # c shares b, b shares a: all three use a's 3*3*4*4 + 4 = 148 parameters.
    net = parse(
        "INPUT(8x8x4) -> CONV(4, p=1, name=a) -> CONV(4, p=1, name=b, share=a)"
        " -> CONV(4, p=1, name=c, share=b)"
    )
    result = evaluate(net)
    assert [layer.shares for layer in result.layers] == [None, "a", "a"]
    assert result.totals.params == 148
    assert result.totals.macs == 3 * 8 * 8 * 4 * 3 * 3 * 4  # 3 x 9,216


def test_share_in_a_repeat_shares_with_the_first_copy() -> None:
    # A recurrent-style loop: 4 x (3*3*8*8 + 8 = 584) written, 584 counted.
    text = "INPUT(8x8x8) -> [CONV(8, 3, p=1, name=cell, share=cell) -> RELU]*4"
    result = evaluate(parse(text))
    convs = [layer for layer in result.layers if layer.kind == "conv"]
    assert [c.name for c in convs] == ["cell.0", "cell.1", "cell.2", "cell.3"]
    assert [c.shares for c in convs] == [None, "cell.0", "cell.0", "cell.0"]
    assert result.totals.params == 584
    assert result.totals.macs == 4 * 8 * 8 * 8 * 3 * 3 * 8
    once = evaluate(parse(text.replace("*4", "*1")))  # one copy: it owns its parameters
    assert once.totals.params == 584


YAML_LOOP = """\
input: 8x8x8
blocks:
  cell:
    layers:
      - conv: {filters: 8, kernel: 3, padding: 1, name: conv}
      - relu
layers:
  - repeat: 3
    layers: [cell: {name: step, share: step}]
  - cell: {name: last, share: step.0}
"""


def test_block_use_in_a_repeat_shares_layer_by_layer() -> None:
    result = evaluate(parse(YAML_LOOP, format="yaml"))
    shares = {layer.name: layer.shares for layer in result.layers}
    assert shares["step.0.conv"] is None
    assert shares["step.1.conv"] == "step.0.conv"
    assert shares["step.2"] is None  # the use's relu: no parameters, nothing to share
    assert shares["last.conv"] == "step.0.conv"
    assert result.totals.params == 584  # 3*3*8*8 + 8, once for four uses


def test_expand_prints_share_back() -> None:
    for path in (SPECS / "siamese.cnn", SPECS / "siamese.yaml"):
        spec = load(path)
        again = [parse_grammar(format_network(spec)), parse_yaml(format_yaml(spec))]
        for other in again:
            assert evaluate(other).totals == evaluate(spec).totals
            assert [x.share for x in other.layers] == [x.share for x in spec.layers]
    code, out, _ = run_cli("format", str(SPECS / "siamese.cnn"))
    assert code == 0 and "share=left" in out
    code, out, _ = run_cli("expand", "-f", "yaml", str(SPECS / "siamese.yaml"))
    assert code == 0 and "share: left.conv1" in out


@given(SHAREABLE_CHAINS)
def test_sharing_repeats_changes_params_only(texts: tuple[str, str]) -> None:
    plain_text, shared_text = texts
    plain, shared = evaluate(parse(plain_text)), evaluate(parse(shared_text))
    assert [x.macs for x in shared.layers] == [x.macs for x in plain.layers]
    assert [x.activations for x in shared.layers] == [x.activations for x in plain.layers]
    assert shared.totals.macs == plain.totals.macs
    assert shared.totals.activations == plain.totals.activations
    reused = sum(p.params for p, s in zip(plain.layers, shared.layers, strict=True) if s.shares)
    assert shared.totals.params == plain.totals.params - reused
    for layer in shared.layers:
        if layer.shares is not None:  # the first copy of the same layer: name.0
            assert layer.shares == layer.name.rsplit(".", 1)[0] + ".0"


BAD = [
    (
        "DEF c = CONV(4) -> RELU; INPUT(8x8x4) -> c(share=later) -> c(name=later)",
        "1:9",
        "'share' names 'later.conv1', which comes later",
    ),
    (
        "DEF c = CONV(4) -> RELU; INPUT(8x8x4) -> c(name=a) -> c(share=b)",
        "1:9",
        "'share' names 'b.conv1', which is no layer",
    ),
    ("INPUT(8x8x4) -> CONV(4, name=a) -> CONV(8, share=a)", "1:36", "filters 8 here, 4 there"),
    ("INPUT(8x8x4) -> CONV(4, name=a) -> CONV(4, 5, share=a)", "1:36", "kernel 5x5 here"),
    ("INPUT(8x8x4) -> CONV(8, name=a) -> CONV(8, share=a)", "1:36", "input channels 8 here"),
    ("INPUT(8x8x4) -> CONV(4, name=a) -> CONV(4, g=2, share=a)", "1:36", "groups 2 here"),
    ("INPUT(8x8x4) -> CONV(4, name=a) -> CONV(4, bias=false, share=a)", "1:36", "bias false"),
    ("INPUT(8x8x4) -> CONV(4, name=a) -> LOCAL(4, share=a)", "1:36", "it is a conv layer"),
    ("INPUT(8x8x4) -> FC(4, name=a) -> FC(4, share=a)", "1:34", "input features 4 here"),
    ("INPUT(8x8x4) -> CONV(4, share=b) -> CONV(4, name=b)", "1:17", "which comes later"),
    ("INPUT(8x8x4) -> CONV(4, name=a, share=a)", "1:17", "names the layer itself"),
    ("INPUT(8x8x4) -> CONV(4, name=abc) -> CONV(4, share=abd)", "1:38", "did you mean 'abc'"),
    ("INPUT(8x8x4) -> CONV(4, share=input)", "1:17", "the input, which has no parameters"),
    ("INPUT(8x8x4) -> CONV(4, share=[a, b])", "1:25", "'share' takes one layer name"),
    (
        "DEF c = CONV(4); DEF d = CONV(4); INPUT(8x8x4) -> c(name=x) -> d(share=x)",
        "1:66",
        "a use of block 'c'; a use of block 'd' shares only with another use of 'd'",
    ),
]


@pytest.mark.parametrize(("text", "where", "message"), BAD)
def test_bad_shares_are_located_errors(text: str, where: str, message: str) -> None:
    code, out, err = run_cli("summarize", text)
    assert (code, out) == (2, "")
    assert f"<inline>:{where}:" in err and message in err
    assert "Traceback" not in err


def test_bad_shares_in_yaml_are_located(tmp_path: Path) -> None:
    other_block = YAML_LOOP.replace(
        "layers:\n  - repeat",
        "  other:\n    layers: [conv: {filters: 8, kernel: 3}]\nlayers:\n  - repeat",
    ).replace("- cell: {name: last, share: step.0}", "- other: {name: last, share: step.0}")
    cases = [
        (other_block, "line 12", "a use of block 'cell'; a use of block 'other'"),
        (
            "input: 8x8x4\nlayers:\n  - conv: {filters: 4, share: later}\n"
            "  - conv: {filters: 4, name: later}\n",
            "line 3",
            "which comes later",
        ),
        (
            "input: 8x8x4\nlayers:\n  - conv: {filters: 4, name: a}\n"
            "  - conv: {filters: 4, kernel: 1, share: a}\n",
            "line 4",
            "kernel 1x1 here, 3x3 there",
        ),
        ("input: 8x8x4\nlayers:\n  - conv: {filters: 4, share: true}\n", "line 3", "'share'"),
    ]
    for i, (text, where, message) in enumerate(cases):
        path = tmp_path / f"bad{i}.yaml"
        path.write_text(text, encoding="utf-8")
        code, out, err = run_cli("summarize", str(path))
        assert (code, out) == (2, ""), err
        assert where in err and message in err, err


def test_sepconv_shares_both_halves() -> None:
    # SEPCONV(8, 3) on 8 channels: depthwise 8*9 = 72 weights (no bias), pointwise
    # 8*8 + 8 = 72; a second sepconv sharing the first reuses both halves: 144 in all
    text = "INPUT(8x8x8) -> SEPCONV(8, 3, p=1, name=a) -> SEPCONV(8, 3, share=a)"
    result = evaluate(parse(text))
    assert result.totals.params == 144
    assert [layer.shares for layer in result.layers] == [None, None, "a_dw", "a"]


# A layer without parameters has none to share: 'share' on it, or naming it, is refused
# where it is written, in both formats; a block use still shares layer by layer.
PARAMLESS = [
    "RELU",
    "MAXPOOL(2)",
    "AVGPOOL(2)",
    "FLATTEN",
    "DROPOUT(0.5)",
    "IDENTITY",
    "SIGMOID",
    "UPSAMPLE(2)",
    "BN(affine=false)",
]


@given(
    st.sampled_from([p for p in PARAMLESS if p != "FLATTEN"]),  # the next may need a map
    st.sampled_from([*PARAMLESS, "CONV(4, 1)"]),
    st.booleans(),
)
def test_share_without_parameters_is_refused(first: str, second: str, yaml: bool) -> None:
    def named(layer: str, extra: str) -> str:
        if "(" in layer:
            return layer[:-1] + ", " + extra + ")"
        return f"{layer}({extra})"

    text = f"INPUT(8x8x4) -> {named(first, 'name=a')} -> {named(second, 'share=a')}"
    first_kind = parse(text).layers[0].kind
    if yaml:  # the same network as YAML
        text = format_yaml(parse(text))
        assert "share: a" in text
    code, out, err = run_cli("summarize", text)
    assert (code, out) == (2, ""), err
    assert "no parameters to share" in err and "Traceback" not in err
    assert ("line 4" if yaml else "<inline>:1:") in err
    if second.startswith("CONV"):
        assert f"'share' names 'a', a {first_kind} layer" in err
    else:
        assert "'share' on this" in err


def test_share_without_parameters_in_yaml_is_located(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        "input: 8x8x4\nlayers:\n  - conv: {filters: 4, name: a}\n"
        "  - identity: {name: b}\n  - add: {from: [a, b], share: a}\n",
        encoding="utf-8",
    )
    code, out, err = run_cli("summarize", str(path))
    assert (code, out) == (2, "")
    assert "line 5" in err and "'share' on this add layer, which has no parameters" in err


@given(st.sampled_from([*PARAMLESS, "CONV(4, 1)", "FC(3)", "BN", "PRELU(4)", "LAYERNORM"]))
def test_ops_without_parameters_have_none(layer: str) -> None:
    # a block use that shares passes no 'share' to its layers that hold none
    spec = parse(f"INPUT(8x8x4) -> {layer}")
    if holds_no_parameters(spec.layers[0].op):
        assert evaluate(spec).totals.params == 0
