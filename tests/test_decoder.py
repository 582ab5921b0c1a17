"""Decoder layers: transposed convolution, upsampling, pixel shuffle, padding and cropping.

Numbers are derived by hand (the working is in the comments) from PyTorch's documented
formulas; tests/test_torch_fixtures.py checks the same kinds against PyTorch itself.
"""

from __future__ import annotations

import json
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cnncalc import CnnCalcError, evaluate
from cnncalc.parsing.expand import parse_grammar
from cnncalc.parsing.yaml_spec import parse_yaml
from cnncalc.results import NetworkResult
from tests.clirun import run_cli
from tests.conftest import hang_guard
from tests.strategies import DECODER_CHAINS


def _grammar(text: str) -> NetworkResult:
    return evaluate(parse_grammar(text))


def _shape(result: NetworkResult, index: int = -1) -> list[int]:
    layer = result.layers[index]
    assert isinstance(layer.output.channels, int)
    return [*layer.output.size, layer.output.channels]


# Hand-derived figures.


def test_dcgan_generator_step() -> None:
    # DCGAN (Radford et al. 2016), the PyTorch example's generator: 4x4x512 ->
    # ConvTranspose2d(512, 256, 4, 2, 1, bias=False) -> 8x8x256.
    # size: (n - 1)*s - 2p + d*(k - 1) + output_padding + 1 = (4-1)*2 - 2*1 + 1*3 + 0 + 1 = 8
    # params: C_in * C_out/g * k*k = 512 * 256 * 4 * 4 = 2,097,152 (no bias)
    # MACs: C_in * n_in * C_out/g * k*k = 512 * 16 * 256 * 16 = 33,554,432
    for text in (
        "INPUT(4x4x512) -> DECONV(256, 4, s=2, p=1, bias=false)",
        "INPUT(4x4x512) -> ConvTranspose2d(512, 256, 4, 2, 1, bias=false)",
    ):
        layer = _grammar(text).layers[-1]
        assert _shape(_grammar(text)) == [8, 8, 256]
        assert layer.params == 2_097_152
        assert layer.macs == 33_554_432
    # with a bias: + C_out = 256
    assert _grammar("INPUT(4x4x512) -> DECONV(256, 4, s=2, p=1)").layers[-1].params == 2_097_408
    # the generator's first layer: 1x1x100 -> k=4, s=1, p=0: (1-1)*1 - 0 + 3 + 0 + 1 = 4
    first = _grammar("INPUT(1x1x100) -> DECONV(512, 4, bias=false)")
    assert _shape(first) == [4, 4, 512]
    assert first.layers[-1].params == 100 * 512 * 16


def test_dcgan_step_in_yaml() -> None:
    spec = parse_yaml(
        "input: 4x4x512\nlayers:\n"
        "  - ConvTranspose2d: {out_channels: 256, kernel_size: 4, stride: 2, padding: 1,"
        " bias: false}\n"
    )
    assert _shape(evaluate(spec)) == [8, 8, 256]


def test_params_without_sharing_and_as_fc() -> None:
    # 2x2x3 -> DECONV(4, 3, s=2) -> (2-1)*2 + 2 + 1 = 5, so 5x5x4.
    # shared: 3*4*9 + 4 = 112. Without sharing: one weight set per input position
    # (3*4*9 * 4 positions = 432) and a bias per output unit (4*25 = 100): 532.
    # As fc: 12 * 100 + 100 = 1,300.
    layer = _grammar("INPUT(2x2x3) -> DECONV(4, 3, s=2)").layers[-1]
    assert (layer.params, layer.params_nonshared, layer.params_fc) == (112, 532, 1300)


def test_grouped_transposed_conv_macs_are_not_zero() -> None:
    # Depthwise transposed conv (DeepSpeed PR 8323 reported 0 MACs): 8x8x16, groups 16,
    # k=3, s=2, p=1, op=1 -> (8-1)*2 - 2 + 2 + 1 + 1 = 16. MACs: 16 * 64 * 1 * 9 = 9,216;
    # params 16 * 1 * 9 + 16 = 160.
    layer = _grammar("INPUT(8x8x16) -> DECONV(16, 3, s=2, p=1, op=1, g=16)").layers[-1]
    assert _shape(_grammar("INPUT(8x8x16) -> DECONV(16, 3, s=2, p=1, op=1, g=16)")) == [16, 16, 16]
    assert (layer.macs, layer.params) == (9_216, 160)


