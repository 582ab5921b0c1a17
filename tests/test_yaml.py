"""YAML specs: forms, defaults, repeat, and errors that name the key path and line."""

from __future__ import annotations

import contextlib
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cnncalc import CnnCalcError, Options, evaluate
from cnncalc.errors import LimitError
from cnncalc.parsing.yaml_spec import parse_yaml
from cnncalc.spec import Conv, Padding
from tests.conftest import hang_guard, load_spec
from tests.strategies import YAML_LOOKALIKES, YAML_TAGS


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


def test_repeat_names_are_numbered_as_torchvision_numbers_blocks() -> None:
    spec = parse_yaml("input: 8x8x1\nlayers:\n - repeat: 2\n   layers: [{relu: {name: act}}]")
    assert [layer.name for layer in spec.layers] == ["act.0", "act.1"]
    # a stage's first block written by hand, the rest repeated: layer1.0, layer1.1, layer1.2
    spec = parse_yaml(
        "input: 8x8x1\nlayers:\n - relu: {name: layer1.0}\n - repeat: 2\n"
        "   layers: [{relu: {name: layer1}}]"
    )
    assert [layer.name for layer in spec.layers] == ["layer1.0", "layer1.1", "layer1.2"]


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
    with hang_guard(), pytest.raises(LimitError) as info:
        parse_yaml(bomb, "bomb.yaml")
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


# One number syntax: whole numbers are plain decimals, never YAML 1.1's octal, hex,
# base 60 or underscores; tags with bad content are located errors in cnncalc's words.


@pytest.mark.parametrize("text", ["010", "0x1F", "1:30", "1_000", "0o7", "0b11", "!!int 0x10"])
def test_numbers_are_decimal(text: str) -> None:
    # YAML 1.1 reads 010 as 8 and 1:30 as 90: a filter count that is silently another
    # number is refused at its place instead
    got = message(f"input: 8x8x1\nlayers:\n  - conv: {{filters: {text}, kernel: 1}}\n")
    assert got.startswith("net.yaml, line 3, at layers[0].conv.filters: cannot read ")
    assert "numbers are written in decimal" in got


def test_decimal_forms_and_floats_still_read() -> None:
    spec = parse_yaml("input: 8x8x1\nlayers:\n  - conv: {filters: +3, kernel: 1}\n")
    assert isinstance(spec.layers[0].op, Conv) and spec.layers[0].op.filters == 3
    spec = parse_yaml("input: 8x8x1\nlayers:\n  - conv: {filters: !!str 64, kernel: 1}\n")
    assert isinstance(spec.layers[0].op, Conv) and spec.layers[0].op.filters == 64
    assert "dropout p must be a finite number, got inf" in message(
        "input: 8x8x1\nlayers:\n  - dropout: .inf\n"
    )
    assert "numbers are written in decimal" in message(
        "input: 8x8x1\nlayers:\n  - dropout: 1:30.5\n"
    )


@pytest.mark.parametrize(
    ("value", "line_key", "words"),
    [
        ("conv: {filters: !!int abc, kernel: 1}", "conv.filters", "!!int takes a whole number"),
        ("batchnorm: {affine: !!bool maybe}", "batchnorm.affine", "!!bool takes true or false"),
        ("relu: {name: !!timestamp foo}", "relu.name", "a date is a real day"),
        ("relu: {name: 2001-13-45}", "relu.name", "a date is a real day"),
        ("dropout: !!float xyz", "dropout", "!!float takes a number"),
        ("dropout: !!binary ???", "dropout", "!!binary takes base64 data"),
        ("relu: {name: !!python/object foo}", "relu.name", "unsupported tag '!!python/object'"),
        ("relu: {name: !foo bar}", "relu.name", "unsupported tag '!foo'"),
    ],
)
def test_bad_tag_content_is_located(value: str, line_key: str, words: str) -> None:
    got = message(f"input: 8x8x1\nlayers:\n  - {value}\n")
    assert got.startswith(f"net.yaml, line 3, at layers[0].{line_key}: ")
    assert words in got
    assert "constructor" not in got


def test_second_document_in_cnncalc_words() -> None:
    assert message("input: 8x8x1\nlayers: [relu]\n---\ninput: 3\n") == (
        "net.yaml: a spec is one YAML document; a second one starts at line 3"
    )


