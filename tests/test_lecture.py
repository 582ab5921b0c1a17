"""The lecture's and cs231n's worked examples (docs/published-figures.md), derived by hand."""

from __future__ import annotations

import pytest

from cnncalc.engine import formulas as f
from tests.conftest import num, summarize


# docs/published-figures.md: The lecture
def test_output_size_3x3_pad1_stride2() -> None:
    # floor((3 + 2 - 3)/2 + 1) = 2
    layer = summarize("INPUT(3x3x1) -> CONV(1, 3, s=2, p=1)").layers[0]
    assert layer.output.size == (2, 2)


# docs/published-figures.md: The lecture
def test_output_size_with_depth() -> None:
    # 5x5x3 input, five 3x3x3 filters, pad 1, stride 2 -> 3x3x5
    layer = summarize("INPUT(5x5x3) -> CONV(5, 3, s=2, p=1)").layers[0]
    assert (layer.output.size, layer.output.channels) == ((3, 3), 5)


# docs/published-figures.md: The lecture, cs231n
def test_parameter_sharing_example() -> None:
    # 55x55x3 -> 55x55x96 with 96 11x11 filters, pad 5, stride 1
    layer = summarize("INPUT(55x55x3) -> CONV(96, 11, p=5)").layers[0]
    assert (layer.output.size, layer.output.channels) == ((55, 55), 96)
    assert layer.params == 34_944  # 96 * (3*11*11 + 1)
    assert layer.params_nonshared == 105_705_600  # (11*11*3 + 1) * 55*55*96
    assert layer.params_fc == 2_635_670_400  # (55*55*3 + 1) * 55*55*96
    assert num(layer.params_nonshared) // num(layer.params) == 3_025  # "3000 times smaller"
    assert num(layer.params_fc) // num(layer.params) == 75_425  # "75,400 times smaller"


# docs/published-figures.md: The lecture
def test_local_layer_counts_unshared_weights() -> None:
    layer = summarize("INPUT(55x55x3) -> LOCAL(96, 11, p=5)").layers[0]
    assert layer.params == 105_705_600


# docs/published-figures.md: The lecture
@pytest.mark.parametrize(
    ("pool", "size"),
    [("MAXPOOL(3, s=2)", (24, 49)), ("MAXPOOL(3x2, s=2x1)", (24, 99))],
)
def test_pytorch_pooling_examples(pool: str, size: tuple[int, int]) -> None:
    # (20, 16, 50, 100) input as on the lecture's PyTorch slide
    layer = summarize(f"INPUT(50x100x16) -> {pool}").layers[0]
    assert (layer.output.channels, layer.output.size) == (16, size)


# docs/published-figures.md: cs231n
@pytest.mark.parametrize(("stride", "out"), [(1, 5), (2, 3)])
def test_cs231n_7x7_input_3x3_filter(stride: int, out: int) -> None:
    assert summarize(f"INPUT(7x7x1) -> CONV(1, 3, s={stride})").layers[0].output.size == (out, out)


# docs/published-figures.md: cs231n
@pytest.mark.parametrize(("stride", "out"), [(1, 5), (2, 3)])
def test_cs231n_w5_f3_p1(stride: int, out: int) -> None:
    layer = summarize(f"INPUT(5x5x1) -> CONV(1, 3, s={stride}, p=1)").layers[0]
    assert layer.output.size == (out, out)


# docs/published-figures.md: The lecture (dilated convolution)
def test_dilated_example_follows_pytorch() -> None:
    # 11x11x3, 3x3, pad 1, stride 2, dilation 2: floor((11 + 2 - 2*(3-1) - 1)/2) + 1 = 5
    layer = summarize("INPUT(11x11x3) -> CONV(3, 3, s=2, p=1, d=2)").layers[0]
    assert (layer.output.size, layer.output.channels) == ((5, 5), 3)
    assert layer.receptive_field[0].size == 5  # effective kernel 2*(3-1) + 1


# docs/published-figures.md: cs231n
def test_three_stacked_3x3_see_7x7() -> None:
    result = summarize("INPUT(32x32x8) -> [CONV(8, 3, p=1)]*3")
    assert result.layers[-1].receptive_field[0].size == 7


# docs/published-figures.md: cs231n, The lecture
def test_49c2_vs_27c2_without_bias() -> None:
    c = 16
    one = summarize(f"INPUT(32x32x{c}) -> CONV({c}, 7, p=3, bias=false)")
    three = summarize(f"INPUT(32x32x{c}) -> [CONV({c}, 3, p=1, bias=false)]*3")
    assert one.totals.params == 49 * c * c
    assert three.totals.params == 27 * c * c