def test_unet_crop_and_copy() -> None:
    # U-Net (Ronneberger et al. 2015), one level: the 64x64 encoder map is centre-cropped
    # to the 56x56 of the up-convolution before concatenation.
    # 64 -pool-> 32 -conv3-> 30 -conv3-> 28 -upconv k2 s2-> (28-1)*2 + 1 + 1 = 56.
    # crop 64 -> 56 removes 8: floor(8/2) = 4 on each side; concat: 8 + 8 channels.
    spec = parse_yaml(
        "input: 64x64x8\nlayers:\n"
        "  - {identity: null, name: enc}\n"
        "  - maxpool: 2\n"
        "  - conv: [16, 3]\n"
        "  - conv: [16, 3]\n"
        "  - {conv_transpose: {filters: 8, kernel: 2, stride: 2}, name: up}\n"
        "  - {crop: {center: up}, from: enc, name: skip}\n"
        "  - {concat: null, from: [skip, up]}\n"
    )
    result = evaluate(spec)
    assert _shape(result, 5) == [56, 56, 8]
    assert result.layers[5].hyper[0] == ("cropping", ((4, 4), (4, 4)))
    assert _shape(result) == [56, 56, 16]
    same = _grammar("INPUT(64x64x8) -> CROP(center=56)")
    assert _shape(same) == [56, 56, 8]


def test_upsample_sizes() -> None:
    # floor(n * scale) (PyTorch's Upsample docs): 7 * 1.5 = 10.5 -> 10; 5 * 0.3 = 1.5 -> 1
    assert _shape(_grammar("INPUT(7x5x2) -> UPSAMPLE([1.5, 0.3], bilinear)")) == [10, 1, 2]
    assert _shape(_grammar("INPUT(7x2) -> UPSAMPLE(2, linear, align_corners=true)")) == [14, 2]
    assert _shape(_grammar("INPUT(3x4x5x1) -> UPSAMPLE(size=6x7x8, mode=trilinear)")) == [
        6,
        7,
        8,
        1,
    ]
    up = _grammar("INPUT(8x8x3) -> UPSAMPLE(2)").layers[-1]
    assert (up.params, up.macs) == (0, 0)


def test_pixel_shuffle_and_pad() -> None:
    # ESPCN's last step: 17x17x(3*3^2) -> 51x51x3; unshuffle back
    assert _shape(_grammar("INPUT(17x17x27) -> PIXEL_SHUFFLE(3)")) == [51, 51, 3]
    assert _shape(_grammar("INPUT(51x51x3) -> PIXEL_UNSHUFFLE(3)")) == [17, 17, 27]
    # [1, 2] on H, 3 on both sides of W: 8 + 3 = 11, 8 + 6 = 14
    assert _shape(_grammar("INPUT(8x8x2) -> PAD([[1, 2], 3], reflect)")) == [11, 14, 2]


def test_receptive_field_through_a_transposed_convolution() -> None:
    # DECONV k=4, s=2, p=1 as the first layer: output o reads inputs i with o = 2i - 1 + t,
    # t = 0..3, so i in [(o - 2)/2, (o + 1)/2]: unit 0 spans [-1, 1/2], r = 1 + 3/2 = 5/2,
    # centre -1/4; units are 1/2 an input pixel apart (jump 1/2).
    field = _grammar("INPUT(4x4x8) -> DECONV(4, 4, s=2, p=1)").layers[-1].receptive_field[0]
    assert (field.size, field.jump, field.start) == (
        Fraction(5, 2),
        Fraction(1, 2),
        Fraction(-1, 4),
    )
    # a stride-2 convolution then an upsample by 2: the jump is whole again and an int
    back = _grammar("INPUT(8x8x1) -> CONV(1, 3, s=2, p=1) -> UPSAMPLE(2)").layers[-1]
    assert back.receptive_field[0].jump == 1
    assert type(back.receptive_field[0].jump) is int


