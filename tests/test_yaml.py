"""YAML specs: forms, defaults, repeat, and errors that name the key path and line."""

from __future__ import annotations

import time

import pytest

from cnncalc import CnnCalcError, Options, evaluate
from cnncalc.errors import LimitError
from cnncalc.parse.yaml_spec import parse_yaml
from cnncalc.spec import Conv, Padding


def test_forms_and_aliases() -> None:
    spec = parse_yaml(
        "input: {size: [32, 32], channels: 3}\n"
        "defaults:\n  conv: {padding: 1}\n"
        "layers:\n"
        "  - Conv2d: {out_channels: 8, kernel_size: [3, 5]}\n"
        "  - {conv: 8, name: second}\n"
        "  - conv: [8, 1]\n"
        "  - repeat: 2\n    layers: [relu, {bn: null}]\n"
        "  - dense: 4\n"
    )
    first = spec.layers[0].op
    assert isinstance(first, Conv)
    assert first.kernel == (3, 5)
    assert first.padding == Padding("explicit", ((1, 1), (1, 1)))
    assert spec.layers[1].name == "second"
    assert [layer.kind for layer in spec.layers] == [
        "conv",
        "conv",
        "conv",
        "relu",
        "batchnorm",
        "relu",
        "batchnorm",
        "fc",
    ]


def test_one_d_and_three_d_inputs() -> None:
    one = evaluate(parse_yaml("input: 100x16\nlayers: [{conv: {filters: 8, kernel: 5}}]"))
    assert one.layers[0].output.size == (96,)
    three = evaluate(
        parse_yaml(
            "input: 16x112x112x3\nlayers: [{conv: {filters: 64, kernel: 3,"
            " padding: 1}}, {maxpool: {kernel: [1, 2, 2]}}]"
        )
    )
    assert three.layers[1].output.size == (16, 56, 56)
    assert three.layers[0].params == (3 * 27 + 1) * 64


def test_vars_and_arch() -> None:
    spec = parse_yaml(
        "input: 32x32x3\nvars: {N: 2}\ndefaults: {conv: {filters: 4}}\n"
        "arch: 'INPUT -> [CONV -> RELU]*N -> FC(10)'\n"
    )
    assert len(spec.layers) == 5
    spec = parse_yaml(
        "input: 32x32x3\nvars: {N: 2}\narch: '[CONV(4)]*N'\n",
        options=Options(variables={"N": 3}),
    )
    assert len(spec.layers) == 3
    spec = parse_yaml("input: 8x8x1\nvars: {N: 2}\nlayers:\n - repeat: N\n   layers: [relu]\n")
    assert len(spec.layers) == 2


def test_repeat_names_get_suffixes() -> None:
    spec = parse_yaml("input: 8x8x1\nlayers:\n - repeat: 2\n   layers: [{relu: {name: act}}]")
    assert [layer.name for layer in spec.layers] == ["act_1", "act_2"]


def message(text: str) -> str:
    with pytest.raises(CnnCalcError) as info:
        evaluate(parse_yaml(text, "net.yaml"))
    return str(info.value)


def test_unknown_key_names_path_and_line() -> None:
    assert message("input: 8x8x1\nlayers:\n  - relu\n  - conv: {filters: 8, strid: 2}\n") == (
        "net.yaml, line 4, at layers[1].conv.strid: unknown key 'strid' for conv "
        "(did you mean 'stride'?); conv takes: filters, kernel, stride, padding, dilation, "
        "groups, bias"
    )


def test_wrong_type() -> None:
    assert message("input: 8x8x1\nlayers:\n  - conv: {filters: 2.5}\n") == (
        "net.yaml, line 3, at layers[0].conv.filters: conv filters must be a whole number, "
        "got 2.5 (a number with a fraction)"
    )


def test_non_positive_and_unknown_kind() -> None:
    assert message("input: 8x8x0\nlayers: [relu]\n") == (
        "net.yaml, line 1, at input: input channels must be positive, got 0"
    )
    assert "unknown layer kind 'convv' (did you mean 'conv'?)" in message(
        "input: 8x8x1\nlayers: [convv]\n"
    )


