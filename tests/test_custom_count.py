"""``--count custom --include ...``: conv and fc weight products plus chosen classes.

Each class's rule is checked by hand on small networks (the arithmetic in comments, from
PyTorch's documented shapes, not from cnncalc), against the peers where a peer counts a
class by the same rule (tests/fixtures/peer_counts.json, the tools run for real), and by
properties: including a class adds exactly that class.
"""

from __future__ import annotations

import json
from itertools import combinations
from math import ceil, floor
from pathlib import Path
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import cnncalc
from cnncalc.engine.counting import (
    CLASSES,
    INCLUDE_NAMES,
    PROFILES,
    adaptive_window_total,
    count,
    counted_as,
    custom_profile,
)
from cnncalc.results import NetworkResult
from tests.clirun import run_cli
from tests.conftest import SPECS
from tests.strategies import VALID_CHAINS

FIXTURE = json.loads((Path(__file__).parent / "fixtures" / "peer_counts.json").read_text())
NETWORKS: dict[str, dict[str, Any]] = FIXTURE["networks"]
CASES: dict[str, dict[str, Any]] = {c["name"]: c for c in FIXTURE["cases"]}
SHORT = tuple(INCLUDE_NAMES)  # bias, bn, pool, act, add, upsample

NET = (
    "INPUT(8x8x3) -> CONV(4, 3, p=1) -> BN -> RELU -> MAXPOOL(2) "
    "-> ADD{IDENTITY | CONV(4, 3, p=1, bias=false)} -> UPSAMPLE(2, bilinear) -> GAP -> FC(10)"
)
# By hand, with PyTorch's shapes:
#   conv1 3->4, k3, p1: out 8x8x4 = 256 elements; products 256 * 3*3*3 = 6912; bias 256
#   BN (affine, eval): 256 elements * 2 = 512
#   ReLU: 256 outputs = 256
#   MaxPool(2): out 4x4x4 = 64 elements * kernel 2*2 = 256
#   branch conv 4->4, k3, p1, no bias: out 64 elements * 4*3*3 = 2304
#   ADD of 2 inputs: (2 - 1) * 64 = 64
#   bilinear x2: out 8x8x4 = 256 elements * 4 taps = 1024
#   GAP on 8x8x4: each of its 256 inputs in one window = 256 (pool: 256 + 256 = 512)
#   FC 4->10: 40 products; bias 10 (bias: 256 + 10 = 266)
WEIGHTS = 6912 + 2304 + 40  # 9256
BY_HAND = {
    "bias": 266,
    "norm": 512,
    "pool": 256 + 256,
    "activation": 256,
    "elementwise": 64,
    "upsample": 1024,
}


def evaluate(text: str) -> NetworkResult:
    return cnncalc.evaluate(cnncalc.parse(text))


def test_each_class_by_hand() -> None:
    result = evaluate(NET)
    assert count(result, "custom").total == WEIGHTS == result.totals.macs
    for short, cls in INCLUDE_NAMES.items():
        counted = count(result, "custom", include=short)
        assert counted.profile == f"custom:{short}"
        assert counted.total == WEIGHTS + BY_HAND[cls]
        assert dict(counted.breakdown)[cls] == BY_HAND[cls]
    every = count(result, "custom", include=",".join(SHORT))
    assert every.total == WEIGHTS + sum(BY_HAND.values()) == 11890
    assert every.profile == "custom:bias,bn,pool,act,add,upsample"