def test_fractions_are_rendered_exactly() -> None:
    code, out, _ = run_cli("summarize", "INPUT(4x4x8) -> DECONV(4, 4, s=2, p=1)", "-f", "json")
    assert code == 0
    field = json.loads(out)["layers"][0]["receptive_field"]
    assert field == {
        "size": ["5/2", "5/2"],
        "jump": ["1/2", "1/2"],
        "start": ["-1/4", "-1/4"],
        "padding": [1, 1],
    }
    code, out, _ = run_cli("summarize", "INPUT(4x4x8) -> DECONV(4, 4, s=2, p=1)")
    assert code == 0
    assert " 5/2 " in out and " 1/2 " in out


def test_upsampling_warns_once() -> None:
    result = _grammar("INPUT(8x8x1) -> UPSAMPLE(2) -> CONV(1, 3) -> DECONV(1, 2, s=2)")
    notes = [n for n in result.warnings if n.code == "receptive-field-upsampled"]
    assert len(notes) == 1
    assert notes[0].layer == 1
    assert not any(
        n.code == "receptive-field-upsampled" for n in _grammar("INPUT(8x8x1) -> PAD(1)").warnings
    )


# Bad input: exit 2 and a message that says where.

BAD = [
    ("INPUT(8x8x4) -> DECONV(4, 3, s=2, op=2)", "layer 1 (conv_transpose1): output_padding 2"),
    ("INPUT(8x8x4) -> UPSAMPLE(size=0)", "upsample size must be positive, got 0"),
    (
        "INPUT(8x8x3) -> PIXEL_SHUFFLE(2)",
        "needs channels divisible by 2^2 = 4, but the input has 3",
    ),
    ("INPUT(8x8x3) -> CROP(center=9)", "the centre crop to 9 on axis H is larger than"),
    ("INPUT(8x8x3) -> CROP(4)", "cropping 4 + 4 on axis H leaves nothing of the input size 8"),
    ("INPUT(8x8x3) -> UPSAMPLE(2, cubic)", "did you mean 'bicubic'"),
    ("INPUT(8x3) -> UPSAMPLE(2, bilinear)", "mode bilinear interpolates 2D inputs"),
    ("INPUT(8x8x3) -> UPSAMPLE(2, align_corners=true)", "align_corners applies"),
    ("INPUT(8x8x3) -> UPSAMPLE(0.1)", "the output would be 0x0"),
    ("INPUT(8x8x3) -> UPSAMPLE", "upsample needs a scale or a size"),
    ("INPUT(8x8x3) -> UPSAMPLE(2, size=4)", "either scale or size"),
    ("INPUT(8x8x3) -> PAD(8, reflect)", "reflect padding 8 on axis H must be smaller"),
    ("INPUT(8x8x3) -> PAD(9, circular)", "wrap around more than once"),
    # (8 - 1)*1 - 2*5 + 1*(3 - 1) + 0 + 1 = 0
    ("INPUT(8x8x3) -> DECONV(4, 3, p=5)", "output size on axis H would be 0"),
    ("INPUT(8x8x3) -> DECONV(4, 3, g=2)", "groups 2 must divide"),
    ("INPUT(8x8x3) -> PIXEL_UNSHUFFLE(3)", "needs sizes divisible by 3"),
    ("INPUT(8x8x3) -> UPSAMPLE(size=nope)", "'size' names 'nope', which is no layer"),
    ("INPUT(8x8x3) -> CROP(center=later) -> RELU(name=later)", "form a cycle: crop1 -> later"),
    ("INPUT(8x8x3) -> CROP(center=x) -> RELU(from=input, name=x)", "'center' names 'x', which"),
    ("INPUT(8x8x3) -> FLATTEN -> UPSAMPLE(2)", "needs a spatial input"),
    ("INPUT(8x8x3) -> ConvTranspose2d(4, 8, 3)", "written for 4 input channels, but it gets 3"),
    ("INPUT(8x8x3) -> CROP(1, center=4)", "either cropping per side or center"),
    ("INPUT(8x8x3) -> PAD(same)", "takes amounts"),
]


@pytest.mark.parametrize(("text", "message"), BAD)
def test_bad_input_is_a_located_error(text: str, message: str) -> None:
    code, out, err = run_cli("summarize", text)
    assert (code, out) == (2, "")
    assert message in err, err
    assert err.startswith("cnncalc: error: <inline>:1:")


def test_bad_yaml_points_at_the_line() -> None:
    text = (
        "input: 8x8x4\nlayers:\n  - relu\n"
        "  - conv_transpose: {filters: 4, stride: 2, output_padding: 3}\n"
    )
    with pytest.raises(CnnCalcError) as caught:
        evaluate(parse_yaml(text))
    assert "line 4" in str(caught.value)
    assert "output_padding 3 on axis H must be smaller than the stride (2)" in str(caught.value)


