"""The architecture grammar: parsing, expansion, equality with YAML, and error messages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cnncalc import CnnCalcError, Options, evaluate
from cnncalc.errors import GrammarSyntaxError, LimitError
from cnncalc.parsing.expand import parse_grammar
from cnncalc.parsing.grammar import parse_program
from cnncalc.parsing.unparse import format_network, format_program, format_yaml
from cnncalc.parsing.yaml_spec import parse_yaml
from cnncalc.rendering.data import result_data
from tests.conftest import SPECS, load_spec

LECTURE = {
    "lecture-linear": "INPUT(32x32x3) -> FC(10)",
    "lecture-conv-relu-fc": "INPUT(32x32x3) -> CONV(32, 3, p=1) -> RELU -> FC(10)",
    "lecture-single-conv": "INPUT(32x32x3) -> [CONV(32, 3, p=1) -> RELU -> POOL]*2 -> FC(128)"
    " -> RELU -> FC(10)",
    "lecture-double-conv": "INPUT(32x32x3) -> [CONV(32, 3, p=1) -> RELU -> CONV(32, 3, p=1) ->"
    " RELU -> POOL]*3 -> [FC(128) -> RELU]*2 -> FC(10)",
}


def json_of(spec: str, options: Options | None = None) -> dict[str, object]:
    data = result_data(evaluate(load_spec(spec, options)))
    data.pop("name")
    return data


@pytest.mark.parametrize("name", sorted(LECTURE))
def test_lecture_instances_agree_with_yaml(name: str) -> None:
    assert json_of(LECTURE[name]) == json_of(str(SPECS / f"{name}.yaml"))


def test_abstract_chain_with_bound_variables() -> None:
    options = Options(
        variables={"N": 2, "M": 3, "K": 2},
        defaults={"conv.filters": "32", "conv.padding": "1", "fc.units": "128"},
    )
    grammar = json_of(str(SPECS / "lecture-pattern.cnn"), options)
    assert grammar == json_of(str(SPECS / "lecture-double-conv.yaml"))
    assert grammar == json_of(str(SPECS / "lecture-pattern.yaml"))
    # N = M = K = 0 is the lecture's linear classifier
    zero = Options(variables={"N": 0, "M": 0, "K": 0})
    assert json_of(str(SPECS / "lecture-pattern.cnn"), zero) == json_of(
        str(SPECS / "lecture-linear.yaml")
    )


def test_optional_parts_can_be_left_out() -> None:
    text = "INPUT(32x32x3) -> [[CONV(8, 3, p=1) -> RELU]*1 -> POOL?]*2 -> FC(10)"
    taken = parse_grammar(text)
    left = parse_grammar(text, options=Options(optional=False))
    assert [la.kind for la in taken.layers].count("maxpool") == 2
    assert [la.kind for la in left.layers].count("maxpool") == 0


ZOO_TWINS = sorted(p.stem for p in SPECS.glob("*.cnn") if p.stem != "lecture-pattern")


@pytest.mark.parametrize("stem", ZOO_TWINS)
def test_every_zoo_network_has_an_identical_grammar_twin(stem: str) -> None:
    assert (SPECS / f"{stem}.yaml").exists()
    grammar = result_data(evaluate(load_spec(str(SPECS / f"{stem}.cnn"))))
    twin = result_data(evaluate(load_spec(str(SPECS / f"{stem}.yaml"))))
    assert grammar["name"] is not None
    assert json.dumps(grammar) == json.dumps(twin)  # the whole JSON, names included


FOUNDATION_ZOO = {
    "alexnet",
    "alexnet2012",
    "lenet5",
    "mobilenet_v1",
    "vgg11",
    "vgg16",
    "vgg19",
    "zfnet",
    "lecture-linear",
    "lecture-conv-relu-fc",
    "lecture-single-conv",
    "lecture-double-conv",
    "lecture-pattern",
}


def test_every_foundation_network_has_a_twin() -> None:
    assert {p.stem for p in SPECS.glob("*.cnn")} >= FOUNDATION_ZOO
    assert {p.stem for p in SPECS.glob("*.yaml")} >= FOUNDATION_ZOO


@pytest.mark.parametrize("path", sorted(SPECS.glob("*.yaml")), ids=lambda p: p.stem)
def test_written_forms_parse_back_to_the_same_network(path: Path) -> None:
    spec = load_spec(str(path))
    expected = result_data(evaluate(spec))
    expected.pop("name")
    for text, parse in ((format_network(spec), parse_grammar), (format_yaml(spec), parse_yaml)):
        again = result_data(evaluate(parse(text)))
        again.pop("name")
        assert again == expected
    if not any(layer.inputs for layer in spec.layers):  # chains: the very same layers
        assert parse_grammar(format_network(spec)).layers == spec.layers


def test_syntax_forms() -> None:
    spec = parse_grammar(
        "# a comment\nINPUT(32 \u00d7 32 \u00d7 3)  # sizes with the multiplication sign\n"
        "\u2192 conv(8, 3x3, s=1, p=same, d=1, g=1, bias=false, name='first layer')\n"
        "-> LeakyReLU(0.2) -> Dropout(.5) -> linear(4)"
    )
    assert spec.input.size == (32, 32)
    assert spec.layers[0].name == "first layer"
    assert [layer.kind for layer in spec.layers] == ["conv", "leaky_relu", "dropout", "fc"]


def test_format_is_canonical_and_idempotent() -> None:
    text = "input(8x8x1)->[[conv(4,kernel=3)->relu]*N->pool?]*M->fc(2)"
    once = format_program(parse_program(text))
    assert once == "INPUT(8x8x1) -> [[CONV(4, k=3) -> RELU]*N -> MAXPOOL?]*M -> FC(2)"
    assert format_program(parse_program(once)) == once
    assert parse_program(once) == parse_program(format_program(parse_program(once)))


def grammar_error(text: str) -> str:
    with pytest.raises(CnnCalcError) as info:
        evaluate(parse_grammar(text, "net.cnn"))
    return str(info.value)


def test_error_messages_are_whole_and_point_at_the_place() -> None:
    assert grammar_error("INPUT(8x8x1) -> CONV(8) ->") == (
        "net.cnn:1:25: syntax error: a trailing '->' must be followed by a layer\n"
        "    INPUT(8x8x1) -> CONV(8) ->\n"
        "                            ~^"
    )
    assert grammar_error("INPUT(8x8x1)\n-> [CONV(8) -> RELU\n-> FC(2)") == (
        "net.cnn:2:4: syntax error: '[' is never closed\n    -> [CONV(8) -> RELU\n       ^"
    )
    assert grammar_error("INPUT(8x8x1) -> [CONV(8)]*-1") == (
        "net.cnn:1:27: syntax error: a repetition count cannot be negative, got -1\n"
        "    INPUT(8x8x1) -> [CONV(8)]*-1\n"
        "                              ~^"
    )
    assert grammar_error("INPUT(8x8x1) -> [CONV(8)]*2.5") == (
        "net.cnn:1:27: syntax error: a repetition count must be a whole number, got 2.5\n"
        "    INPUT(8x8x1) -> [CONV(8)]*2.5\n"
        "                              ~~^"
    )
    assert grammar_error("INPUT(8x8x1) -> CONV(8, strid=2)") == (
        "net.cnn:1:25: unknown key 'strid' for conv (did you mean 'stride'?); conv takes: "
        "filters, kernel, stride, padding, dilation, groups, bias\n"
        "    INPUT(8x8x1) -> CONV(8, strid=2)\n"
        "                            ~~~~~~^"
    )
    assert grammar_error("INPUT(8x8x1) -> [CONV(8)]*N") == (
        "net.cnn:1:27: variable N is not bound: give it a value (N=2) or write 'vars: {N: 2}' "
        "in a YAML spec\n"
        "    INPUT(8x8x1) -> [CONV(8)]*N\n"
        "                              ^"
    )
    assert grammar_error("INPUT(8x8x1) -> CONV(8) $") == (
        "net.cnn:1:25: syntax error: unexpected character '$'\n"
        "    INPUT(8x8x1) -> CONV(8) $\n"
        "                            ^"
    )
    assert grammar_error("CONV(8)") == (
        "net.cnn:1:1: the chain must start with INPUT(HxWxC), e.g. INPUT(32x32x3)\n"
        "    CONV(8)\n"
        "    ~~~~~~^"
    )


def test_malformed_numbers_are_named() -> None:
    assert grammar_error("INPUT(8x8x1) -> DROPOUT(0.5.1)") == (
        "net.cnn:1:25: syntax error: '0.5.1' is not a number or a size such as 3x3\n"
        "    INPUT(8x8x1) -> DROPOUT(0.5.1)\n"
        "                            ~~~~^"
    )


def test_zero_repetitions_are_allowed() -> None:
    assert parse_grammar("INPUT(8x8x1) -> [CONV(8)]*0 -> FC(2)").layers[0].kind == "fc"


def test_expansion_limit_is_fast_and_clear() -> None:
    with pytest.raises(LimitError, match="expands to 2,000,000,000 layers"):
        parse_grammar("INPUT(8x8x1) -> [CONV(8) -> RELU]*1000000000")
    with pytest.raises(LimitError, match="limit of 10"):
        parse_grammar("INPUT(8x8x1) -> [RELU]*11", options=Options(max_layers=10))


def test_deep_nesting_is_a_clear_error() -> None:
    text = "INPUT(8x8x1) -> " + "[" * 1000 + "RELU" + "]" * 1000
    with pytest.raises(LimitError, match="nested deeper than 100 levels"):
        parse_grammar(text)
    ok = "INPUT(8x8x1) -> " + "[" * 50 + "RELU" + "]*2" * 50
    with pytest.raises(LimitError):
        parse_grammar(ok)  # 2**50 layers
    assert len(parse_grammar("INPUT(8x8x1) -> " + "[" * 90 + "RELU" + "]" * 90).layers) == 1


def test_syntax_error_carries_position() -> None:
    with pytest.raises(GrammarSyntaxError) as info:
        parse_program("INPUT(8x8x1)\n  -> CONV(8,,)")
    assert (info.value.line, info.value.column) == (2, 13)


def test_blocks_bind_parameters_and_expressions() -> None:
    spec = parse_grammar(
        "DEF wide(f, k=1) = CONV(f*4, k) -> CONV(f+1, 1, name=out);\n"
        "INPUT(8x8x2) -> wide(3) -> wide(2, k=3, name=second)"
    )
    filters = [layer.op.filters for layer in spec.layers]  # type: ignore[union-attr]
    assert filters == [12, 4, 8, 3]
    assert [layer.name for layer in spec.layers] == [
        "wide1.conv1",
        "wide1",
        "second.conv1",
        "second",
    ]


def test_block_errors_point_at_the_use() -> None:
    assert grammar_error("DEF r(n) = [RELU]*n -> r(1); INPUT(8x8x2) -> r(2)") == (
        "net.cnn:1:24: block r uses itself (r -> r)\n"
        "    DEF r(n) = [RELU]*n -> r(1); INPUT(8x8x2) -> r(2)\n"
        "                           ~~~^"
    )
    assert grammar_error("DEF w(f) = CONV(f); INPUT(8x8x2) -> w()") == (
        "net.cnn:1:37: w needs f\n"
        "    DEF w(f) = CONV(f); INPUT(8x8x2) -> w()\n"
        "                                        ~~^"
    )
    assert grammar_error("DEF w(f) = CONV(f) INPUT(8x8x2) -> w(2)") == (
        "net.cnn:1:20: syntax error: expected '->' or ';' (the end of the definition) after "
        "CONV(f), got 'INPUT'\n"
        "    DEF w(f) = CONV(f) INPUT(8x8x2) -> w(2)\n"
        "                       ~~~~^"
    )


def test_format_keeps_definitions_and_branches() -> None:
    text = (SPECS / "resnet18.cnn").read_text()
    once = format_program(parse_program(text))
    assert once.startswith(
        "DEF basic(filters) = ADD{CONV(filters, 3, p=1, bias=false, "
        "name=conv1) -> BATCHNORM -> RELU"
    )
    assert format_program(parse_program(once)) == once
    assert parse_grammar(once).layers == parse_grammar(text).layers


def test_nested_block_uses_are_refused_in_few_steps(monkeypatch: pytest.MonkeyPatch) -> None:
    # b40 is 2**40 convolutions in 1 KB of text; each block is sized once
    from cnncalc.parsing import expand as expand_module

    calls = 0
    measure = expand_module._Expander._measure

    def counted(self: expand_module._Expander, node: object, bindings: object) -> object:
        nonlocal calls
        calls += 1
        return measure(self, node, bindings)  # type: ignore[arg-type]

    monkeypatch.setattr(expand_module._Expander, "_measure", counted)
    text = "DEF b0 = CONV(1, 1);\n"
    text += "".join(f"DEF b{i} = b{i - 1} -> b{i - 1};\n" for i in range(1, 41))
    with pytest.raises(LimitError, match="expands to 1,048,576 layers, more than the limit"):
        parse_grammar(text + "INPUT(8x8x1) -> b40")  # b20 is the first part past 1,000,000
    assert calls < 200


def test_parts_that_expand_to_nothing_are_bounded_too() -> None:
    # no layers (the optional part is left out), but 2**40 block uses to walk
    text = "DEF e(n) = RELU?;\nDEF b0(n) = e(n);\n"
    text += "".join(f"DEF b{i}(n) = b{i - 1}(n*2) -> b{i - 1}(n*2+1);\n" for i in range(1, 41))
    with pytest.raises(LimitError, match="size takes more than 100,000 steps"):
        parse_grammar(text + "INPUT(8x8x1) -> b40(1)", options=Options(optional=False))
    # the same arguments each time: sized at once, but expanding would walk 2**40 uses
    text = "DEF b0 = RELU?;\n"
    text += "".join(f"DEF b{i} = b{i - 1} -> b{i - 1};\n" for i in range(1, 41))
    with pytest.raises(LimitError, match="expanding this takes more than 4,100,000 steps"):
        parse_grammar(text + "INPUT(8x8x1) -> b40", options=Options(optional=False))


def test_block_use_reads_from_a_named_layer_as_in_yaml() -> None:
    grammar = parse_grammar(
        "DEF blk(f) = CONV(f, 1) -> RELU;\n"
        "INPUT(8x8x3) -> CONV(4, 1, name=x) -> CONV(5, 1) -> blk(6, from=x)"
    )
    yaml = parse_yaml(
        "input: 8x8x3\n"
        "blocks:\n  blk:\n    params: {f: 1}\n    layers:\n"
        "      - conv: {filters: f, kernel: 1}\n      - relu\n"
        "layers:\n"
        "  - conv: {filters: 4, kernel: 1, name: x}\n"
        "  - conv: {filters: 5, kernel: 1}\n"
        "  - blk: {f: 6, from: x}\n"
    )
    assert grammar.layers == yaml.layers
    result = evaluate(grammar)
    # the block's 1x1 conv reads x's 4 channels: 4*6 weights + 6 biases (PyTorch Conv2d)
    assert result.layers[2].params == 30
    with pytest.raises(CnnCalcError, match="has no parameter 'form' \\(did you mean 'from'\\?\\)"):
        parse_grammar("DEF blk(f) = CONV(f, 1); INPUT(8x8x3) -> blk(6, form=x)")


def test_block_arguments_keep_their_type() -> None:
    # 1.0 is no filter count even after 1 (equal in Python) was one
    with pytest.raises(CnnCalcError, match=r"got 1\.0"):
        parse_grammar("DEF b(f) = CONV(f, 1); INPUT(8x8x3) -> b(1) -> b(1.0)")


ARG_TEXTS = {"1": "1", "1.0": "1.0", "true": "true", "2": "2", '"2"': '"2"', "0": "0"}


def _fails(text: str) -> bool:
    try:
        evaluate(parse_grammar(text))
    except CnnCalcError:
        return True
    return False


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    layer=st.tuples(st.sampled_from(sorted(ARG_TEXTS)), st.sampled_from(sorted(ARG_TEXTS))),
    prefix=st.lists(
        st.tuples(st.sampled_from(sorted(ARG_TEXTS)), st.sampled_from(sorted(ARG_TEXTS))),
        min_size=1,
        max_size=3,
    ),
    in_block=st.booleans(),
)
def test_a_layer_fails_alone_exactly_when_it_fails_after_others(
    layer: tuple[str, str], prefix: list[tuple[str, str]], in_block: bool
) -> None:
    def write(filters: str, kernel: str) -> str:
        return f"b({filters}, {kernel})" if in_block else f"CONV({filters}, {kernel})"

    head = "DEF b(f, k) = CONV(f, k);\nINPUT(8x8x3)" if in_block else "INPUT(8x8x3)"
    alone = _fails(f"{head} -> {write(*layer)}")
    before = f"{head} -> " + " -> ".join(write(*p) for p in prefix)
    assert _fails(f"{before} -> {write(*layer)}") == (_fails(before) or alone)


# Hyphenated choice words (PyTorch's 'nearest-exact') need no quotes; N-1 still subtracts.


def _listed_modes() -> list[str]:
    from tests.clirun import run_cli

    code, out, _ = run_cli("kinds", "upsample")
    assert code == 0
    line = next(line for line in out.splitlines() if line.strip().startswith("mode"))
    return [word.strip() for word in line.split("one of ", 1)[1].split(",")]


UPSAMPLE_MODES = _listed_modes()
MODE_INPUTS = {"linear": "8x3", "trilinear": "4x4x4x3"}  # 1D and 3D modes; others on 2D


@given(st.sampled_from(UPSAMPLE_MODES), st.sampled_from([str.lower, str.upper]), st.booleans())
def test_every_listed_mode_parses_unquoted(mode: str, case: object, spaced: bool) -> None:
    assert "nearest-exact" in UPSAMPLE_MODES
    written = case(mode)  # type: ignore[operator]
    arrow = " -> " if spaced else "->"
    text = f"INPUT({MODE_INPUTS.get(mode, '8x8x3')}){arrow}UPSAMPLE(2, {written}){arrow}RELU"
    spec = parse_grammar(text)
    assert spec.layers[0].op.mode == mode  # type: ignore[union-attr]
    assert [layer.kind for layer in spec.layers] == ["upsample", "relu"]
    keyword = parse_grammar(text.replace(f"2, {written}", f"2, mode={written}"))
    assert keyword.layers == spec.layers


@given(st.integers(2, 10**6), st.integers(0, 10**6), st.sampled_from(["-", " - ", "- ", " -"]))
def test_minus_still_subtracts(n: int, m: int, minus: str) -> None:
    # CONV(N-1) has N - 1 filters (a block parameter minus a number, or minus another)
    text = f"DEF b(N, M) = CONV(N{minus}1) -> CONV(N + M{minus}M); INPUT(8x8x3) -> b(N={n}, M={m})"
    spec = parse_grammar(text)
    assert [layer.op.filters for layer in spec.layers] == [n - 1, n]  # type: ignore[union-attr]


# Named parts of a repeat are numbered after the name written there (README: `layer1`
# repeated gives `layer1.0`, `layer1.1`...), dots and all, the same in both formats.

DOTTED = st.lists(
    st.from_regex(r"[a-z][a-z0-9_]{0,5}", fullmatch=True), min_size=1, max_size=3
).map(".".join)


@given(DOTTED, st.integers(2, 4), st.booleans(), st.booleans())
def test_repeated_dotted_names_are_numbered_after_the_name(
    name: str, times: int, block: bool, earlier: bool
) -> None:
    layer = f"b(name={json.dumps(name)})" if block else f"CONV(4, 1, name={json.dumps(name)})"
    before = f"CONV(4, 1, name={json.dumps(name + '.0')}) -> " if earlier else ""
    grammar = f"DEF b = CONV(4, 1, name=c) -> RELU; INPUT(8x8x4) -> {before}[{layer}]*{times}"
    start = 1 if earlier else 0  # a copy written by hand takes the first number
    expected = [f"{name}.{i}" for i in range(start, start + times)]
    if block:  # the use's layers, then the use's last layer under the use's name
        expected = [n for copy in expected for n in (f"{copy}.c", copy)]
    if earlier:
        expected = [f"{name}.0", *expected]
    grammar_spec = parse_grammar(grammar)  # and the same network in YAML:
    use = {"b": {"name": name}} if block else {"conv": {"filters": 4, "kernel": 1, "name": name}}
    layers: list[object] = [{"conv": {"filters": 4, "kernel": 1, "name": f"{name}.0"}}] * earlier
    document = {
        "input": "8x8x4",
        "blocks": {"b": {"layers": [{"conv": {"filters": 4, "kernel": 1, "name": "c"}}, "relu"]}},
        "layers": [*layers, {"repeat": times, "layers": [use]}],
    }
    yaml_spec = parse_yaml(json.dumps(document))
    assert [x.name for x in grammar_spec.layers] == expected
    assert [x.name for x in yaml_spec.layers] == expected


def test_nested_repeats_number_outer_then_inner() -> None:
    spec = parse_grammar("INPUT(8x8x4) -> [[CONV(4, 1, name=n)]*2]*2")
    assert [x.name for x in spec.layers] == ["n.0.0", "n.0.1", "n.1.0", "n.1.1"]
