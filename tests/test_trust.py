"""Trust outside the happy path: the hostile and newcomer findings, each class held by
an example with its exit code and message, and by a property where one fits.

Expected values come from PyTorch's documented rules and from hand derivation.
"""

from __future__ import annotations

import json

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

import cnncalc
from cnncalc.results import collapse_blocks
from tests.clirun import run_cli
from tests.conftest import ROOT, SPECS, summarize
from tests.strategies import SPEC_OPTIONS, SPEC_TEXTS, YAML_ARGUMENT_VALUES

HUGE = "9" * 99

CORPUS = ROOT / "tests" / "corpus" / "cli-cases.yaml"


def _argument(item: str | dict[str, object]) -> str:
    """An argument as written in the corpus: text, or a long value built from a repeat."""
    if isinstance(item, str):
        return item
    return f"{item['prefix']}{str(item['repeat']) * int(str(item['times']))}{item['suffix']}"


CASES: list[tuple[list[str], int, str]] = [
    ([_argument(a) for a in case["args"]], case["exit"], case["stderr"])
    for case in yaml.safe_load(CORPUS.read_text())["cases"]
]


def test_corpus_holds_every_class() -> None:
    assert len(CASES) >= 15


@pytest.mark.parametrize(("args", "code", "message"), CASES, ids=lambda v: str(v)[:60])
def test_hostile_examples(args: list[str], code: int, message: str) -> None:
    got, out, err = run_cli(*args)
    assert got == code, (got, err)
    assert "Traceback" not in out + err
    assert message in err
    if code == 2:
        assert err.startswith("cnncalc: error: ") and out == ""


def test_block_arithmetic_has_the_usual_precedence() -> None:
    # PyTorch evaluates Python's 2 + f*3 with f = 2: 8 filters; 1 + f + f*2 = 7
    for expression, filters in (("2 + f * 3", 8), ("1 + f + f * 2", 7)):
        code, out, _ = run_cli(
            "summarize", f"DEF b(f=2) = CONV({expression}, 1); INPUT(4x4x1) -> b(2)", "-f", "json"
        )
        assert code == 0
        assert json.loads(out)["layers"][0]["output"]["channels"] == filters


@pytest.mark.parametrize(
    ("spec", "output"),
    [
        # nn.AvgPool2d(2, 2, ceil_mode=True) on 1x1: ceil((1 - 2)/2) + 1 = 1
        ("INPUT(1x1x1) -> AVGPOOL(2, 2, ceil=true)", [1, 1, 1]),
        # nn.MaxPool1d(4, ceil_mode=True) on length 2: ceil((2 - 4)/4) + 1 = 1
        ("INPUT(2x1) -> MAXPOOL(4, ceil=true)", [1, 1]),
    ],
)
def test_ceil_mode_windows_larger_than_the_input(spec: str, output: list[int]) -> None:
    layer = summarize(spec).layers[0]
    assert [*layer.output.size, layer.output.channels] == output


def test_set_binds_no_keyword_name_or_reference() -> None:
    layer = summarize_with("INPUT(8x8x1) -> CONV(2, 3, p=same, name=N)", {"same": 5, "N": 7})
    assert layer.window is not None and layer.window.padding == ((1, 1), (1, 1))
    assert layer.name == "N"


def summarize_with(text: str, variables: dict[str, int]) -> cnncalc.LayerResult:
    return cnncalc.evaluate(cnncalc.parse(text, variables=variables)).layers[0]


def test_channels_first_input_is_warned_about() -> None:
    notices = summarize("INPUT(3x224x224) -> CONV(8)").warnings
    assert any(n.code == "input-layout" and "write 224x224x3" in n.message for n in notices)
    assert not any(n.code == "input-layout" for n in summarize("alexnet.yaml").warnings)


def test_format_of_a_yaml_spec_with_arch_runs_as_the_spec() -> None:
    code, text, _ = run_cli("format", str(SPECS / "lecture-pattern.yaml"))
    assert code == 0
    again = cnncalc.evaluate(cnncalc.parse(text, "yaml"))
    original = summarize("lecture-pattern.yaml")
    assert (again.name, again.input, again.totals) == (
        original.name,
        original.input,
        original.totals,
    )


def test_inexact_division_is_said_once_for_resnet50() -> None:
    # torchvision's ResNet-50 at 224: conv1 (224 + 6 - 7)/2 + 1 = 112.5, the max pool
    # (112 + 2 - 3)/2 + 1 = 56.5, and each stage's first stride-2 3x3 conv and 1x1
    # shortcut: 8 layers in all, said in one warning
    warnings = [w for w in summarize("resnet50.yaml").warnings if w.code == "inexact-floor"]
    assert len(warnings) == 1
    assert warnings[0].message.startswith("8 layers' output sizes are not whole")


def test_symbolic_chains_end_quickly_with_a_clear_error() -> None:
    text = "INPUT(8x8xC0) -> " + " -> ".join(f"CONV(C{i}, 1)" for i in range(1, 2000))
    with pytest.raises(cnncalc.LimitError, match="distinct terms"):
        cnncalc.evaluate(cnncalc.parse(text))


def test_symbols_are_listed() -> None:
    notes = summarize("INPUT(8x8xC) -> CONV(K, 3)").warnings
    assert [n.message for n in notes if n.code == "symbols"] == [
        "counts are exact polynomials in C, K; give them values for numbers"
    ]


