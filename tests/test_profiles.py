"""Counting profiles against the peers themselves.

Every expected number comes from tests/fixtures/peer_counts.json, written by
tests/fixtures/generate_peer_counts.py, which ran torchinfo 1.8.0, fvcore 0.1.5 and
ptflops 0.7.5 (both backends) on torchvision's models and on one small PyTorch model per
layer kind. No peer and no torch is needed here.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import assume, given

import cnncalc
from cnncalc.engine.counting import CLASSES, PROFILES, count, counted_as
from tests.clirun import run_cli
from tests.conftest import SPECS
from tests.strategies import VALID_CHAINS

FIXTURE = json.loads((Path(__file__).parent / "fixtures" / "peer_counts.json").read_text())
PEERS = [name for name in PROFILES if name != "torchvision"]
NETWORKS: dict[str, dict[str, Any]] = FIXTURE["networks"]
CASES: list[dict[str, Any]] = FIXTURE["cases"]


def test_fixture_names_the_peer_versions() -> None:
    versions = FIXTURE["versions"]
    assert versions["torchinfo"] == "1.8.0"
    assert versions["ptflops"] == "0.7.5"
    assert versions["fvcore"].startswith("0.1.5")
    for profile in PEERS:  # each profile says which version it reproduces
        tool = "fvcore" if profile == "fvcore" else profile.split("-")[0]
        assert versions[tool].split(".post")[0] in PROFILES[profile].tool


@pytest.mark.parametrize("network", sorted(NETWORKS))
@pytest.mark.parametrize("profile", PEERS)
def test_profile_equals_the_peer_on_torchvision_networks(network: str, profile: str) -> None:
    measured = NETWORKS[network]
    result = cnncalc.evaluate(cnncalc.load(SPECS / measured["spec"]))
    assert result.totals.params == measured["params"]
    assert count(result, profile).total == measured[profile]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
@pytest.mark.parametrize("profile", PEERS)
def test_profile_equals_the_peer_on_each_kind(case: dict[str, Any], profile: str) -> None:
    result = cnncalc.evaluate(cnncalc.parse(case["spec"]))
    assert result.totals.params == case["params"]
    assert count(result, profile).total == case[profile]


def test_fixture_covers_every_kind_the_peers_can_see() -> None:
    written = {layer.kind for c in CASES for layer in cnncalc.parse(c["spec"]).layers}
    assert {"conv", "fc", "batchnorm", "maxpool", "avgpool", "relu", "add", "concat"} <= written
    assert len(written) >= 30


@given(VALID_CHAINS)
def test_breakdown_adds_up_and_default_is_cnncalcs_own(text: str) -> None:
    try:
        result = cnncalc.evaluate(cnncalc.parse(text))
    except cnncalc.CnnCalcError:
        assume(False)  # a chain whose sizes do not work out
        return
    assert count(result, "torchvision").total == result.totals.macs
    for profile in PROFILES:
        counted = count(result, profile)
        assert sum(v for _, v in counted.breakdown) == counted.total == sum(counted.layers)
        assert [c for c, _ in counted.breakdown] == [
            c for c in CLASSES if c in dict(counted.breakdown)
        ]
        # every peer counts at least the weight products cnncalc counts
        assert isinstance(counted.total, int) and isinstance(result.totals.macs, int)
        assert counted.total >= result.totals.macs
        shown = counted_as(result, profile, breakdown=True)
        assert shown.totals.macs == counted.total
        assert [layer.macs for layer in shown.layers] == list(counted.layers)


def test_cli_count_and_breakdown() -> None:
    # AlexNet under torchinfo: 714,682,664 (peer_counts.json, torchinfo 1.8.0 run)
    code, stdout, _ = run_cli(
        "summarize", "specs/alexnet.yaml", "--count", "torchinfo", "-f", "json"
    )
    assert code == 0
    totals = json.loads(stdout)["totals"]
    assert totals["macs"] == NETWORKS["alexnet"]["torchinfo"]
    assert totals["counting"] == "torchinfo"
    code, stdout, _ = run_cli(
        "summarize", "specs/resnet18.yaml", "--count", "fvcore", "--breakdown"
    )
    assert code == 0
    assert "MACs as fvcore counts" in stdout
    assert "norm" in stdout


def test_unknown_profile_is_a_located_error() -> None:
    code, _, stderr = run_cli("summarize", "specs/alexnet.yaml", "--count", "flops")
    assert code == 2
    assert stderr.startswith("cnncalc: error: --count: unknown counting profile 'flops'")
    assert "Traceback" not in stderr


def test_functional_is_checked_and_written_back() -> None:
    code, _, err = run_cli("summarize", "INPUT(8x8x3) -> CONV(4, functional=true)")
    assert code == 2
    assert "functional applies to activation, pooling, upsample and flatten layers" in err
    assert "^" in err  # located under the argument
    code, out, _ = run_cli("format", "INPUT(8x8x3) -> relu(functional=true)")
    assert (code, out.strip()) == (0, "INPUT(8x8x3) -> RELU(functional=true)")
    spec = cnncalc.parse("INPUT(8x8x3) -> MAXPOOL(2, functional=true)")
    code, out, _ = run_cli("expand", "INPUT(8x8x3) -> MAXPOOL(2, functional=true)", "-f", "yaml")
    assert code == 0 and "functional: true" in out
    assert spec.layers[0].functional


def test_breakdown_is_refused_where_it_cannot_be_shown() -> None:
    code, _, err = run_cli("summarize", "specs/alexnet.yaml", "--breakdown", "-f", "csv")
    assert code == 2 and err.startswith("cnncalc: error: --breakdown: CSV has one row per layer")
