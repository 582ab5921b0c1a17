"""The zoo against torchvision: exact parameters, MACs and output shapes.

Every expected number comes from tests/fixtures/torchvision_zoo.json, measured with
PyTorch 2.13 and torchvision 0.28 by tests/fixtures/generate_torchvision_zoo.py (batch 1,
eval mode, conv and linear MACs without bias), and torchvision's own published metadata
is checked against the same fixture. No torch needed.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tests.conftest import ROOT, SPECS, num, summarize

FIXTURE = json.loads((ROOT / "tests" / "fixtures" / "torchvision_zoo.json").read_text())
NETWORKS: dict[str, dict[str, Any]] = FIXTURE["networks"]

# Networks measured in the fixture that have no spec yet, with what each waits for (none:
# every measured network has one since issue 12's kinds landed).
PENDING: dict[str, str] = {}

ZOO = sorted(name for name in NETWORKS if name not in PENDING)
FILES = [
    f"{name}.{ext}" for name in ZOO for ext in ("yaml", "cnn") if (SPECS / f"{name}.{ext}").exists()
]


def test_every_measured_network_has_a_spec_or_is_pending() -> None:
    specs = {name for name in NETWORKS if (SPECS / f"{name}.yaml").exists()}
    assert specs | set(PENDING) == set(NETWORKS)
    assert not specs & set(PENDING), "a pending network has a spec: take it off PENDING"
    assert set(ZOO) == {
        "densenet121",
        "resnext50_32x4d",
        "wide_resnet50_2",
        "resnet152",
        "vgg11_bn",
        "mnasnet1_0",
        "efficientnet_b0",
        "mobilenet_v3_large",
        "mobilenet_v3_small",
        "convnext_tiny",
        "shufflenet_v2_x1_0",
        "regnet_y_400mf",
        "fcn_resnet50",
        "deeplabv3_resnet50",
        "lraspp_mobilenet_v3_large",
        "unet",
        "unet_padded",
        "dcgan_generator",
        "espcn",
    }
    assert {"vgg11_bn.cnn", "espcn.cnn", "dcgan_generator.cnn", "unet_padded.cnn"} <= set(FILES)


@pytest.mark.parametrize("spec", FILES)
def test_spec_is_exact_to_torchvision(spec: str) -> None:
    expected = NETWORKS[spec.rpartition(".")[0]]
    result = summarize(spec)
    _, channels, *size = expected["input"]
    assert (result.input.size, result.input.channels) == (tuple(size), channels)
    assert num(result.totals.params) == expected["params"]
    assert num(result.totals.macs) == expected["macs"]
    _, channels, *size = expected["output"]
    last = result.layers[-1].output
    assert (last.size, last.channels) == (tuple(size), channels)


def published_rows() -> dict[str, tuple[int, float]]:
    """num_params and "GFLOPS" per model from docs/published-figures.md's table."""
    doc = (ROOT / "docs" / "published-figures.md").read_text(encoding="utf-8")
    section = doc.split("## torchvision weights metadata", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| (\w+) \| \d+ \| \S+ \| ([\d,]+) \| ([\d.]+) \|$", section, re.M)
    return {name: (int(params.replace(",", "")), float(ops)) for name, params, ops in rows}


# docs/published-figures.md: torchvision weights metadata
def test_fixture_agrees_with_torchvision_published_metadata() -> None:
    rows = published_rows()
    published = {name: net["published"] for name, net in NETWORKS.items() if net.get("published")}
    assert set(rows) == set(published)
    assert len(rows) == 15
    for name, meta in published.items():
        net = NETWORKS[name]
        assert rows[name] == (meta["num_params"], meta["gflops"])
        # The segmentation weights count their auxiliary head; the zoo leaves it out.
        params = net.get("params_with_aux", net["params"])
        macs = net.get("macs_with_aux", net["macs"])
        assert params == meta["num_params"], name
        assert round(macs / 1e9, 3) == meta["gflops"], name


# torchvision publishes figures for its classifiers; the segmentation weights' figures
# count the auxiliary head the zoo leaves out, and the paper networks have none.
PUBLISHED_ZOO = [
    name
    for name in ZOO
    if NETWORKS[name].get("published") and "params_with_aux" not in NETWORKS[name]
]


# docs/published-figures.md: torchvision weights metadata
@pytest.mark.parametrize("name", PUBLISHED_ZOO)
def test_zoo_spec_matches_the_published_figures(name: str) -> None:
    params, gflops = published_rows()[name]
    result = summarize(f"{name}.yaml")
    assert result.totals.params == params
    assert round(num(result.totals.macs) / 1e9, 3) == gflops
