"""Branching networks: wiring, merges, blocks, multi-path receptive fields, bad graphs.

Expected numbers: torchvision's parameter counts and MACs (docs/published-figures.md),
Distill's multi-path examples ("Computing Receptive Fields of CNNs", 2019).
"""

from __future__ import annotations

import pytest

from cnncalc import CnnCalcError, evaluate
from cnncalc.parsing.yaml_spec import parse_yaml
from tests.conftest import summarize

# docs/published-figures.md: Receptive fields (Distill's multi-path examples)
ALIGNED = """
input: 16x1
layers:
  - conv: {filters: 1, kernel: 1, stride: 4, name: a}
  - conv: {filters: 1, kernel: 3, stride: 2, padding: [[1, 0]], name: b1, from: input}
  - conv: {filters: 1, kernel: 1, stride: 2, name: b2}
  - add: {from: [a, b2], name: sum}
"""

MISALIGNED = """
input: 8x1
layers:
  - conv: {filters: 1, kernel: 5, stride: 2, padding: [[2, 1]], name: a}
  - conv: {filters: 1, kernel: 3, name: b1, from: input}
  - conv: {filters: 1, kernel: 3, name: b2}
  - add: {from: [a, b2], name: sum}
"""


def test_distill_aligned_two_branch_network() -> None:
    result = evaluate(parse_yaml(ALIGNED))
    field = result.layers[-1].receptive_field[0]
    assert (field.size, field.jump, field.padding) == (3, 4, 1)
    assert not [w for w in result.warnings if "not aligned" in w.message]
    assert result.layers[-1].inputs == ("a", "b2")


def test_distill_misaligned_network_warns() -> None:
    result = evaluate(parse_yaml(MISALIGNED))
    assert result.layers[-1].output.size == (4,)  # an input of 8 gives 4 outputs on both
    messages = [w.message for w in result.warnings if "not aligned" in w.message]
    assert messages == [
        "layer 4 (sum): the paths into sum are not aligned on axis L (a: stride 2, centre 0; "
        "b2: stride 1, centre 2); output units see differently sized parts of the input"
    ]


# docs/published-figures.md: torchvision
@pytest.mark.parametrize(
    ("spec", "params", "macs"),
    [
        ("resnet18.yaml", 11_689_512, 1_814_073_344),
        ("resnet50.yaml", 25_557_032, 4_089_184_256),
        ("googlenet.yaml", 6_624_904, 1_498_376_192),
        ("squeezenet1_0.yaml", 1_248_424, 818_924_576),
        ("mobilenet_v2.yaml", 3_504_872, 300_774_272),
        ("inception_v3.yaml", 27_161_264, 5_713_216_096),
    ],
)
def test_torchvision_graph_networks(spec: str, params: int, macs: int) -> None:
    result = summarize(spec)
    assert (result.totals.params, result.totals.macs) == (params, macs)


def graph_error(text: str) -> str:
    with pytest.raises(CnnCalcError) as info:
        evaluate(parse_yaml(text, "net.yaml"))
    return str(info.value)


def test_bad_graphs_name_the_layers() -> None:
    assert graph_error(
        "input: 8x8x1\nlayers:\n  - conv: {filters: 2, name: a}\n  - add: {from: [a, bb]}\n"
    ) == (
        "net.yaml, line 4, at layers[1].add: layer 2 (add1): 'from' names 'bb', which is no layer"
    )
    assert (
        graph_error(
            "input: 8x8x1\nlayers:\n  - conv: {filters: 2, name: a, from: b}\n"
            "  - conv: {filters: 2, name: b, from: a}\n"
        )
        == "net.yaml, line 3, at layers[0].conv: layer 1 (a): the layers form a cycle: a -> b -> a"
    )
    assert graph_error(
        "input: 8x8x1\nlayers:\n  - conv: {filters: 2, name: a}\n"
        "  - conv: {filters: 4, name: b, from: input}\n  - add: {from: [a, b], name: s}\n"
    ) == (
        "net.yaml, line 5, at layers[2].add: layer 3 (s): add needs inputs of one shape, "
        "got a 6x6x2, b 6x6x4"
    )
    assert graph_error(
        "input: 8x8x1\nlayers:\n  - conv: {filters: 2, name: a}\n"
        "  - conv: {filters: 4, padding: 1, name: b, from: input}\n"
        "  - concat: {from: [a, b], name: c}\n"
    ) == (
        "net.yaml, line 5, at layers[2].concat: layer 3 (c): concat needs inputs of one "
        "spatial size, got a 6x6x2, b 8x8x4; on axis H the paths part after input (8): "
        "a: 8 -> 6; b keeps 8; fixes: padding at a, a crop of the larger path before c"
    )
    assert "relu takes one input" in graph_error(
        "input: 8x8x1\nlayers:\n  - conv: {filters: 2, name: a}\n  - relu: {from: [a, input]}\n"
    )


