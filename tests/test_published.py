"""Numbers from independent sources: torchvision, the papers, cs231n, the lecture, Distill.

Every expected value here comes from docs/published-figures.md (each test names its
section), never from cnncalc itself.
"""

from __future__ import annotations

import re

import pytest

from cnncalc.results import LayerResult, NetworkResult
from tests.conftest import ROOT, num, summarize


def by_name(result: NetworkResult, name: str) -> LayerResult:
    return next(layer for layer in result.layers if layer.name == name)


# docs/published-figures.md: torchvision (AlexNet, VGG), AlexNet 2012, LeNet-5
@pytest.mark.parametrize(
    ("spec", "params", "macs"),
    [
        ("alexnet.yaml", 61_100_840, 714_188_480),
        ("vgg16.yaml", 138_357_544, 15_470_264_320),
        ("vgg11.yaml", 132_863_336, None),
        ("vgg19.yaml", 143_667_240, None),
        ("alexnet2012.yaml", 60_965_224, None),
        ("lenet5.yaml", 61_706, None),
    ],
)
def test_zoo_totals(spec: str, params: int, macs: int | None) -> None:
    result = summarize(spec)
    assert result.totals.params == params
    if macs is not None:
        assert result.totals.macs == macs
        assert result.totals.flops == 2 * macs


# docs/published-figures.md: torchvision
def test_vgg_gmacs_match_torchvision_docs() -> None:
    # torchvision's documented "GFLOPS" are MACs: 7.609 (vgg11), 19.632 (vgg19)
    assert round(num(summarize("vgg11.yaml").totals.macs) / 1e9, 3) == 7.609
    assert round(num(summarize("vgg19.yaml").totals.macs) / 1e9, 3) == 19.632


# docs/published-figures.md: AlexNet 2012
def test_alexnet_2012_per_layer_parameters() -> None:
    result = summarize("alexnet2012.yaml")
    expected = {
        "conv1": 34_944,
        "conv2": 307_456,
        "conv3": 885_120,
        "conv4": 663_936,
        "conv5": 442_624,
        "fc6": 37_752_832,
        "fc7": 16_781_312,
        "fc8": 4_097_000,
    }
    assert {name: by_name(result, name).params for name in expected} == expected
    conv1 = by_name(result, "conv1")
    assert (conv1.output.size, conv1.output.channels) == ((55, 55), 96)


# docs/published-figures.md: LeNet-5
def test_lenet5_per_layer() -> None:
    result = summarize("lenet5.yaml")
    assert by_name(result, "C1").params == 156
    assert by_name(result, "C1").output.size == (28, 28)
    assert by_name(result, "S2").output.size == (14, 14)
    assert by_name(result, "C3").params == 2_416
    assert by_name(result, "C3").output.size == (10, 10)
    assert by_name(result, "S4").output.size == (5, 5)
    assert by_name(result, "C5").params == 48_120
    assert by_name(result, "F6").params == 10_164
    assert by_name(result, "output").params == 850


# docs/published-figures.md: cs231n
CS231N_VGG16 = [
    # (output H=W, C, weights without biases) for each conv and pool, in order
    (224, 64, 1_728),
    (224, 64, 36_864),
    (112, 64, 0),
    (112, 128, 73_728),
    (112, 128, 147_456),
    (56, 128, 0),
    (56, 256, 294_912),
    (56, 256, 589_824),
    (56, 256, 589_824),
    (28, 256, 0),
    (28, 512, 1_179_648),
    (28, 512, 2_359_296),
    (28, 512, 2_359_296),
    (14, 512, 0),
    (14, 512, 2_359_296),
    (14, 512, 2_359_296),
    (14, 512, 2_359_296),
    (7, 512, 0),
]


def test_vgg16_layers_match_cs231n_table() -> None:
    result = summarize("vgg16.yaml")
    rows = []
    for layer in result.layers:
        if layer.kind in ("conv", "maxpool"):
            bias = layer.output.channels if layer.kind == "conv" else 0
            rows.append((layer.output.size[0], layer.output.channels, layer.params - bias))
    assert rows == CS231N_VGG16
    fcs = [layer.params - layer.output.channels for layer in result.layers if layer.kind == "fc"]
    assert fcs == [102_760_448, 16_777_216, 4_096_000]
    weights = sum(r[2] for r in CS231N_VGG16) + sum(fcs)
    assert weights == 138_344_128
    assert result.input.numel == 150_528


# docs/published-figures.md: Receptive fields (vgg_16)
VGG16_RF = {  # TF-slim vgg_16 endpoints: receptive field, effective stride, effective padding
    "conv1_1": (3, 1, 1),
    "pool1": (6, 2, 2),
    "conv2_1": (10, 2, 4),
    "pool2": (16, 4, 6),
    "conv3_1": (24, 4, 10),
    "conv3_2": (32, 4, 14),
    "pool3": (44, 8, 18),
    "conv4_1": (60, 8, 26),
    "conv4_2": (76, 8, 34),
    "pool4": (100, 16, 42),
    "conv5_1": (132, 16, 58),
    "conv5_2": (164, 16, 74),
    "pool5": (212, 32, 90),
}


