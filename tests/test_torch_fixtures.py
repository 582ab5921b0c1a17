"""cnncalc against PyTorch's own answers for hundreds of random layer configurations.

The fixture is written by tests/fixtures/generate_torch_shapes.py where torch is
installed; this test needs no torch.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from cnncalc import CnnCalcError, evaluate
from cnncalc.parsing.yaml_spec import parse_yaml

FIXTURE = json.loads((Path(__file__).parent / "fixtures" / "torch_shapes.json").read_text())
CASES: list[dict[str, Any]] = FIXTURE["cases"]


def _spec_text(case: dict[str, Any]) -> str:
    channels, *size = case["input"]
    return yaml.safe_dump(
        {"input": "x".join(map(str, [*size, channels])), "layers": [case["layer"]]}
    )


def test_fixture_is_large_and_mixed() -> None:
    assert len(CASES) >= 300
    assert sum("error" in c for c in CASES) >= 20
    kinds = {next(iter(c["layer"])) for c in CASES}
    assert {"conv", "maxpool", "avgpool", "fc"} <= kinds
    assert {len(c["input"]) - 1 for c in CASES} == {1, 2, 3}
    # the corners of PyTorch's pooling rule: ceil-mode windows larger than the input
    # that PyTorch accepts, and padding past half the kernel that it refuses
    overhang = [
        c
        for c in CASES
        if "output" in c
        and any(
            a.get("ceil_mode")
            and any(n < k for n, k in zip(c["input"][1:], _axes(a, c), strict=True))
            for a in c["layer"].values()
        )
    ]
    assert len(overhang) >= 30


DECODER = {"conv_transpose", "upsample", "pixel_shuffle", "pixel_unshuffle", "pad", "crop"}


def test_fixture_covers_the_decoder_kinds() -> None:
    """Every decoder kind, accepted and refused; transposed convolutions in 1D, 2D and 3D
    with output padding and groups; every interpolation mode and fractional scales."""
    decoder = [c for c in CASES if next(iter(c["layer"])) in DECODER]
    for kind in DECODER:
        mine = [c for c in decoder if kind in c["layer"]]
        assert any("error" in c for c in mine), kind
        assert sum("output" in c for c in mine) >= 15, kind
    deconv = [c["layer"]["conv_transpose"] for c in decoder if "conv_transpose" in c["layer"]]
    assert {len(c["input"]) - 1 for c in decoder if "conv_transpose" in c["layer"]} == {1, 2, 3}
    assert any(a["output_padding"] != 0 for a in deconv)
    assert any(a["groups"] > 1 for a in deconv)
    ups = [c["layer"]["upsample"] for c in decoder if "upsample" in c["layer"] and "output" in c]
    assert {a["mode"] for a in ups} == {
        "nearest",
        "nearest-exact",
        "linear",
        "bilinear",
        "bicubic",
        "trilinear",
    }
    assert any(isinstance(a.get("scale"), float) and a["scale"] % 1 for a in ups)
    assert any("size" in a for a in ups)
    modes = {c["layer"]["pad"]["mode"] for c in decoder if "pad" in c["layer"]}
    assert modes == {"constant", "reflect", "replicate", "circular"}


def _axes(args: dict[str, Any], case: dict[str, Any]) -> list[int]:
    kernel = args.get("kernel", 0)
    dims = len(case["input"]) - 1
    return [kernel] * dims if isinstance(kernel, int) else list(kernel)


@pytest.mark.parametrize("case", CASES, ids=[f"case{i}" for i in range(len(CASES))])
def test_matches_pytorch(case: dict[str, Any]) -> None:
    text = _spec_text(case)
    if "error" in case:
        with pytest.raises(CnnCalcError):
            evaluate(parse_yaml(text))
        return
    result = evaluate(parse_yaml(text))
    layer = result.layers[-1]
    assert [layer.output.channels, *layer.output.size] == case["output"], text
    assert layer.params == case["params"], text