def test_huge_values_end_quickly() -> None:
    with hang_guard():
        for text in (
            f"INPUT(8x8x3) -> DECONV(4, {10**90}, s={10**90})",
            "INPUT(8x8x3) -> UPSAMPLE(1e300) -> UPSAMPLE(1e300) -> CONV(2, 3)",
            "INPUT(8x8x3) -> UPSAMPLE(1e-300)",
            f"INPUT(8x8x3) -> PAD({10**90}) -> CROP({10**90})",
            "INPUT(8x8x3) -> UPSAMPLE(1e999)",
        ):
            code, _, err = run_cli("summarize", text, "-f", "json")
            assert code in (0, 2), err


# Every decoder kind through every output and through explain.

EVERY_KIND = (
    "INPUT(8x8x8) -> DECONV(8, 4, s=2, p=1, name=a) -> UPSAMPLE(1.5, bicubic) "
    "-> PIXEL_SHUFFLE(2) -> PIXEL_UNSHUFFLE(2) -> PAD([1, 2], replicate) -> CROP(1) "
    "-> UPSAMPLE(size=a) -> CROP(center=input)"
)


@pytest.mark.parametrize("fmt", ["table", "json", "csv", "markdown"])
def test_every_kind_renders(fmt: str) -> None:
    code, out, err = run_cli("summarize", EVERY_KIND, "-f", fmt)
    assert code == 0, err
    if fmt == "json":
        assert json.loads(out)["layers"][-1]["output"] == {"channels": 8, "size": [8, 8]}


def test_every_kind_explains() -> None:
    for index in range(1, 9):
        code, out, err = run_cli("explain", EVERY_KIND, "-l", str(index))
        assert code == 0, err
        assert f"layer {index} (" in out


def test_kinds_lists_keys_defaults_and_mac_rules() -> None:
    code, out, _ = run_cli("kinds")
    assert code == 0
    assert "MACs: C_in * prod(n_in) * C_out/groups * prod(kernel), bias excluded" in out
    for kind in ("conv_transpose", "upsample", "pixel_shuffle", "pixel_unshuffle", "pad", "crop"):
        assert f"\n{kind} (also " in out
    assert "output_padding (also out_padding, op): default 0" in out
    assert "mode (also interpolation): default nearest" in out


def test_yaml_and_grammar_agree() -> None:
    yaml_text = (
        "input: 8x8x8\nlayers:\n"
        "  - {deconv: {filters: 8, kernel: 4, stride: 2, padding: 1}, name: a}\n"
        "  - upsample: {scale: 1.5, mode: bicubic}\n"
        "  - pixel_shuffle: 2\n"
        "  - pixel_unshuffle: {factor: 2}\n"
        "  - pad: {padding: [1, 2], mode: replicate}\n"
        "  - crop: 1\n"
        "  - upsample: {size: a}\n"
        "  - crop: {center: input}\n"
    )
    assert evaluate(parse_yaml(yaml_text)).layers == _grammar(EVERY_KIND).layers


# Properties.


@given(
    st.integers(1, 40),
    st.integers(1, 6),
    st.integers(1, 4),
    st.integers(0, 3),
    st.integers(1, 3),
)
def test_transposed_convolution_inverts_the_convolution_size(
    n: int, k: int, s: int, p: int, d: int
) -> None:
    """PyTorch's ConvTranspose2d docs: with the same k, s, p, d, the transposed
    convolution maps the convolution's output size back to its input size when
    output_padding is the remainder the convolution's floor dropped."""
    span = n + 2 * p - d * (k - 1) - 1
    if span < 0:
        return
    m = span // s + 1
    text = f"INPUT({m}x1) -> DECONV(1, {k}, s={s}, p={p}, d={d}, op={span % s})"
    if span % s >= max(s, d):
        return
    assert _shape(_grammar(text)) == [n, 1]