def test_top_level_and_yaml_syntax() -> None:
    assert message("inpt: 8x8x1\nlayers: [relu]\n").startswith(
        "net.yaml, line 1, at inpt: unknown top-level key 'inpt' (did you mean 'input'?)"
    )
    syntax = message("input: 8x8x1\nlayers: [relu\n")
    # libyaml and PyYAML's pure-Python parser word the problem differently
    assert syntax.startswith("net.yaml, line 3, column 1: YAML syntax error: ")
    assert "expected ',' or ']'" in syntax
    assert message("") == "net.yaml: the spec is empty; it needs 'input' and 'layers'"
    assert "key 'layers' appears twice" in message("input: 8x8x1\nlayers: []\nlayers: []\n")


def test_kernel_larger_than_padded_input_names_line() -> None:
    assert message("input: 4x4x1\nlayers:\n  - conv: {filters: 1, kernel: 7, padding: 1}\n") == (
        "net.yaml, line 3, at layers[0].conv: layer 1 (conv1): kernel 7 is larger than the "
        "padded input 6 (4 + 1 + 1) on axis H"
    )


def test_layers_written_alike_keep_their_own_place() -> None:
    # the second conv is read from the first's text, but its error names its own line
    text = (
        "input: 4x4x1\nlayers:\n"
        "  - conv: {filters: 1, kernel: 3}\n"
        "  - relu\n"
        "  - relu\n"
        "  - conv: {filters: 1, kernel: 3}\n"
    )
    assert message(text) == (
        "net.yaml, line 6, at layers[3].conv: layer 4 (conv2): kernel 3 is larger than the "
        "padded input 2 (2 + 0 + 0) on axis H"
    )
    layers = parse_yaml(text, "net.yaml").layers
    assert [layer.origin.describe() for layer in layers] == [
        "net.yaml, line 3, at layers[0].conv",
        "net.yaml, line 4, at layers[1]",
        "net.yaml, line 5, at layers[2]",
        "net.yaml, line 6, at layers[3].conv",
    ]
    assert layers[0] == layers[3] and layers[1] == layers[2]  # origins do not compare


def test_per_axis_length_must_match() -> None:
    assert "kernel has 3 values, but the input has 2 spatial axes" in message(
        "input: 8x8x1\nlayers: [{conv: {filters: 1, kernel: [1, 2, 3]}}]"
    )


def test_alias_bomb_is_refused_quickly() -> None:
    # Seven levels of ten aliases each: level a holds 1 + 10 values, each later level
    # 1 + 10 times the one before, so g expands to 11,111,111 values, past the 5,000,000
    # budget, from under 400 characters. The keys are all valid, so only the alias budget
    # can refuse it, and it must do so without expanding anything.
    bomb = "input: 8x8x1\nvars:\n  a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n"
    for previous, current in zip("abcdef", "bcdefg", strict=True):
        bomb += f"  {current}: &{current} [" + ", ".join([f"*{previous}"] * 10) + "]\n"
    bomb += "layers: [relu]\n"
    assert len(bomb) < 400
    started = time.perf_counter()
    with pytest.raises(LimitError) as info:
        parse_yaml(bomb, "bomb.yaml")
    assert time.perf_counter() - started < 2
    assert str(info.value) == (
        "bomb.yaml: the document expands to more than 5,000,000 values "
        "(aliases repeated too often?)"
    )
    text = "input: 8x8x1\nx: &x [relu, relu]\nlayers: *x\n"
    with pytest.raises(CnnCalcError, match="unknown top-level key 'x'"):
        parse_yaml(text)


def test_repeat_budget_is_checked_before_expanding() -> None:
    with pytest.raises(LimitError, match="expands to 10,000,000,000 layers"):
        parse_yaml(
            "input: 8x8x1\nlayers:\n - repeat: 100000\n   layers:\n"
            "    - repeat: 100000\n      layers: [relu]\n"
        )


def test_long_documents_are_not_mistaken_for_alias_bombs() -> None:
    # 20,000 layers: without aliases, and with every layer but the first two an alias of
    # one of them (measured by the alias budget, and far under it).
    plain = "".join("  - conv: {filters: 2, kernel: 1}\n  - relu\n" for _ in range(10_000))
    aliased = "  - &c {conv: {filters: 2, kernel: 1}}\n  - &r relu\n" + "  - *c\n  - *r\n" * 9_999
    for body in (plain, aliased):
        spec = parse_yaml(f"input: 4x4x1\nlayers:\n{body}")
        assert len(spec.layers) == 20_000
        assert [layer.kind for layer in spec.layers[-2:]] == ["conv", "relu"]


def test_recursive_alias_is_refused() -> None:
    with pytest.raises(CnnCalcError, match="an alias refers to itself"):
        parse_yaml("input: 8x8x1\nlayers: &x [relu, *x]\n")