# docs/published-figures.md: GoogLeNet
def test_concat_sums_channels_and_blocks_expand() -> None:
    spec = parse_yaml("""
input: 28x28x192
blocks:
  inception:
    params: {b1: 64, b2r: 96, b2: 128, b3r: 16, b3: 32, b4: 32}
    layers:
      - conv: {filters: b1, kernel: 1, name: branch1}
      - conv: {filters: b2r, kernel: 1, from: input}
      - conv: {filters: b2, kernel: 3, padding: 1, name: branch2}
      - conv: {filters: b3r, kernel: 1, from: input}
      - conv: {filters: b3, kernel: 3, padding: 1, name: branch3}
      - maxpool: {kernel: 3, stride: 1, padding: 1, ceil_mode: true, from: input}
      - conv: {filters: b4, kernel: 1, name: branch4}
      - concat: {from: [branch1, branch2, branch3, branch4]}
layers:
  - inception: {name: 3a}
  - inception: {b1: 128, b2r: 128, b2: 192, b3r: 32, b3: 96, b4: 64, name: 3b}
""")
    result = evaluate(spec)
    outputs = {r.name: r.output for r in result.layers}
    assert outputs["3a"].channels == 256  # the block output answers to the block name
    assert outputs["3b"].channels == 480
    assert result.layers[-1].inputs == ("3b.branch1", "3b.branch2", "3b.branch3", "3b.branch4")


def test_block_errors() -> None:
    assert "block 'res' uses itself (res -> res)" in graph_error(
        "input: 8x8x1\nblocks:\n  res:\n    layers: [relu, res]\nlayers: [res]\n"
    )
    assert graph_error(
        "input: 8x8x1\nblocks:\n  res:\n    params: {filters: 8}\n    layers: [relu]\n"
        "layers:\n  - res: {filter: 2}\n"
    ) == (
        "net.yaml, line 7, at layers[0].res.filter: block 'res' has no parameter 'filter' "
        "(did you mean 'filters'?); its parameters: filters"
    )


def test_grammar_branches_match_yaml() -> None:
    grammar = summarize(
        "INPUT(16x16x8) -> ADD{CONV(8, 3, p=1) -> RELU -> CONV(8, 3, p=1) | IDENTITY} -> RELU"
    )
    assert grammar.layers[-2].kind == "add"
    assert grammar.layers[-2].inputs == ("conv2", "identity1")
    assert grammar.totals.params == 2 * (8 * 9 * 8 + 8)


def test_depth_collapses_blocks_and_keeps_totals() -> None:
    from cnncalc.results import collapse_blocks

    result = summarize("resnet18.yaml")
    collapsed = collapse_blocks(result, 1)
    names = [layer.name for layer in collapsed.layers]
    assert names[:9] == [
        "conv1",
        "batchnorm1",
        "relu1",
        "maxpool",
        "layer1",
        "layer2",
        "layer3",
        "layer4",
        "avgpool",
    ]
    stage = {layer.name: layer for layer in collapsed.layers}["layer2"]
    assert stage.params == 525_568  # 230,144 + 295,424, the two blocks of stage 2
    assert stage.output.size == (28, 28)
    assert stage.inputs == ("layer1",)
    assert collapsed.totals == result.totals


def test_table_shows_wiring_only_where_it_branches() -> None:
    from typer.testing import CliRunner

    from cnncalc.cli.app import app

    out = (
        CliRunner()
        .invoke(app, ["summarize", "INPUT(8x8x4) -> ADD{CONV(4, 3, p=1) | IDENTITY} -> RELU"])
        .stdout
    )
    lines = out.splitlines()
    assert lines[0].split("|")[3].strip() == "from"
    assert "| conv1 + identity1 |" in out.replace("  ", " ")


# docs/published-figures.md: torchvision (inception_v3)
def test_auxiliary_head_counts_parameters_not_macs() -> None:
    result = summarize("inception_v3.yaml")
    aux = [layer for layer in result.layers if layer.training_only]
    assert {layer.name.split(".")[0] for layer in aux} == {"AuxLogits"}
    assert sum(layer.macs for layer in aux) == 5_683_200
    assert result.totals.params - sum(layer.params for layer in aux) == 23_834_568


# docs/published-figures.md: Receptive fields
SLIM_RF = [  # the Distill / google-research receptive-field table, 224 input
    ("resnet_v1_50_slim.yaml", "block4", (483, 32, 239), None),
    ("inception_v3.yaml", "Mixed_7c", (1311, 32, 618), "0"),
    ("mobilenet_v1.yaml", "Conv2d_13_pointwise", (315, 32, 126), None),
]


@pytest.mark.parametrize(("spec", "endpoint", "expected", "aux"), SLIM_RF)
def test_tf_slim_receptive_field_table(
    spec: str, endpoint: str, expected: tuple[int, int, int], aux: str | None
) -> None:
    from cnncalc import load
    from tests.conftest import SPECS

    variables = {"aux": int(aux)} if aux else {}
    result = evaluate(load(SPECS / spec, variables=variables, input="224x224x3"))
    layer = next(layer for layer in result.layers if layer.name == endpoint)
    assert [(a.size, a.jump, a.padding) for a in layer.receptive_field] == [expected] * 2


def test_names_are_distinct_and_generated_names_avoid_given_ones() -> None:
    assert "the name 'a' is taken already (by layer 1)" in graph_error(
        "input: 8x8x1\nlayers:\n  - conv: {filters: 2, name: a}\n  - relu: {name: a}\n"
    )
    spec = parse_yaml(
        "input: 16x16x1\nblocks:\n  b:\n    layers:\n      - conv: {filters: 2, name: conv1}\n"
        "      - conv: {filters: 2}\nlayers:\n  - repeat: 2\n    layers: [b: {name: x}]\n"
    )
    names = [layer.name for layer in spec.layers]
    assert names == ["x.0.conv1", "x.0", "x.1.conv1", "x.1"]
    assert len(evaluate(spec).layers) == 4