@given(st.integers(1, 5), st.integers(1, 9), st.integers(1, 9), st.integers(1, 4))
def test_shuffle_then_unshuffle_and_pad_then_crop_give_the_input_back(
    r: int, h: int, w: int, c: int
) -> None:
    text = (
        f"INPUT({h}x{w}x{c * r * r}) -> PIXEL_SHUFFLE({r}) -> PIXEL_UNSHUFFLE({r}) "
        f"-> PAD({r}) -> CROP({r})"
    )
    result = _grammar(text)
    assert _shape(result) == [h, w, c * r * r]
    # the jump comes back to 1 (an int) and the centre to input pixel 0: shuffling puts
    # output 0 at -(r - 1)/(2r), as nearest upsampling by r does, and unshuffling's
    # window of r units is centred back on it
    for field in result.layers[-1].receptive_field:
        assert type(field.jump) is int and field.jump == 1
        assert field.start == 0


DECODER_PIECES = st.sampled_from(
    [
        "DECONV(2, 3, s=2, p=1, op=1)",
        "DECONV(2, 4, s=3, p=1)",
        "UPSAMPLE(1.5)",
        "UPSAMPLE(0.7, bilinear)",
        "UPSAMPLE(3, bicubic)",
        "CONV(2, 3, s=2, p=1)",
        "MAXPOOL(2)",
        "PAD(1)",
        "CROP(1)",
    ]
)


@given(st.lists(DECODER_PIECES, min_size=1, max_size=6))
def test_receptive_fields_are_exact_in_every_output(pieces: list[str]) -> None:
    """Fractions never leak as Python objects: JSON holds numbers or "a/b" strings equal
    to the exact values, and whole values are ints."""
    text = " -> ".join(["INPUT(12x12x2)", *pieces])
    try:
        result = _grammar(text)
    except CnnCalcError:
        return  # a map shrunk below a kernel: a clear error is right
    code, out, err = run_cli("summarize", text, "-f", "json")
    assert code == 0, err
    for layer, data in zip(result.layers, json.loads(out)["layers"], strict=True):
        for key in ("size", "jump", "padding"):
            for value, written in zip(
                [getattr(a, key) for a in layer.receptive_field],
                data["receptive_field"][key],
                strict=True,
            ):
                assert isinstance(value, int) or value.denominator != 1
                assert Fraction(written) == value
                assert isinstance(written, str) != isinstance(value, int)


def test_references_follow_blocks_and_repeats() -> None:
    # Two U-Net levels from one block, repeated: each crop matches its own level's
    # up-convolution. Level 0: 64 -conv3-> 62 -pool-> 31 -conv3-> 29 -up-> 58, so enc (62)
    # is cropped to 58. Level 1: 58 -> 56 -> 28 -> 26 -> 52: enc (56) cropped to 52.
    spec = parse_yaml(
        "input: 64x64x4\n"
        "blocks:\n"
        "  level:\n"
        "    layers:\n"
        "      - conv: {filters: 8, kernel: 3, name: enc}\n"
        "      - maxpool: 2\n"
        "      - conv: {filters: 8, kernel: 3}\n"
        "      - conv_transpose: {filters: 8, kernel: 2, stride: 2, name: up}\n"
        "      - crop: {center: up, from: enc, name: skip}\n"
        "      - concat: {from: [skip, up]}\n"
        "layers:\n"
        "  - repeat: 2\n"
        "    layers: [level: {name: lv}]\n"
    )
    result = evaluate(spec)
    skips = {layer.name: _shape(result, layer.index - 1) for layer in result.layers}
    assert skips["lv.0.skip"] == [58, 58, 8]
    assert skips["lv.1.skip"] == [52, 52, 8]
    grammar = _grammar(
        "DEF level = CONV(8, 3, name=enc) -> MAXPOOL(2) -> CONV(8, 3) "
        "-> DECONV(8, 2, s=2, name=up) -> CROP(center=up, from=enc, name=skip) "
        "-> CONCAT(from=[skip, up]);\n"
        "INPUT(64x64x4) -> level(name=lv)*2"
    )
    assert [
        _shape(grammar, layer.index - 1) for layer in grammar.layers if "skip" in layer.name
    ] == [
        [58, 58, 8],
        [52, 52, 8],
    ]


