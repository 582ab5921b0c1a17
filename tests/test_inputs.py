"""The whole-network input-size solver (``cnncalc.valid_inputs``, ``solve --spec``) and
the merge mismatch explainer.

The truth is brute force: evaluate the network at every size of a range with the engine
(which follows PyTorch's documented size rules) and keep the sizes it accepts; in strict
mode also refuse the sizes where the engine warns that a floor leaves input rows unseen.
Hand-derived cases write their derivation out in comments.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import get_args

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import cnncalc
from cnncalc.engine.sizes import AXIS_RULES
from cnncalc.errors import CnnCalcError, LimitError
from cnncalc.spec import LayerOp, Merge, NetworkSpec
from tests.clirun import run_cli
from tests.conftest import SPECS, hang_guard
from tests.strategies import SOLVER_DECODER_SPECS, SOLVER_SPECS, UNETS, unet_text


def brute_both(spec: NetworkSpec, axis: int, low: int, high: int) -> tuple[list[int], list[int]]:
    """Every size in low..high at which the engine runs the network (the truth), and
    those of them where no floor leaves input rows unseen (strict)."""
    plain, strict = [], []
    for n in range(low, high + 1):
        size = tuple(n if i == axis else x for i, x in enumerate(spec.input.size))
        try:
            result = cnncalc.evaluate(replace(spec, input=replace(spec.input, size=size)))
        except CnnCalcError:
            continue
        plain.append(n)
        if not any(w.code == "inexact-floor" and "unseen" in w.message for w in result.warnings):
            strict.append(n)
    return plain, strict


def brute(spec: NetworkSpec, axis: int, low: int, high: int, strict: bool) -> list[int]:
    """:func:`brute_both` in one mode."""
    return brute_both(spec, axis, low, high)[strict]


ZOO = sorted(SPECS.glob("*.yaml"))


@pytest.mark.parametrize("path", ZOO, ids=[p.stem for p in ZOO])
def test_zoo_equals_brute_force(path: Path) -> None:
    spec = cnncalc.load(str(path))
    for axis in range(spec.input.dims):
        answers = [cnncalc.valid_inputs(spec, axis, None, strict) for strict in (False, True)]
        # the range reaches one period past where each closed form turns periodic
        high = 64
        for answer in answers:
            assert answer.closed is not None
            if answer.failure is None:
                high = max(high, answer.closed.start + answer.closed.period)
        truth = brute_both(spec, axis, 1, high)
        for answer, sizes in zip(answers, truth, strict=True):
            assert answer.closed is not None
            assert answer.closed.listing(1, high) == sizes


@given(SOLVER_SPECS, st.booleans(), st.sampled_from([0, 1]))
def test_random_branching_specs_equal_brute_force(text: str, strict: bool, axis: int) -> None:
    spec = cnncalc.parse(text)
    answer = cnncalc.valid_inputs(spec, axis, (1, 70), strict)
    assert list(answer.sizes) == brute(spec, axis, 1, 70, strict)
    if answer.closed is not None and answer.failure is None:
        # the closed form also holds past the range: spot-check one period further out
        start = max(71, answer.closed.start)
        far = range(start + 200, start + 200 + answer.closed.period + 1)
        assert [n for n in far if n in answer.closed] == brute(
            spec, axis, far.start, far.stop - 1, strict
        )


# Encoder with a skip: two floor pools (H -> floor(H/2) -> floor(H/4)) against two
# stride-2 convolutions with kernel 3, padding 1 (n -> floor((n + 2 - 3)/2) + 1 =
# ceil(n/2), so H -> ceil(ceil(H/2)/2) = ceil(H/4)). The concat needs floor(H/4) =
# ceil(H/4): 4 divides H. The second pool needs floor(H/2) >= 2, so H >= 4; the
# convolutions fit every H >= 1 (padded input n + 2 >= 3). Valid: H >= 4, H = 0 (mod 4).
ENCODER = (
    "INPUT(32x32x3) -> CONV(4, 3, p=1, name=conv5) -> "
    "CONCAT{MAXPOOL(2, name=pool1) -> MAXPOOL(2, name=pool2) "
    "| CONV(4, 3, s=2, p=1, name=down1) -> CONV(4, 3, s=2, p=1, name=down2)}"
)


def test_encoder_with_skip_by_hand() -> None:
    answer = cnncalc.valid_inputs(cnncalc.parse(ENCODER), "H")
    assert answer.closed == cnncalc.valid_inputs(cnncalc.parse(ENCODER), 0).closed
    assert answer.closed is not None
    assert (answer.closed.start, answer.closed.period, answer.closed.residues) == (4, 4, (0,))
    assert answer.closed.extra == ()
    assert answer.output(500) == 125  # 500/4
    assert answer.nearest(150) == (148, 152)
    assert answer.nearest(152) == (152, 152)


def test_encoder_strict_and_ceil_by_hand() -> None:
    # strict: a pool of 2 drops a row when its input is odd; the convolutions never drop
    # input (floor((n - 1)/2) leaves at most the right padding). H = 0 (mod 4) keeps both
    # pool inputs even, so strict changes nothing here.
    strict = cnncalc.valid_inputs(cnncalc.parse(ENCODER), "H", strict=True)
    assert strict.closed is not None
    assert (strict.closed.start, strict.closed.period, strict.closed.residues) == (4, 4, (0,))
    # ceil mode: ceil((n - 2)/2) + 1 = ceil(n/2), never corrected ((out-1)*2 < n), and the
    # window may overhang, so both paths give ceil(H/4) for every H >= 1
    ceil = ENCODER.replace("MAXPOOL(2,", "MAXPOOL(2, ceil_mode=true,")
    answer = cnncalc.valid_inputs(cnncalc.parse(ceil), "H")
    assert answer.closed is not None
    assert (answer.closed.start, answer.closed.period, answer.closed.residues) == (1, 1, (0,))


def test_pool_against_strided_conv_strict_has_no_size() -> None:
    # conv 3 valid: m = H - 2. Pool 2: floor(m/2), drops a row when m is odd; 1x1 conv,
    # stride 2: floor((m - 1)/2) + 1 = ceil(m/2), drops a row when m is even. Plain:
    # equal iff m even, i.e. H even, and the pool needs m >= 2: H >= 4. Strict: never.
    text = "INPUT(16x16x1) -> CONV(4, 3) -> ADD{MAXPOOL(2) | CONV(4, 1, s=2)}"
    answer = cnncalc.valid_inputs(cnncalc.parse(text), "W")
    assert answer.closed is not None
    assert (answer.closed.start, answer.closed.period, answer.closed.residues) == (4, 2, (0,))
    strict = cnncalc.valid_inputs(cnncalc.parse(text), "W", strict=True)
    assert strict.sizes == ()
    assert strict.failure is not None
    assert strict.failure.startswith("layer 3 (conv2) fails for every size")


def test_fc_after_flatten_has_exactly_one_size() -> None:
    # conv 5 valid: 28 -> 24; 4 channels * 24 * 24 = 2304 features: in_features 2304
    # needs 4 * (H - 4) * 24 = 2304, so H - 4 = 24: only H = 28
    text = "INPUT(28x28x1) -> CONV(4, 5) -> FLATTEN -> Linear(2304, 10)"
    answer = cnncalc.valid_inputs(cnncalc.parse(text), "H", (1, 500))
    assert answer.sizes == (28,)
    assert answer.closed is not None and 28 in answer.closed and 29 not in answer.closed
    # global pooling first: 4 features whatever the size, every H >= 5 (the kernel fits)
    pooled = "INPUT(28x28x1) -> CONV(4, 5) -> GAP -> FLATTEN -> Linear(4, 10)"
    answer = cnncalc.valid_inputs(cnncalc.parse(pooled), "H")
    assert answer.closed is not None
    assert (answer.closed.start, answer.closed.period, answer.closed.residues) == (5, 1, (0,))
    # 2300 is not 96 * (H - 4) for any H
    wrong = cnncalc.valid_inputs(cnncalc.parse(text.replace("2304", "2300")), "H")
    assert wrong.sizes == () and wrong.failure is not None and "fc1" in wrong.failure


def test_multiply_broadcasts_a_global_gate() -> None:
    # squeeze-and-excitation: conv 3, stride 2, valid gives floor((H - 3)/2) + 1 >= 1 for
    # H >= 3; the gate (global pooling) is 1 long whatever H, and a length of 1 broadcasts
    # (PyTorch's rule), so every H >= 3 works and the product is as long as the map
    text = "INPUT(32x32x4) -> CONV(4, 3, s=2) -> MUL{IDENTITY | GAP -> CONV(4, 1) -> SIGMOID}"
    answer = cnncalc.valid_inputs(cnncalc.parse(text), "H")
    assert answer.closed is not None
    assert (answer.closed.start, answer.closed.period, answer.closed.residues) == (3, 1, (0,))
    assert answer.output(32) == 15  # floor(29/2) + 1
    # a gate of 2 broadcasts only where the map is 1 or 2 long: conv 3 p=1 keeps H, so
    # H = 1 or 2; the gate's conv 3 valid needs H >= 3 (H - 2 >= 1): no size works
    two = "INPUT(8x8x4) -> MUL{CONV(4, 3, p=1) | CONV(4, 3) -> ADAPTIVE_AVGPOOL(2)}"
    assert cnncalc.valid_inputs(cnncalc.parse(two), "H", (1, 40)).sizes == ()


def test_adaptive_pooling_takes_every_size_from_its_minimum() -> None:
    # conv 3 valid needs H >= 3 and leaves H - 2; the pool of 2 needs H - 2 >= 2: H >= 4;
    # adaptive pooling then gives 7 for every size
    text = (
        "INPUT(32x32x3) -> CONV(4, 3) -> MAXPOOL(2) -> ADAPTIVE_AVGPOOL(7) -> FLATTEN "
        "-> Linear(196, 10)"
    )
    answer = cnncalc.valid_inputs(cnncalc.parse(text), "H")
    assert answer.closed is not None
    assert (answer.closed.start, answer.closed.period, answer.closed.residues) == (4, 1, (0,))


def test_mismatch_explainer_says_where_the_paths_parted() -> None:
    # H = 150: conv5 keeps 150; pool1 150 -> 75; pool2 floor((75 - 2)/2) + 1 = 37 drops
    # a row; down1 150 -> 75, down2 floor((75 + 2 - 3)/2) + 1 = 38 (drops only padding,
    # so that path is described by its first change); 148 and 152 are multiples of 4
    spec = cnncalc.parse(ENCODER, input="150x150x3")
    with pytest.raises(CnnCalcError) as error:
        cnncalc.evaluate(spec)
    first = str(error.value).splitlines()[0]
    assert first.endswith(
        "layer 6 (concat1): concat needs inputs of one spatial size, got pool2 37x37x4, "
        "down2 38x38x4; on axis H the paths part after conv5 (150): pool2: "
        "floor((75 - 2)/2) + 1 = 37 drops 1 row; down1: 150 -> 75; down2 gives 38; "
        "fixes: input H = 148 or 152, ceil_mode=true at pool2, a crop of the larger path "
        "before concat1"
    )


def test_cli_solve_spec() -> None:
    code, out, _ = run_cli("solve", "--spec", ENCODER, "--near", "150", "--axis", "W")
    assert code == 0
    assert out == (
        "W >= 4 and W = 0 (mod 4): 4, 8, 12, 16, 20, 24, ...\n"
        "output W: 4 -> 1, 8 -> 2, 12 -> 3, 16 -> 4\n"
        "nearest to 150: below: 148 (output W 37); above: 152 (output W 38)\n"
    )
    code, out, _ = run_cli("solve", "--spec", ENCODER, "--range", "1..20")
    assert code == 0
    assert out.splitlines()[-1] == "5 valid sizes in 1..20: 4, 8, 12, 16, 20"
    code, out, _ = run_cli(
        "solve",
        "--spec",
        "INPUT(16x16x1) -> CONV(4, 3) -> ADD{MAXPOOL(2) | CONV(4, 1, s=2)}",
        "--strict",
    )
    assert code == 1
    assert out.startswith("no input size works on axis H (strict: no floor drops input): layer 3")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--axis", "Q"], "no axis 'Q'; this input has H, W"),
        (["--range", "5"], "a range is written LOW..HIGH"),
        (["--range", "9..3"], "a range needs 1 <= LOW <= HIGH"),
        (["--range", "0..3"], "a range needs 1 <= LOW <= HIGH"),
        (["--range", "1.." + "9" * 40], "at most 30 digits"),
    ],
)
def test_cli_solve_spec_refuses_bad_options(args: list[str], message: str) -> None:
    code, _, err = run_cli("solve", "--spec", ENCODER, *args)
    assert code == 2 and message in err and "Traceback" not in err


def test_ranges_are_bounded() -> None:
    # a closed form answers any range at once, capped at 1,000,000 listed sizes
    with hang_guard():
        answer = cnncalc.valid_inputs(cnncalc.parse(ENCODER), "H", (1, 10**15))
        assert answer.capped and answer.range == (1, 1_000_000) and len(answer.sizes) == 250_000
    # without one (a kernel of 10**9 puts the threshold out of reach), a range is scanned,
    # and a longer one than 1,000,000 sizes is refused
    huge = cnncalc.parse("INPUT(32x32x3) -> CONV(4, 1000000000)")
    assert cnncalc.valid_inputs(huge, "H").closed is None
    with pytest.raises(LimitError):
        cnncalc.valid_inputs(huge, "H", (1, 2_000_000))
    assert "every size in 1..1024" in (cnncalc.valid_inputs(huge, "H").failure or "")


def test_every_kind_has_a_rule() -> None:
    """A new layer kind plugs into the solver at one place: AXIS_RULES (merges need none)."""
    for op in get_args(LayerOp):
        assert op in AXIS_RULES or op in get_args(Merge), op


@given(SOLVER_SPECS, st.integers(3, 60))
def test_mismatch_explainer_suggests_sizes_that_work(text: str, length: int) -> None:
    """On a 1D input: a merge of unequal sizes keeps its old message, says where the paths
    parted, and every input size it suggests runs (brute force), unless no size does."""
    spec = cnncalc.parse(text.replace("INPUT(24x24x3)", f"INPUT({length}x3)"))
    try:
        cnncalc.evaluate(spec)
    except CnnCalcError as error:
        message = str(error).splitlines()[0]
        if "needs inputs of one" not in message:
            return
        assert "; on axis L the paths part after " in message
        suggested = re.search(r"fixes: input L = (\d+)(?: or (\d+))?", message)
        for size in filter(None, suggested.groups() if suggested else ()):
            # the size passes every size rule; a problem that no size escapes (channels,
            # in_features) may remain, and the solver then says no size works
            resized = cnncalc.parse(text.replace("INPUT(24x24x3)", f"INPUT({size}x3)"))
            if brute(resized, 0, int(size), int(size), False) != [int(size)]:
                assert cnncalc.valid_inputs(resized, 0).failure is not None


# The original U-Net (Ronneberger, Fischer, Brox 2015, Fig. 1): per level two valid 3x3
# convolutions (-4 in all) and a 2x2 max pool (floor(n/2)), four levels, two convolutions
# at the bottom; up: up-conv 2x2 stride 2 ((n - 1)*2 + 1 + 1 = 2n), crop-and-copy of the
# skip to that size, two convolutions (-4). From 572: 568 -> 284 -> 280 -> 140 -> 136 ->
# 68 -> 64 -> 32 -> 28 at the bottom, then 56 -> 52, 104 -> 100, 200 -> 196, 392 -> 388
# (the paper's 388x388 output map). Valid sizes, from the bottom up: a decoder level maps
# b -> 2b - 4 and needs 2b - 4 >= 1 twice over; b = 4 stays 4, b = 3 gives 2 then 0, so
# the bottom needs b >= 4, its input p4 >= 8, the fourth skip e4 >= 16, p3 = e4 + 4 >= 20,
# e3 >= 40, p2 >= 44, e2 >= 88, p1 >= 92, e1 >= 184, H = e1 + 4 >= 188; the crops always
# fit (2*floor(e/2) - 4k <= e). Strict (the paper's tiling rule: every pool input even):
# e1 = H - 4 even, e2 = (H - 4)/2 - 4 even, ..., down to e4: H - 4 = 0 (mod 2),
# H - 12 = 0 (mod 4), H - 28 = 0 (mod 8), H - 60 = 0 (mod 16): H = 12 (mod 16); 572 =
# 35*16 + 12 and 188 = 11*16 + 12.
UNET = unet_text(4, padded=False, crop=True, ceil=False).replace("572x1", "572x572x1")


def test_original_unet_by_hand() -> None:
    spec = cnncalc.parse(UNET)
    assert cnncalc.evaluate(spec).layers[-1].output.size == (388, 388)
    plain = cnncalc.valid_inputs(spec, "H")
    assert plain.closed is not None and plain.failure is None
    assert (plain.closed.start, plain.closed.period, plain.closed.residues) == (188, 1, (0,))
    assert plain.closed.extra == ()
    assert plain.output(572) == 388
    strict = cnncalc.valid_inputs(spec, "H", (1, 572), strict=True)
    assert strict.closed is not None
    assert (strict.closed.start, strict.closed.period, strict.closed.residues) == (188, 16, (12,))
    assert strict.sizes == tuple(range(188, 573, 16))
    assert strict.sizes[-1] == 572
    # 500: 492 = 30*16 + 12 and 508 = 31*16 + 12; 492 -> 488 -> 244 -> 240 -> 120 -> 116
    # -> 58 -> 54 -> 27 -> 23 at the bottom, 46 - 4 = 42, 80, 156, 308
    assert strict.nearest(500) == (492, 508)
    assert strict.output(492) == 308


def test_cli_solves_the_original_unet() -> None:
    code, out, _ = run_cli("solve", "--spec", UNET, "--strict", "--near", "500")
    assert code == 0
    assert out.splitlines()[0] == (
        "H >= 188 and H = 12 (mod 16) (strict: no floor drops input): "
        "188, 204, 220, 236, 252, 268, ..."
    )
    assert "below: 492 (output H 308); above: 508 (output H 324)" in out


def test_padded_unet_of_depth_5_by_hand() -> None:
    # padding 1 keeps sizes through the convolutions; without crops every skip e_i must
    # equal 2*floor(e_i/2) (ceil mode: 2*ceil(e_i/2)), so each of the five pool inputs
    # H/2^i is even: H = 0 (mod 32); the deepest pool needs 2 rows: H >= 32
    for ceil in (False, True):
        spec = cnncalc.parse(unet_text(5, padded=True, crop=False, ceil=ceil, length=64))
        for strict in (False, True):
            closed = cnncalc.valid_inputs(spec, 0, strict=strict).closed
            assert closed is not None
            assert (closed.start, closed.period, closed.residues, closed.extra) == (
                32,
                32,
                (0,),
                (),
            )
    # upsampling to the skip's size instead leaves only the pools' minimum (floor mode:
    # H/2^5 >= 1 needs H >= 32) and, in strict mode, the same even inputs
    sized = cnncalc.parse(unet_text(5, padded=True, crop=False, ceil=False, up="size"))
    form = cnncalc.valid_inputs(sized, 0).closed
    assert form is not None and (form.start, form.period, form.residues) == (32, 1, (0,))
    form = cnncalc.valid_inputs(sized, 0, strict=True).closed
    assert form is not None and (form.start, form.period, form.residues) == (32, 32, (0,))


def _closed_equals_brute(spec: NetworkSpec, strict: bool, low: int = 1) -> None:
    """The solver's sizes equal brute force from ``low`` to one period past its threshold,
    and one period further out."""
    answer = cnncalc.valid_inputs(spec, 0, (low, 80), strict)
    high = 80
    if answer.closed is not None and answer.failure is None:
        high = max(high, answer.closed.start + answer.closed.period)
        assert answer.closed.listing(low, high) == brute(spec, 0, low, high, strict)
        far = range(high + 100, high + 100 + answer.closed.period + 1)
        assert [n for n in far if n in answer.closed] == brute(
            spec, 0, far.start, far.stop - 1, strict
        )
    else:
        assert list(answer.sizes) == brute(spec, 0, low, high, strict)


@settings(max_examples=12)
@given(UNETS, st.booleans())
@example(unet_text(5, padded=False, crop=True, ceil=False), True)
@example(unet_text(5, padded=False, crop=True, ceil=True, up="size"), False)
@example(unet_text(5, padded=True, crop=False, ceil=True, up="scale"), False)
@example(unet_text(2, padded=True, crop=True, ceil=False), True)
def test_unets_equal_brute_force(text: str, strict: bool) -> None:
    """U-Nets of depth 2 to 5, padded or not, cropped or not, floor or ceil pooling,
    up-convolution or upsampling (by 2, or to the skip's size)."""
    _closed_equals_brute(cnncalc.parse(text), strict)


@settings(max_examples=60)
@given(SOLVER_DECODER_SPECS, st.booleans())
def test_decoder_specs_equal_brute_force(text: str, strict: bool) -> None:
    """Transposed convolutions, upsampling (fractional scales, to a layer's size), pixel
    shuffles, padding modes, crops (to a layer's size) and depthwise convolutions."""
    _closed_equals_brute(cnncalc.parse(text), strict)


def test_explainer_follows_the_decoder_path() -> None:
    # padded U-Net of depth 3 at H = 300: e1 300, pool 150; e2 150, pool 75; e3 75, pool
    # floor(75/2) = 37 drops a row, the bottom keeps 37, u3 doubles it to 74 against the
    # skip e3's 75. Valid: H = 0 (mod 8), so 296 and 304; output_padding 1 (below the
    # stride 2) makes u3 (37 - 1)*2 + 2 + 1 = 75; ceil mode would give 38 -> 76, no fix
    text = unet_text(3, padded=True, crop=False, ceil=False).replace("572x1", "300x300x1")
    with pytest.raises(CnnCalcError) as error:
        cnncalc.evaluate(cnncalc.parse(text))
    first = str(error.value).splitlines()[0]
    assert first.endswith(
        "layer 13 (concat1): concat needs inputs of one spatial size, got e3 75x75x4, "
        "u3 74x74x4; on axis H the paths part after e3 (75): the skip from e3 is 75; "
        "maxpool3: floor((75 - 2)/2) + 1 = 37 drops 1 row; u3 doubles 37 to 74; "
        "fixes: input H = 296 or 304, output_padding=1 at u3, a crop of the larger path "
        "before concat1"
    )
    # nearest upsampling by 2 instead: upsample to the skip's size
    scaled = unet_text(3, padded=True, crop=False, ceil=False, up="scale")
    with pytest.raises(CnnCalcError) as error:
        cnncalc.evaluate(cnncalc.parse(scaled.replace("572x1", "300x300x1")))
    assert "u3 doubles 37 to 74; fixes: input H = 296 or 304, size=e3 at u3," in str(error.value)


def test_explainer_says_why_a_crop_to_a_layer_does_not_fit() -> None:
    # padded U-Net of depth 3, ceil-mode pools, crop-and-copy, H = 300: e3 is 75, the pool
    # gives ceil((75 - 2)/2) + 1 = 38, u3 doubles it to 76 > 75; every pool input must be
    # even (ceil(e/2)*2 = e + 1 for odd e): H = 0 (mod 8), so 296 and 304
    text = unet_text(3, padded=True, crop=True, ceil=True).replace("572x1", "300x300x1")
    with pytest.raises(CnnCalcError) as error:
        cnncalc.evaluate(cnncalc.parse(text))
    assert (
        str(error.value)
        .splitlines()[0]
        .endswith(
            "layer 13 (k3): the centre crop to 76 on axis H is larger than the input size 75; "
            "on axis H the paths part after e3 (75): the skip from e3 is 75; maxpool3: "
            "ceil((75 - 2)/2) + 1 = 38 adds a window past the end; u3 doubles 38 to 76; "
            "fixes: input H = 296 or 304"
        )
    )


@settings(max_examples=20)
@given(UNETS, st.integers(40, 400))
def test_unet_explainer_suggests_sizes_that_work(text: str, length: int) -> None:
    """A U-Net failing at a merge or a crop to a layer says where the paths parted, and
    the input sizes it suggests run (brute force)."""
    try:
        cnncalc.evaluate(cnncalc.parse(text.replace("572x1", f"{length}x1")))
    except CnnCalcError as error:
        message = str(error).splitlines()[0]
        if "needs inputs of one" not in message and "centre crop" not in message:
            return
        assert "; on axis L the paths part after " in message
        suggested = re.search(r"fixes: input L = (\d+)(?: or (\d+))?", message)
        for size in filter(None, suggested.groups() if suggested else ()):
            resized = cnncalc.parse(text.replace("572x1", f"{size}x1"))
            assert brute(resized, 0, int(size), int(size), False) == [int(size)]


def test_no_size_in_a_scanned_range_claims_no_more() -> None:
    # no closed form (a fractional scale whose double has a long denominator, repeated),
    # and nothing in 1..1024 runs: the answer names the range, not every size
    code, out, _ = run_cli(
        "solve", "--spec", "INPUT(64x64x3) -> [UPSAMPLE(1.37) -> CONV(3, 3, s=2)]*30"
    )
    assert code == 1
    assert out.startswith("no input size in 1..1024 works on axis H")
    assert "give --range to look further" in out


def test_near_must_be_a_size() -> None:
    code, _, err = run_cli("solve", "--spec", ENCODER, "--near", "-5")
    assert code == 2 and err.startswith("cnncalc: error: --near: an input size is 1 or more")