ZOO = sorted(p.name for p in SPECS.glob("*.yaml"))


@pytest.mark.parametrize("spec", ZOO)
def test_collapsed_rows_add_up_to_the_totals_at_every_depth(spec: str) -> None:
    result = summarize(spec)
    # Rows show a shared layer's own count too; the totals count it once (its owner's).
    reused = sum(r.params for r in result.layers if r.shares is not None)
    for depth in range(1, 4):
        collapsed = collapse_blocks(result, depth)
        assert collapsed.totals == result.totals
        run = [r for r in collapsed.layers if not r.training_only]
        assert sum(r.params for r in collapsed.layers) == result.totals.params + reused
        assert sum(r.macs for r in run) == result.totals.macs
        assert sum(r.activations for r in run) == result.totals.activations


@given(st.sampled_from(["summarize", "expand", "format", "compare"]), SPEC_TEXTS, SPEC_OPTIONS)
def test_no_argument_list_ends_in_exit_3(command: str, spec: str, options: list[list[str]]) -> None:
    flat = [item for option in options for item in option]
    if command == "format":
        flat = []
    elif command == "expand":
        flat = [item for item in flat if item not in ("--depth", "1", "-1", "--dtype", "int8")]
        flat = [item for item in flat if item not in ("csv", "markdown", "json", "-f")]
    args = [command, spec, *([spec] if command == "compare" else [])]
    if command == "compare":
        flat = [item for item in flat if item not in ("--depth", "1", "-1", "--dtype", "int8")]
        flat = [item for item in flat if item not in ("csv", "markdown", "-f")]
    code, out, err = run_cli(*args, *flat)
    assert code in (0, 2), (args, flat, err)
    assert "Traceback" not in out + err


@given(
    YAML_ARGUMENT_VALUES,
    YAML_ARGUMENT_VALUES,
    st.lists(st.tuples(YAML_ARGUMENT_VALUES, YAML_ARGUMENT_VALUES), max_size=3),
)
def test_a_yaml_layer_means_the_same_whatever_precedes_it(
    filters: str, bias: str, prefix: list[tuple[str, str]]
) -> None:
    layer = f"  - conv: {{filters: {filters}, kernel: 1, bias: {bias}}}\n"
    before = "".join(f"  - conv: {{filters: {f}, kernel: 1, bias: {b}}}\n" for f, b in prefix)

    def fails(text: str) -> bool:
        try:
            cnncalc.evaluate(cnncalc.parse(f"input: 4x4x2\nlayers:\n{text}", "yaml"))
        except cnncalc.CnnCalcError:
            return True
        return False

    if not fails(before or "  - relu\n"):
        assert fails(before + layer) == fails(layer)


def test_grammar_block_uses_say_what_yaml_block_uses_say() -> None:
    grammar = cnncalc.parse(
        "DEF b(f) = CONV(f, 3, p=1) -> RELU;"
        "INPUT(8x8x1) -> CONV(2, 1, name=x) -> b(4, name=aux, from=x, training_only=true)"
    )
    yaml_text = (
        "input: 8x8x1\nblocks:\n  b:\n    params: {f: 1}\n    layers:\n"
        "      - conv: {filters: f, kernel: 3, padding: 1}\n      - relu\n"
        "layers:\n  - conv: {filters: 2, kernel: 1, name: x}\n"
        "  - b: {f: 4, name: aux, from: x, training_only: true}\n"
    )
    yaml_spec = cnncalc.parse(yaml_text, "yaml")
    assert [(x.name, x.training_only) for x in grammar.layers] == [
        (x.name, x.training_only) for x in yaml_spec.layers
    ]
    # by hand: the block's conv has 3*3*2*4 + 4 = 76 parameters, counted; its MACs
    # (8*8*4 * 3*3*2 = 4,608) are not, as it only trains
    result = cnncalc.evaluate(grammar)
    assert result.totals.params == (1 * 1 * 1 + 1) * 2 + 76  # x: 1 channel in, 2 filters
    assert result.totals.macs == 8 * 8 * 2 * 1


def test_when_in_the_grammar_means_what_it_means_in_yaml() -> None:
    grammar = cnncalc.parse(
        "DEF unit(f, down=false) = CONV(f, 3, p=1, name=c) -> CONV(f, 1, when=down, name=s)"
        ' -> RELU(when="not down");'
        "INPUT(8x8x1) -> unit(2, name=a) -> unit(2, down=true, name=b)"
    )
    yaml_spec = cnncalc.parse(
        "input: 8x8x1\nblocks:\n  unit:\n    params: {f: 1, down: false}\n    layers:\n"
        "      - conv: {filters: f, kernel: 3, padding: 1, name: c}\n"
        "      - conv: {filters: f, kernel: 1, when: down, name: s}\n"
        "      - relu: {when: not down}\n"
        "layers:\n  - unit: {f: 2, name: a}\n  - unit: {f: 2, down: true, name: b}\n",
        "yaml",
    )
    assert [x.name for x in grammar.layers] == [x.name for x in yaml_spec.layers]
    assert [x.name for x in grammar.layers] == ["a.c", "a", "b.c", "b"]
    assert cnncalc.evaluate(grammar).totals == cnncalc.evaluate(yaml_spec).totals


@given(st.text(max_size=20))
def test_kinds_takes_any_word(word: str) -> None:
    code, out, err = run_cli("kinds", word)
    assert code in (0, 2), err
    assert "Traceback" not in out + err