def test_vgg16_receptive_fields_match_distill() -> None:
    result = summarize("vgg16.yaml")
    convs = [layer for layer in result.layers if layer.kind == "conv"]
    pools = [layer for layer in result.layers if layer.kind == "maxpool"]
    named = {
        "conv1_1": convs[0],
        "conv2_1": convs[2],
        "conv3_1": convs[4],
        "conv3_2": convs[5],
        "conv4_1": convs[7],
        "conv4_2": convs[8],
        "conv5_1": convs[10],
        "conv5_2": convs[11],
        "pool1": pools[0],
        "pool2": pools[1],
        "pool3": pools[2],
        "pool4": pools[3],
        "pool5": pools[4],
    }
    for endpoint, (size, jump, padding) in VGG16_RF.items():
        for axis in named[endpoint].receptive_field:
            assert (axis.size, axis.jump, axis.padding) == (size, jump, padding), endpoint


# docs/published-figures.md: Receptive fields (alexnet_v2)
ALEXNET_V2 = (  # TF-slim alexnet_v2 at 224: VALID conv1 and pools, SAME elsewhere
    "INPUT(224x224x3) -> CONV(64, 11, s=4, name=conv1) -> MAXPOOL(3, 2, name=pool1)"
    " -> CONV(192, 5, p=same, name=conv2) -> MAXPOOL(3, 2, name=pool2)"
    " -> CONV(384, 3, p=same, name=conv3) -> CONV(384, 3, p=same, name=conv4)"
    " -> CONV(256, 3, p=same, name=conv5) -> MAXPOOL(3, 2, name=pool5)"
)


def test_alexnet_v2_receptive_fields_match_distill() -> None:
    result = summarize(ALEXNET_V2)
    expected = {
        "conv1": (11, 4, 0),
        "pool1": (19, 8, 0),
        "conv2": (51, 8, 16),
        "conv3": (99, 16, 32),
        "conv4": (131, 16, 48),
        "conv5": (163, 16, 64),
        "pool5": (195, 32, 64),
    }
    for name, want in expected.items():
        axis = by_name(result, name).receptive_field[0]
        assert (axis.size, axis.jump, axis.padding) == want, name


# docs/published-figures.md: Receptive fields (mobilenet_v1), MobileNet v1
def test_mobilenet_v1_receptive_field_and_size() -> None:
    result = summarize("mobilenet_v1.yaml")
    last = by_name(result, "Conv2d_13_pointwise")
    assert [(a.size, a.jump, a.padding) for a in last.receptive_field] == [(315, 32, 126)] * 2
    assert last.output.size == (7, 7)
    # the paper: 569 million mult-adds, 4.2 million parameters
    assert round(num(result.totals.macs) / 1e6) == 569
    assert round(num(result.totals.params) / 1e6, 1) == 4.2


# docs/published-figures.md: Receptive fields (torchvision's AlexNet)
def test_fc_after_pool_uses_whole_map_as_kernel() -> None:
    # AlexNet fc6 after a 6x6 pool5 with RF 195, jump 32: 195 + 5*32 = 355
    result = summarize("alexnet.yaml")
    assert by_name(result, "pool5").receptive_field[0].size == 195
    assert by_name(result, "fc6").receptive_field[0].size == 355


def test_cited_sections_exist() -> None:
    # every "# docs/published-figures.md: SECTION (detail), SECTION" names a real section
    doc = (ROOT / "docs" / "published-figures.md").read_text(encoding="utf-8")
    sections = set(re.findall(r"^## (.+)$", doc, flags=re.M))
    cited = {
        re.sub(r"\s*\(.*?\)", "", part).strip()
        for path in (ROOT / "tests").glob("*.py")
        for line in re.findall(r"^\s*# docs/published-figures\.md: (.+)$", path.read_text(), re.M)
        for part in re.split(r",\s*(?![^()]*\))", line)
    }
    assert len(cited) >= 8
    assert cited <= sections, cited - sections


def test_resnet50_stages_group_as_torchvision_names_them() -> None:
    # torchvision's resnet50: layer1 (three bottlenecks, layer1.0 to layer1.2) has
    # 215,808 parameters; layer2 1,219,584; layer3 7,098,368; layer4 14,964,736
    # (sum(p.numel() for p in model.layerN.parameters())).
    from cnncalc.results import collapse_blocks

    result = collapse_blocks(summarize("resnet50.yaml"), 1)
    stages = {layer.name: layer.params for layer in result.layers if layer.name.startswith("layer")}
    assert stages == {
        "layer1": 215_808,
        "layer2": 1_219_584,
        "layer3": 7_098_368,
        "layer4": 14_964_736,
    }