@pytest.mark.parametrize(
    ("spec", "include", "expected"),
    [
        # ceil mode: out ceil((12 - 3)/2) + 1 = 6, the last window (10..12) overhangs the
        # input by one and still counts its 3x3 kernel: 6*6*8 * 9 = 2592
        ("INPUT(12x12x8) -> MAXPOOL(3, 2, ceil=true)", "pool", 2592),
        # dilation 2: effective kernel 3, stride 2, out floor((12-3)/2)+1 = 5:
        # 5*5*8 * 2*2 = 800 (dilation does not change the window's element count)
        ("INPUT(12x12x8) -> MAXPOOL(2, 2, d=2)", "pool", 800),
        # average pooling with padding 1: out floor((12 + 2 - 3)/3) + 1 = 4: 4*4*8 * 9 = 1152
        ("INPUT(12x12x8) -> AVGPOOL(3, 3, p=1)", "pool", 1152),
        # adaptive 12 -> 5 per axis: windows [floor(12i/5), ceil(12(i+1)/5)) are 0-3, 2-5,
        # 4-8, 7-10, 9-12: lengths 3+3+4+3+3 = 16 (overlapping): 16*16*8 = 2048
        ("INPUT(12x12x8) -> ADAPTIVE_AVGPOOL(5)", "pool", 2048),
        # adaptive 7 -> 3: windows 0-3, 2-5, 4-7: 9 per axis: 9*9*8 = 648
        ("INPUT(7x7x8) -> ADAPTIVE_MAXPOOL(3)", "pool", 648),
        # global max pooling: every input once, 7*7*8 = 392
        ("INPUT(7x7x8) -> GMP", "pool", 392),
        # LRN(5): size + 3 = 8 per element: 6*6*8 * 8 = 2304
        ("INPUT(6x6x8) -> LRN(5)", "bn", 2304),
        # layer norm with affine: 5 per element: 288 * 5 = 1440
        ("INPUT(6x6x8) -> LAYERNORM", "norm", 1440),
        # instance norm, affine off (PyTorch's default): 4 per element: 288 * 4 = 1152
        ("INPUT(6x6x8) -> INSTANCENORM", "bn", 1152),
        # batch norm without affine: 1 per element: 288
        ("INPUT(6x6x8) -> BN(affine=false)", "bn", 288),
        # softmax over 10 values: one per output element: 10
        ("INPUT(10) -> SOFTMAX", "act", 10),
        # SE gate: GAP 6*6*8 = 288 (pool), 1x1 conv 8*8 = 64 products + 8 bias, sigmoid on
        # 8 values (act), the broadcasting multiply once per output element 288 (add)
        ("INPUT(6x6x8) -> MUL{IDENTITY | GAP -> CONV(8, 1) -> SIGMOID}", "add", 288),
        ("INPUT(6x6x8) -> MUL{IDENTITY | GAP -> CONV(8, 1) -> SIGMOID}", "act", 8),
        ("INPUT(6x6x8) -> MUL{IDENTITY | GAP -> CONV(8, 1) -> SIGMOID}", "bias", 8),
        # a sum of three: (3 - 1) per output element: 2 * 288 = 576; a concat copies: 0
        ("INPUT(6x6x8) -> ADD{IDENTITY | RELU | TANH}", "add", 576),
        ("INPUT(6x6x8) -> CONCAT{IDENTITY | RELU}", "elementwise", 0),
        # nearest x2: out 10*10*8 = 800, 1 tap
        ("INPUT(5x5x8) -> UPSAMPLE(2)", "upsample", 800),
        # bicubic x2: 800 outputs * 4*4 taps = 12800
        ("INPUT(5x5x8) -> UPSAMPLE(2, bicubic)", "upsample", 12800),
        # trilinear x2 on 4x4x4x2: out 8*8*8*2 = 1024 * 2*2*2 taps = 8192
        ("INPUT(4x4x4x2) -> UPSAMPLE(2, trilinear)", "upsample", 8192),
        # linear x3 on 5x8 (1D): out 15*8 = 120 * 2 taps = 240
        ("INPUT(5x8) -> UPSAMPLE(3, linear)", "upsample", 240),
        # transposed conv, k3 s2 p1 on 5x5: out (5-1)*2 - 2 + 3 = 9: bias 9*9*4 = 324
        ("INPUT(5x5x8) -> DECONV(4, 3, s=2, p=1)", "bias", 324),
    ],
)
def test_each_rule_by_hand(spec: str, include: str, expected: int) -> None:
    result = evaluate(spec)
    counted = count(result, "custom", include)
    assert counted.total - result.totals.macs == expected


def test_symbolic_channels_are_counted_as_polynomials() -> None:
    # C channels on 8x8: BN 2 per element = 128C, ReLU 64C: 192C
    result = evaluate("INPUT(8x8xC) -> BN -> RELU")
    assert str(count(result, "custom", "bn,act").total) == "192C"
    # conv C->C, k3, p1: 64C outputs * 9C = 576C^2 products, bias 64C; adaptive 8 -> 3:
    # windows 0-3, 2-6, 5-8 = 3 + 4 + 3 = 10 per axis: 100C
    result = evaluate("INPUT(8x8xC) -> CONV(C, 3, p=1) -> ADAPTIVE_AVGPOOL(3)")
    assert str(count(result, "custom", "bias,pool").total) == "576C^2 + 164C"


