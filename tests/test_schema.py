"""Every JSON output validates against the schema ``cnncalc schema`` publishes."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator  # type: ignore[import-untyped]

from cnncalc.rendering.data import SCHEMA_VERSION
from tests.clirun import run_cli
from tests.conftest import ROOT, SPECS

ZOO = sorted(p for p in SPECS.glob("*") if "pattern" not in p.name)
SYMBOLIC = "INPUT(16x16xC) -> CONV(C, 3) -> RELU -> POOL -> FC(10)"


def published(name: str) -> Draft202012Validator:
    code, out, _ = run_cli("schema", name)
    assert code == 0
    schema = json.loads(out)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def valid(name: str, args: list[str], codes: tuple[int, ...] = (0,)) -> dict[str, Any]:
    code, out, err = run_cli(*args)
    assert code in codes, err
    data: dict[str, Any] = json.loads(out)
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in published(name).iter_errors(data)]
    assert not errors, errors[:5]
    assert data["schema_version"] == SCHEMA_VERSION
    return data


@pytest.mark.parametrize("spec", ZOO, ids=lambda p: p.name)
def test_every_zoo_summary_validates(spec: Path) -> None:
    valid("summarize", ["summarize", str(spec), "-f", "json"])


@pytest.mark.parametrize(
    "extra",
    [["--breakdown"], ["--count", "fvcore", "--breakdown"], ["--depth", "1"], ["--dtype", "int8"]],
)
def test_summary_options_validate(extra: list[str]) -> None:
    valid("summarize", ["summarize", str(SPECS / "resnet18.yaml"), "-f", "json", *extra])


def test_symbolic_counts_are_null_with_their_text() -> None:
    data = valid("summarize", ["summarize", SYMBOLIC, "-f", "json", "--breakdown"])
    # conv C -> C, 3x3: 9C^2 + C parameters; the input's channels are the symbol C
    assert data["input"]["channels"] is None and data["input"]["channels_expr"] == "C"
    conv = data["layers"][0]
    assert conv["params"] is None and conv["params_expr"] == "9C^2 + C"
    assert data["totals"]["params"] is None and isinstance(data["totals"]["params_expr"], str)
    assert data["layers"][1]["params"] == 0 and "params_expr" not in data["layers"][1]


def test_counts_are_integers_and_fields_are_lists() -> None:
    data = valid("summarize", ["summarize", str(SPECS / "alexnet.yaml"), "-f", "json"])
    for layer in data["layers"]:
        for key in ("params", "macs", "activations"):
            assert type(layer[key]) is int
        assert all(isinstance(v, list) for v in layer["receptive_field"].values())


def test_compare_uses_the_summary_objects() -> None:
    args = ["compare", str(SPECS / "vgg11.yaml"), str(SPECS / "vgg16.yaml"), "-f", "json"]
    data = valid("compare", args)
    summary = valid("summarize", ["summarize", str(SPECS / "vgg16.yaml"), "-f", "json"])
    second = data["networks"][1]
    assert second["totals"] == summary["totals"]
    assert second["receptive_field"] == summary["layers"][-1]["receptive_field"]
    assert second["output"] == summary["layers"][-1]["output"]
    # VGG-16 138,357,544 and VGG-11 132,863,336 parameters (torchvision's model docs)
    assert second["ratios"]["params"] == pytest.approx(138_357_544 / 132_863_336)
    valid("compare", ["compare", SYMBOLIC, SYMBOLIC.replace("C, 3", "C, 5"), "-f", "json"])


def test_check_answers_are_numbers_or_lists() -> None:
    data = valid("check", ["check", str(ROOT / "sheets" / "lecture5.yaml"), "-f", "json"], (1,))
    for q in data["questions"]:
        assert isinstance(q["answer"], int | list) and isinstance(q["correct"], int | list)
        assert not isinstance(q["correct"], str)


def test_sweep_validates() -> None:
    pattern = str(SPECS / "lecture-pattern.yaml")
    valid(
        "sweep", ["sweep", pattern, "--set", "N=1..2", "--input", "32x32x3,48x48x3", "-f", "json"]
    )
    valid("sweep", ["sweep", pattern, "--set", "N=1", "--where", "params < 0", "-f", "json"])
    data = valid("sweep", ["sweep", SYMBOLIC, "-f", "json"])
    assert data["rows"][0]["totals"]["params"] is None


def test_every_schema_is_published() -> None:
    code, out, _ = run_cli("schema")
    assert code == 0
    schemas = json.loads(out)
    assert sorted(schemas) == ["check", "compare", "memory", "summarize", "sweep", "work"]
    for schema in schemas.values():
        Draft202012Validator.check_schema(schema)
    code, _, err = run_cli("schema", "sumarize")
    assert code == 2 and "did you mean 'summarize'" in err


def test_sweep_csv_columns_are_the_json_paths() -> None:
    args = ["sweep", str(SPECS / "lecture-pattern.yaml"), "--set", "N=1,2"]
    _, out, _ = run_cli(*args, "-f", "csv")
    header = out.splitlines()[0].split(",")
    _, text, _ = run_cli(*args, "-f", "json")
    row = json.loads(text)["rows"][0]

    def paths(value: Any, prefix: str) -> list[str]:
        if isinstance(value, dict):
            return [p for k, v in value.items() for p in paths(v, f"{prefix}{k}.")]
        if isinstance(value, list):
            return [p for i, v in enumerate(value) for p in paths(v, f"{prefix}{i}.")]
        return [prefix[:-1]]

    assert header == paths(row, "")


@pytest.mark.parametrize("batch", ["1", "3"])
@pytest.mark.parametrize("spec", ["alexnet.yaml", "resnet18.yaml"])
def test_summary_csv_is_the_json_one_column_per_axis(spec: str, batch: str) -> None:
    _, out, _ = run_cli("summarize", str(SPECS / spec), "-f", "csv", "--batch", batch)
    rows = list(csv.DictReader(io.StringIO(out)))
    assert {row["batch"] for row in rows} == {batch}
    _, text, _ = run_cli("summarize", str(SPECS / spec), "-f", "json", "--batch", batch)
    document = json.loads(text)
    layers = [{**layer, "batch": document["batch"]} for layer in document["layers"]]
    assert len(rows) == len(layers)

    def cells(value: Any, prefix: str) -> dict[str, str]:
        if isinstance(value, dict):
            return {p: c for k, v in value.items() for p, c in cells(v, f"{prefix}{k}.").items()}
        if isinstance(value, list) and all(isinstance(v, str) for v in value) and value:
            return {prefix[:-1]: ";".join(value)}
        if isinstance(value, list):
            return {p: c for i, v in enumerate(value) for p, c in cells(v, f"{prefix}{i}.").items()}
        shown = "" if value is None else json.dumps(value) if isinstance(value, bool) else value
        return {prefix[:-1]: str(shown)}

    for row, layer in zip(rows, layers, strict=True):
        assert {k: v for k, v in row.items() if v != ""} == {
            k: v for k, v in cells(layer, "").items() if v != ""
        }
    assert "receptive_field.size.1" in rows[0] and "output.size.0" in rows[0]


@pytest.mark.parametrize(
    "args",
    [
        ["conv", "-i", "55x55x3", "-k", "11", "-p", "5", "--filters", "96", "--expect",
         "55x55x96", "--expect-params", "34,944"],
        ["pool", "-i", "6x6x1", "-k", "3", "-s", "2", "--ceil", "--expect", "3x3x1"],
        ["fc", "-i", "7x7x512", "--units", "4096", "--expect-params", "102764544"],
        ["local", "-i", "8x8x3", "-k", "3", "--filters", "2", "--expect-params", "1"],
        ["explain", "INPUT(8x8xC) -> CONV(C, 3)", "--layer", "1", "--expect", "6x6x4",
         "--expect-params", "5"],
    ],
)  # fmt: skip
def test_homework_json_validates(args: list[str]) -> None:
    data = valid("work", [*args, "-f", "json"], (0, 1))
    for check in data["checks"]:
        assert not isinstance(check["answer"], str) and not isinstance(check["correct"], str)