@given(
    YAML_TAGS,
    YAML_LOOKALIKES,
    st.sampled_from(["filters: {}, kernel: 1", "filters: 2, kernel: {}", "filters: 2, bias: {}"]),
    st.booleans(),
)
def test_yaml_scalars_never_crash(tag: str, text: str, where: str, in_input: bool) -> None:
    value = f"{tag}{json.dumps(text)}" if tag and text == "" else f"{tag}{text}"
    if in_input:
        doc = f"input: {value}\nlayers:\n  - conv:\n      filters: 2\n      kernel: 1\n"
    else:
        body = where.replace("{}", value).replace(", ", "\n      ")
        doc = f"input: 8x8x1\nlayers:\n  - conv:\n      {body}\n"
    with contextlib.suppress(CnnCalcError):  # anything else fails the test
        evaluate(parse_yaml(doc, "net.yaml"))


@given(st.integers(1, 10**12), st.integers(1, 3), st.booleans())
def test_decimal_in_yaml_is_the_grammar_number(filters: int, kernel: int, bias: bool) -> None:
    word = "true" if bias else "false"
    yaml_text = (
        f"input: 4x4x2\nlayers:\n  - conv: {{filters: {filters}, kernel: {kernel}, bias: {word}}}\n"
    )
    grammar = f"INPUT(4x4x2) -> CONV({filters}, {kernel}, bias={word})"
    assert parse_yaml(yaml_text).layers[0].op == load_spec(grammar).layers[0].op


# Block uses follow the layer's rules, and counting ends quickly.


def _blocks(uses: str, extra: str = "") -> str:
    return "input: 8x8x1\nblocks:\n  unit:\n    layers: [relu]\n" + extra + f"layers:\n  - {uses}\n"


@pytest.mark.parametrize(
    ("use", "words"),
    [
        ("unit: {training_only: maybe}", "training_only must be true or false, got 'maybe'"),
        ("unit: {name: ''}", "name must be a non-empty text, got ''"),
        ("unit: {from: []}", "'from' needs at least one layer name"),
        ("unit: {from: ''}", "'from' takes layer names, got ''"),
        ("unit: {when: deep}", "'when' is for layers inside blocks"),
    ],
)
def test_block_use_checked_as_a_layer(use: str, words: str) -> None:
    assert (
        message(_blocks(use))
        == f"net.yaml, line 6, at layers[0].unit.{use[7:].split(':')[0]}: {words}"
    )
    layer = use.replace("unit", "relu")
    assert message(f"input: 8x8x1\nlayers:\n  - {layer}\n").endswith(words)


def test_when_on_a_block_use_inside_a_block() -> None:
    outer = (
        "  outer:\n    params: {deep: false}\n    layers:\n"
        "      - unit: {when: deep}\n      - conv: {filters: 2, kernel: 1}\n"
    )
    text = _blocks("outer\n  - outer: {deep: true}", outer)
    spec = parse_yaml(text)
    # the first use drops its unit (relu), the second keeps it
    assert [layer.kind for layer in spec.layers] == ["conv", "relu", "conv"]


def test_block_chain_count_is_refused_quickly() -> None:
    # block k uses block k-1 twice: 2**40 layers, counted without expanding
    blocks = "blocks:\n  b0:\n    layers: [relu]\n"
    for k in range(1, 41):
        blocks += f"  b{k}:\n    layers: [b{k - 1}, b{k - 1}]\n"
    with hang_guard(), pytest.raises(LimitError, match="more than the limit of 1,000,000"):
        parse_yaml(f"input: 8x8x1\n{blocks}layers: [b40]\n")
    small = parse_yaml(f"input: 8x8x1\n{blocks}layers: [b10]\n")
    assert len(small.layers) == 2**10


def test_huge_and_zero_repeats() -> None:
    with pytest.raises(LimitError, match="expands to 100,000,000,000,000,000,000 layers"):
        parse_yaml("input: 8x8x1\nlayers:\n - repeat: 100000000000000000000\n   layers: [relu]\n")
    spec = parse_yaml(
        "input: 8x8x1\nlayers:\n - repeat: 100000000000000000000\n   layers:\n"
        "    - repeat: 0\n      layers: [relu]\n - relu\n"
    )
    assert [layer.kind for layer in spec.layers] == ["relu"]