@pytest.mark.parametrize("network", sorted(NETWORKS))
def test_bias_equals_ptflops_aten_on_the_zoo(network: str) -> None:
    # ptflops' aten backend counts conv and fc products with their bias and nothing else
    result = evaluate_file(NETWORKS[network]["spec"])
    assert count(result, "custom", "bias").total == NETWORKS[network]["ptflops-aten"]


@pytest.mark.parametrize("case", sorted(CASES))
def test_bias_equals_ptflops_aten_on_each_kind(case: str) -> None:
    result = evaluate(CASES[case]["spec"])
    assert count(result, "custom", "bias").total == CASES[case]["ptflops-aten"]


# fvcore counts the norms by the same rule, 2D nearest/bilinear upsampling by the taps,
# and global pooling by its input: on these cases (no bias) its total is custom's.
FVCORE_ALIKE = {
    "bn": [
        *("bn", "bn-noaffine", "bn1d", "layernorm", "layernorm-plain", "groupnorm"),
        *("instancenorm", "instancenorm-affine", "conv-nobias", "fc-nobias"),
    ],
    "upsample": ["upsample-nearest", "upsample-bilinear", "upsample-size"],
    "pool": ["gap", "gap-functional"],
}
# ptflops counts one per element for these activations and these function-call pools
PTFLOPS_ALIKE = {
    "act": ["relu6", "leaky_relu", "silu", "softmax", "relu-functional", "relu6-functional"],
    "pool": ["maxpool-functional", "gap-functional"],
}


@pytest.mark.parametrize(
    ("peer", "include", "case"),
    [("fvcore", i, c) for i, cs in FVCORE_ALIKE.items() for c in cs]
    + [("ptflops", i, c) for i, cs in PTFLOPS_ALIKE.items() for c in cs],
)
def test_a_class_equals_the_peer_that_counts_it_alike(peer: str, include: str, case: str) -> None:
    result = evaluate(CASES[case]["spec"])
    assert count(result, "custom", include).total == CASES[case][peer]


# fvcore (run for real) = weight products + batch norm at 2 per element + the input of
# the final adaptive average pooling; that input, from torchvision's model code:
FINAL_POOL_INPUT = {
    "alexnet": 6 * 6 * 256,
    "vgg16": 7 * 7 * 512,
    "resnet18": 7 * 7 * 512,
    "resnet50": 7 * 7 * 2048,
    "mobilenet_v2": 7 * 7 * 1280,
    "densenet121": 7 * 7 * 1024,
}


@pytest.mark.parametrize("network", sorted(NETWORKS))
def test_batch_norm_on_the_zoo_is_fvcores(network: str) -> None:
    result = evaluate_file(NETWORKS[network]["spec"])
    counted = count(result, "custom", "bn").total
    assert counted + FINAL_POOL_INPUT[network] == NETWORKS[network]["fvcore"]


def evaluate_file(name: str) -> NetworkResult:
    return cnncalc.evaluate(cnncalc.load(SPECS / name))


@given(st.integers(1, 400), st.integers(1, 400))
def test_adaptive_window_total_is_the_sum_of_pytorchs_windows(n: int, out: int) -> None:
    # PyTorch's adaptive pooling: window i spans [floor(i*n/out), ceil((i+1)*n/out))
    windows = [ceil((i + 1) * n / out) - floor(i * n / out) for i in range(out)]
    assert adaptive_window_total(n, out) == sum(windows)


SUBSETS = st.lists(st.sampled_from(SHORT), unique=True)