# docs/published-figures.md: AlexNet 2012
def test_alexnet_paper_224_warns_about_unseen_column() -> None:
    # (224 - 11)/4 + 1 = 54.25: the last column is never seen
    result = summarize("INPUT(224x224x3) -> CONV(96, 11, s=4)")
    assert result.layers[0].output.size == (54, 54)
    messages = [w.message for w in result.warnings]
    assert messages == [
        "layer 1 (conv1): axes H and W: (224 - 11)/4 + 1 = 54.25 is not whole (cs231n calls "
        "such a setting invalid); the floor leaves the last 1 input row unseen"
    ]


# docs/published-figures.md: cs231n
def test_cs231n_not_exact_setting_warns() -> None:
    # W=10, P=0, F=3, S=2 -> 4.5: not exact
    result = summarize("INPUT(10x10x1) -> CONV(1, 3, s=2)")
    assert result.layers[0].output.size == (4, 4)
    # windows start at 0, 2, 4, 6 and cover rows 0-8: row 9 is never seen
    assert [w.message for w in result.warnings] == [
        "layer 1 (conv1): axes H and W: (10 - 3)/2 + 1 = 4.5 is not whole (cs231n calls "
        "such a setting invalid); the floor leaves the last 1 input row unseen"
    ]


# docs/published-figures.md: cs231n
def test_same_padding_at_stride_one_keeps_size() -> None:
    # P = (F - 1)/2 at stride 1
    layer = summarize("INPUT(32x32x3) -> CONV(8, 5, p=same)").layers[0]
    assert layer.output.size == (32, 32)
    assert layer.window is not None
    assert layer.window.padding == ((2, 2), (2, 2))


# docs/published-figures.md: torchvision (AlexNet's conv1)
def test_formula_functions_directly() -> None:
    assert f.conv_output_length(224, 11, 4, 2, 2, 1) == 55
    assert f.pool_output_length(6, 3, 2, 0, 0, 1, ceil_mode=True) == 3
    assert f.pool_output_length(5, 2, 2, 0, 0, 1, ceil_mode=True) == 3
    # PyTorch's rule: the last window must start inside the input or left padding
    assert f.pool_output_length(4, 2, 2, 1, 1, 1, ceil_mode=True) == 3
    assert f.same_padding(224, 3, 2, 1) == (0, 1)
    assert f.adaptive_window_max(5, 3) == 3
    assert f.adaptive_window_max(6, 3) == 2


# docs/published-figures.md: torchvision (AlexNet's conv1)
def test_padding_only_drop_is_named_as_such() -> None:
    # torchvision AlexNet conv1: (224 + 2*2 - 11)/4 + 1 = 55.25, the dropped row is padding
    result = summarize("INPUT(224x224x3) -> CONV(64, 11, s=4, p=2)")
    assert [w.message for w in result.warnings] == [
        "layer 1 (conv1): axes H and W: (228 - 11)/4 + 1 = 55.25 is not whole (cs231n calls "
        "such a setting invalid); the floor drops 1 padded row, no input"
    ]


def test_receptive_field_mostly_padding_warns_once() -> None:
    # corner unit of a 7x7 conv with padding 6 on an 8x8 input sees 1 input pixel of 7
    result = summarize("INPUT(8x8x1) -> CONV(1, 7, p=6) -> CONV(1, 7, p=6)")
    codes = [w.code for w in result.warnings]
    assert codes.count("receptive-field-padding") == 1
    # its window covers padded rows 0-6 and the input starts at row 6: one row, one column
    assert result.warnings[0].message == (
        "layer 1 (conv1): the corner unit's receptive field (7x7) is mostly padding: "
        "it sees 1x1 input pixels"
    )


def test_caffe_pooling_keeps_the_window_pytorch_drops() -> None:
    # n=5, k=1, s=3, ceil: ceil(4/3) + 1 = 3; PyTorch drops the last window (it starts at 6,
    # past the input) and gives 2, Caffe keeps it when the layer does not pad
    assert summarize("INPUT(5x5x1) -> MAXPOOL(1, 3, ceil=true)").layers[0].output.size == (2, 2)
    assert summarize("INPUT(5x5x1) -> MAXPOOL(1, 3, ceil=caffe)").layers[0].output.size == (3, 3)
    # with padding, Caffe corrects as PyTorch does: n=3, k=2, s=2, p=1 gives
    # ceil((3 + 2 - 2)/2) + 1 = 3, and the last window starts at 4 >= 3 + 1: so 2
    for rounding in ("true", "caffe"):
        pool = f"INPUT(3x3x1) -> MAXPOOL(2, 2, p=1, ceil={rounding})"
        assert summarize(pool).layers[0].output.size == (2, 2)
