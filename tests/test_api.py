"""The public library API: what ``import cnncalc`` offers, and the README's Python example."""

from __future__ import annotations

import gc
import os
import re
from pathlib import Path

import pytest

import cnncalc
from tests.clirun import run_cli
from tests.conftest import ROOT, SPECS


def test_public_names_are_all_there() -> None:
    for name in cnncalc.__all__:
        assert getattr(cnncalc, name) is not None
    assert {"load", "parse", "evaluate", "render", "Options", "CnnCalcError"} <= set(
        cnncalc.__all__
    )
    with pytest.raises(AttributeError):
        cnncalc.load_spec  # noqa: B018 (the old guessing loader is gone)


def test_load_takes_str_and_pathlike() -> None:
    # docs/published-figures.md: torchvision (alexnet: 61,100,840 params, 714,188,480 MACs)
    for path in (str(SPECS / "alexnet.yaml"), SPECS / "alexnet.yaml", SPECS / "alexnet.cnn"):
        result = cnncalc.evaluate(cnncalc.load(path))
        assert (result.totals.params, result.totals.macs) == (61_100_840, 714_188_480)


def test_load_never_takes_text_for_a_path() -> None:
    with pytest.raises(cnncalc.InputFileError, match="no such file"):
        cnncalc.load("INPUT(8x8x1) -> CONV(2)")


def test_parse_grammar_and_yaml_text() -> None:
    grammar = cnncalc.parse("INPUT(32x32x3) -> CONV(16, 3) -> FC(10)")
    yaml_text = "input: 32x32x3\nlayers:\n  - conv: {filters: 16, kernel: 3}\n  - fc: 10\n"
    assert cnncalc.parse(yaml_text, "yaml").layers == grammar.layers
    result = cnncalc.evaluate(grammar)
    # by hand: 3*3*3*16 + 16 = 448; 30*30*16*10 + 10 = 144,010
    assert [layer.params for layer in result.layers] == [448, 144_010]
    assert result.layers[0].output == cnncalc.Shape(16, (30, 30))
    assert result.layers[0].params_nonshared == (27 + 1) * 16 * 30 * 30


def test_keywords_variables_input_and_defaults() -> None:
    net = cnncalc.parse(
        "INPUT(8x8x1) -> [CONV -> RELU]*N",
        variables={"N": 3},
        defaults={"conv.filters": 4, "conv.padding": 1},
        input="16x16x2",
    )
    assert len(net.layers) == 6
    result = cnncalc.evaluate(net, dtype="float16")
    assert result.layers[-1].output == cnncalc.Shape(4, (16, 16))
    assert result.dtype_bytes == 2
    options = cnncalc.Options(variables={"N": 1})
    assert len(cnncalc.parse("INPUT(8x8x1) -> [RELU]*N", options=options).layers) == 1


def test_typed_window() -> None:
    layer = cnncalc.evaluate(cnncalc.parse("INPUT(9x9x1) -> CONV(1, 4, s=2, p=same)")).layers[0]
    assert layer.window is not None
    # TensorFlow's same at stride 2: out = ceil(9/2) = 5, total = (5-1)*2 + 4 - 9 = 3
    assert layer.window.padding == ((1, 2), (1, 2))
    assert (layer.window.kernel, layer.window.stride, layer.window.dilation) == (
        (4, 4),
        (2, 2),
        (1, 1),
    )


def test_bad_options_are_errors_naming_the_option() -> None:
    with pytest.raises(cnncalc.CnnCalcError) as caught:
        cnncalc.parse("INPUT(8x8x1) -> RELU", variables={"N": 1.5})  # type: ignore[dict-item]
    assert caught.value.option == "variables"
    with pytest.raises(cnncalc.CnnCalcError) as caught:
        cnncalc.parse("INPUT(8x8x1) -> RELU", defaults={"padding": 1})
    assert caught.value.option == "defaults"
    with pytest.raises(cnncalc.CnnCalcError) as caught:
        cnncalc.parse("INPUT(8x8x1) -> [RELU]*20", max_layers=10)
    assert caught.value.option == "max_layers"
    assert "--" not in str(caught.value)
    with pytest.raises(cnncalc.CnnCalcError, match="unknown output format"):
        cnncalc.render(cnncalc.evaluate(cnncalc.parse("INPUT(4) -> FC(2)")), "xml")  # type: ignore[arg-type]


def test_collector_state_is_restored() -> None:
    assert gc.isenabled()
    cnncalc.evaluate(cnncalc.load(SPECS / "resnet18.yaml"))
    assert gc.isenabled()
    gc.disable()
    try:
        cnncalc.evaluate(cnncalc.parse("INPUT(4) -> FC(2)"))
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_render_formats() -> None:
    result = cnncalc.evaluate(cnncalc.load(SPECS / "lenet5.yaml"))
    assert cnncalc.render(result).startswith(result.name or "")
    assert cnncalc.render(result, "json").lstrip().startswith("{")
    assert cnncalc.render(result, "csv").startswith("index,name,")
    assert "| # |" in cnncalc.render(result, "markdown")


def _python_blocks(text: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", text, re.S)


def test_readme_python_example_runs(monkeypatch: pytest.MonkeyPatch, capsys: object) -> None:
    blocks = _python_blocks((ROOT / "README.md").read_text())
    assert blocks, "the README has a 'Use from Python' example"
    monkeypatch.chdir(ROOT)
    for block in blocks:
        exec(compile(block, "README.md", "exec"), {})


def test_package_docstring_example_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    doc = cnncalc.__doc__ or ""
    example = "\n".join(
        line[4:].split("  #")[0] for line in doc.splitlines() if line.startswith("    ")
    )
    monkeypatch.chdir(ROOT)
    exec(compile(example, "cnncalc/__init__.py", "exec"), {"cnncalc": cnncalc})
    assert os.getcwd() == str(Path(ROOT))


def test_view_is_what_summarize_shows() -> None:
    # the command line is a thin layer over view(): the same options give the same text
    spec = str(SPECS / "resnet18.yaml")
    result = cnncalc.evaluate(cnncalc.load(spec))
    for options, flags in (
        ({"count": "ptflops", "batch": 2}, ["--count", "ptflops", "--batch", "2"]),
        ({"depth": 1, "layout": "nchw"}, ["--depth", "1", "--layout", "nchw"]),
        ({"style": "keras", "warnings": "none"}, ["--style", "keras", "--warnings", "none"]),
        ({"count": "custom", "include": "bias,bn"}, ["--count", "custom", "--include", "bn,bias"]),
    ):
        fmt = "markdown" if "style" in options else "json"
        code, out, _ = run_cli("summarize", spec, "-f", fmt, *flags)
        assert code == 0
        assert cnncalc.render(cnncalc.view(result, **options), fmt) == out  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("options", "option"),
    [
        ({"batch": 0}, "batch"),
        ({"depth": -1}, "depth"),
        ({"layout": "chw"}, "layout"),
        ({"style": "keras2"}, "style"),
        ({"warnings": "some"}, "warnings"),
        ({"count": "flops"}, "count"),
    ],
)
def test_view_refuses_unknown_options(options: dict[str, object], option: str) -> None:
    result = cnncalc.evaluate(cnncalc.parse("INPUT(8x8x1) -> CONV(2, 3)"))
    with pytest.raises(cnncalc.CnnCalcError) as caught:
        cnncalc.view(result, **options)  # type: ignore[arg-type]
    assert caught.value.option == option