def test_fractions_in_compare_and_explain_json() -> None:
    text = "INPUT(4x4x8) -> DECONV(4, 4, s=2, p=1) -> CONV(4, 3)"
    # conv after it: r = 5/2 + (3 - 1)*1/2 = 7/2
    code, out, err = run_cli("compare", text, "INPUT(4x4x8) -> CONV(4, 3)", "-f", "json")
    assert code == 0, err
    networks = json.loads(out)["networks"]
    assert [n["receptive_field"]["size"] for n in networks] == [["7/2", "7/2"], [3, 3]]
    code, out, err = run_cli("explain", text, "-l", "2", "-f", "json")
    assert code == 0, err
    steps = {s["quantity"]: s for s in json.loads(out)["derivation"]["steps"]}
    # a fraction is no JSON number: the result is null and its text says it exactly
    assert [steps[q]["result"] for q in ("receptive field H", "jump H")] == [None, None]
    assert [steps[q]["result_text"] for q in ("receptive field H", "jump H")] == ["7/2", "1/2"]


def test_a_block_matching_its_own_input_each_time() -> None:
    # The same layers (one op: `size: input` becomes "the layer 2 back") on the same
    # 4x4 map, but the block's inputs differ: 8x8 the first time, 8 - 2 = 6 the second.
    spec = parse_yaml(
        "input: 8x8x2\n"
        "blocks:\n"
        "  b:\n"
        "    layers: [adaptive_avgpool: 4, upsample: {size: input}]\n"
        "layers: [b, crop: 1, b]\n"
    )
    result = evaluate(spec)
    assert [_shape(result, i) for i in range(len(result.layers))] == [
        [4, 4, 2],
        [8, 8, 2],
        [6, 6, 2],
        [4, 4, 2],
        [6, 6, 2],
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        # sizes double 20,000 times: refused once past 200 digits (2**659 > 10**198)
        ("INPUT(64x64x3) -> UPSAMPLE(2)*20000", "layer 659 (upsample659): the output size"),
        # the jump gains a factor 31/128 per level, the size stays: refused past 3,000 bits
        ("INPUT(64x64x3) -> [UPSAMPLE(size=64) -> MAXPOOL(3, 2)]*5000", "more than 3,000 bits"),
        ("INPUT(64x64x3) -> [UPSAMPLE(1.37, bicubic) -> MAXPOOL(2, 1)]*3000", "3,000 bits"),
    ],
)
def test_growth_by_scaling_is_bounded(text: str, message: str) -> None:
    with hang_guard():
        code, _, err = run_cli("summarize", text)
        assert (code, message in err) == (2, True), err


@given(
    st.lists(st.sampled_from(["UPSAMPLE(1.37)", "UPSAMPLE(size=9)", "MAXPOOL(2, 1)"]), max_size=40)
)
def test_every_value_is_writable(pieces: list[str]) -> None:
    """Whatever the chain of scalings, every output writes (no number past Python's limit
    on writing integers) or ends in a clear error."""
    code, out, err = run_cli("summarize", " -> ".join(["INPUT(9x9x1)", *pieces]), "-f", "json")
    assert code in (0, 2), err
    if code == 0:
        json.loads(out)


def test_keras_upsampling_size_is_a_scale() -> None:
    import cnncalc

    # keras.layers.UpSampling2D(size=(2, 2)) repeats rows and columns twice: 8x8 -> 16x16
    # (Keras docs); cnncalc's own `size` is an output size, as PyTorch's: 8x8 -> 4x4
    keras = cnncalc.evaluate(cnncalc.parse("INPUT(8x8x3) -> UpSampling2D(size=2)"))
    assert keras.layers[0].output.size == (16, 16)
    own = cnncalc.evaluate(cnncalc.parse("INPUT(8x8x3) -> UPSAMPLE(size=4)"))
    assert own.layers[0].output.size == (4, 4)


@given(DECODER_CHAINS)
def test_every_format_writes_decoder_networks(text: str) -> None:
    """Fractional receptive fields (after upsampling) through every output of summarize,
    sweep and draw: an answer or a located error, never an internal one (sweep's JSON
    and the HTML report's chart once failed on them)."""
    runs = [
        *(
            ("summarize", text, "-f", fmt)
            for fmt in ("table", "json", "csv", "markdown", "html", "latex")
        ),
        *(("sweep", text, "-f", fmt) for fmt in ("table", "json", "csv")),
        ("draw", text),
        ("draw", text, "--style", "blocks"),
    ]
    for argv in runs:
        code, _, err = run_cli(*argv)
        assert code in (0, 2), (argv, err)
        assert "internal error" not in err