@given(VALID_CHAINS, SUBSETS, st.sampled_from(SHORT))
def test_including_a_class_adds_exactly_that_class(text: str, chosen: list[str], more: str) -> None:
    try:
        result = evaluate(text)
    except cnncalc.CnnCalcError:
        assume(False)
        return
    assert count(result, "custom").total == count(result, "torchvision").total
    cls = INCLUDE_NAMES[more]
    alone = dict(count(result, "custom", [more]).breakdown).get(cls, 0)
    before = count(result, "custom", [c for c in chosen if c != more])
    after = count(result, "custom", [*chosen, more])
    assert after.total == before.total + alone
    assert dict(after.breakdown) == {
        **dict(before.breakdown),
        **({cls: alone} if alone else {}),
    }
    assert [c for c, _ in after.breakdown] == [c for c in CLASSES if c in dict(after.breakdown)]
    assert sum(after.layers) == after.total


@given(VALID_CHAINS)
def test_every_class_counts_at_least_each_subset(text: str) -> None:
    try:
        result = evaluate(text)
    except cnncalc.CnnCalcError:
        assume(False)
        return
    every = count(result, "custom", SHORT).total
    assert isinstance(every, int)
    for size in range(len(SHORT) + 1):
        for subset in combinations(SHORT, size):
            part = count(result, "custom", subset).total
            assert isinstance(part, int) and part <= every
    shown = counted_as(result, "custom", True, SHORT)
    assert shown.totals.macs == every and shown.counting == "custom:" + ",".join(SHORT)


def test_class_names_are_accepted_and_ordered() -> None:
    assert custom_profile("upsample,Activation, NORM,bias").name == "custom:bias,bn,act,upsample"
    assert custom_profile(["elementwise", "add", "pool"]).name == "custom:pool,add"
    assert custom_profile().name == "custom"
    # the label is a profile name again: the JSON's `counting` reads back
    result = evaluate(NET)
    assert count(result, "custom:bn,bias").total == WEIGHTS + 266 + 512
    assert count(result, "custom:bias", "bn").profile == "custom:bias,bn"
    assert "custom" not in PROFILES  # the five peer profiles and torchvision unchanged


def test_library_errors() -> None:
    with pytest.raises(cnncalc.CnnCalcError, match="did you mean 'pool'") as info:
        count(evaluate(NET), "custom", "poll")
    assert info.value.option == "include"
    with pytest.raises(cnncalc.CnnCalcError, match="custom profile only") as info:
        count(evaluate(NET), "fvcore", "bias")
    assert info.value.option == "include"


def test_cli_custom_json_and_breakdown() -> None:
    code, out, err = run_cli(
        "summarize", NET, "--count", "custom", "--include", "upsample,bias", "-f", "json",
        "--breakdown",
    )  # fmt: skip
    assert code == 0, err
    totals = json.loads(out)["totals"]
    assert totals["counting"] == "custom:bias,upsample"
    assert totals["macs"] == WEIGHTS + 266 + 1024
    assert totals["breakdown"] == {"conv": 9216, "linear": 40, "bias": 266, "upsample": 1024}
    code, out, _ = run_cli("summarize", NET, "--count", "custom", "--breakdown")
    assert code == 0 and "MACs as custom counts" in out and "9,256" in out
    code, out, _ = run_cli("summarize", NET, "--count", "custom", "--include", "act,bn")
    assert code == 0 and "MACs as custom:bn,act counts" in out


def test_cli_custom_json_is_valid() -> None:
    from tests.test_schema import valid

    data = valid(
        "summarize",
        ["summarize", "specs/resnet18.yaml", "--count", "custom", "--include",
         "bias,bn,pool,act,add,upsample", "-f", "json", "--breakdown"],
    )  # fmt: skip
    assert data["totals"]["counting"] == "custom:bias,bn,pool,act,add,upsample"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--include", "bias"], "--include goes with --count custom, not --count torchvision"),
        (
            ["--count", "fvcore", "--include", "bias"],
            "--include goes with --count custom, not --count fvcore",
        ),
        (
            ["--count", "custom", "--include", "bias,actt"],
            "--include: unknown class 'actt' (did you mean 'act'?)",
        ),
        (["--count", "custom", "--include", "bias,"], "--include: an empty class name"),
        (["--count", "custum"], "--count: unknown counting profile 'custum' (did you mean"),
    ],
)
def test_cli_errors(args: list[str], message: str) -> None:
    code, out, err = run_cli("summarize", NET, *args)
    assert code == 2 and out == ""
    assert err.startswith(f"cnncalc: error: {message}")
    assert "Traceback" not in err
