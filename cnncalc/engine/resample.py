"""Decoder layers: transposed convolution, upsampling, pixel shuffle, padding and cropping.

Sizes, parameters and refusals follow PyTorch's documented semantics
(``torch.nn.ConvTranspose2d``, ``torch.nn.Upsample`` / ``F.interpolate``,
``torch.nn.PixelShuffle``, ``F.pad``); receptive-field steps may be exact fractions
(see :func:`cnncalc.engine.formulas.transposed_rf_step`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from cnncalc.engine import formulas as f
from cnncalc.errors import CnnCalcError
from cnncalc.options import MAX_DIGITS
from cnncalc.results import Exact, HyperValue, Shape, Window
from cnncalc.spec import AXIS_NAMES, ConvTranspose, Crop, LayerOp, Pad, PixelShuffle, Upsample
from cnncalc.symbolic import Count

Fail = Callable[[str], CnnCalcError]
Step = tuple[Exact, Exact, Exact]
"""One receptive-field step per axis: kernel, stride and left padding, in input units."""

DECODER = (ConvTranspose, Upsample, PixelShuffle, Pad, Crop)
"""The op classes this module evaluates."""

UPSAMPLING = (ConvTranspose, Upsample, PixelShuffle)
"""Ops after which a receptive field is a span of input, not a window (README)."""

SIZE_DIGITS = 2 * MAX_DIGITS
"""The longest output size a decoder layer may make: sizes written are at most
MAX_DIGITS long, and only upsampling multiplies them; at twice that, every product
cnncalc forms stays within Python's limit on writing integers (4,300 digits)."""

RF_BITS = 3_000
"""The longest numerator or denominator (about 900 digits) of a receptive-field
fraction; past it the exact value says nothing and would cost time to carry."""

_TAPS = {"nearest": 1, "nearest-exact": 1, "linear": 2, "bilinear": 2, "trilinear": 2, "bicubic": 4}
_MODE_DIMS = {"linear": 1, "bilinear": 2, "bicubic": 2, "trilinear": 3}


class Resampled(NamedTuple):
    """What a decoder layer produces (evaluate.py turns it into its own outcome)."""

    output: Shape
    hyper: dict[str, HyperValue]
    steps: tuple[Step, ...]
    params: Count = 0
    params_nonshared: Count | None = None
    params_fc: Count | None = None
    macs: Count = 0
    window: Window | None = None


def _axis(dims: int, i: int) -> str:
    return AXIS_NAMES[dims][i] if dims in AXIS_NAMES else str(i)


def _spatial(kind: str, shape: Shape, fail: Fail) -> None:
    if not shape.size:
        raise fail(
            f"{kind} needs a spatial input, but its input is a flat vector of "
            f"{shape.channels} features (after flatten or fc)"
        )


def _sizes(what: str, sizes: tuple[int, ...], shape: Shape, fail: Fail) -> None:
    if len(sizes) != len(shape.size):
        raise fail(
            f"{what} has {len(sizes)} axes, but the input {shape.text()} has {len(shape.size)}"
        )


def outcome(op: LayerOp, shape: Shape, target: Shape | None, fail: Fail) -> Resampled:
    """Evaluate one decoder op on ``shape``; ``target`` is the output of the layer a
    ``size`` or ``center`` names, when it names one."""
    if isinstance(op, ConvTranspose):
        result = _conv_transpose(op, shape, fail)
    elif isinstance(op, Upsample):
        result = _upsample(op, shape, target, fail)
    elif isinstance(op, PixelShuffle):
        result = _pixel_shuffle(op, shape, fail)
    elif isinstance(op, Pad):
        result = _pad(op, shape, fail)
    elif isinstance(op, Crop):
        result = _crop(op, shape, target, fail)
    else:
        raise AssertionError(f"not a decoder op: {op!r}")
    dims = len(result.output.size)
    for i, n in enumerate(result.output.size):
        if n >= 10**SIZE_DIGITS:
            raise fail(
                f"the output size on axis {_axis(dims, i)} has more than {SIZE_DIGITS} digits; "
                "cnncalc follows sizes up to that"
            )
    return result


def field_problem(fields: tuple[Exact, ...]) -> str | None:
    """Why a receptive field (its numbers, after upsampling) is too long to follow exactly,
    or None."""
    for value in fields:
        if value.denominator.bit_length() > RF_BITS or abs(value.numerator).bit_length() > RF_BITS:
            return (
                f"the receptive field's exact value needs more than {RF_BITS:,} bits (about "
                f"{RF_BITS * 3 // 10:,} digits) after this many scalings; cnncalc follows it "
                "up to that"
            )
    return None


def _conv_transpose(op: ConvTranspose, shape: Shape, fail: Fail) -> Resampled:
    _spatial("conv_transpose", shape, fail)
    c_in = shape.channels
    if c_in % op.groups or op.filters % op.groups:
        raise fail(
            f"groups {op.groups} must divide both the input channels ({c_in}) and the "
            f"filters ({op.filters})"
        )
    dims = len(shape.size)
    out: list[int] = []
    steps: list[Step] = []
    for i, (n, k, s, (pl, pr), op_, d) in enumerate(
        zip(
            shape.size,
            op.kernel,
            op.stride,
            op.padding.pairs,
            op.output_padding,
            op.dilation,
            strict=True,
        )
    ):
        if op_ >= s and op_ >= d:
            raise fail(
                f"output_padding {op_} on axis {_axis(dims, i)} must be smaller than the stride "
                f"({s}) or the dilation ({d}), as PyTorch requires"
            )
        problem = conv_transpose_problem(n, k, s, pl, pr, d, op_, _axis(dims, i))
        if problem:
            raise fail(problem)
        out.append(f.conv_transpose_output_length(n, k, s, pl, pr, d, op_))
        steps.append(f.transposed_rf_step(f.effective_kernel(k, d), s, pl))
    size = tuple(out)
    output = Shape(op.filters, size)
    hyper: dict[str, HyperValue] = {
        "filters": op.filters,
        "kernel": op.kernel,
        "stride": op.stride,
        "padding": op.padding.pairs,
        "output_padding": op.output_padding,
        "dilation": op.dilation,
        "groups": op.groups,
        "bias": op.bias,
    }
    return Resampled(
        output,
        hyper,
        tuple(steps),
        params=f.conv_transpose_params(c_in, op.filters, op.kernel, op.groups, op.bias),
        params_nonshared=f.conv_transpose_nonshared_params(
            c_in, op.filters, op.kernel, op.groups, op.bias, shape.size, size
        ),
        params_fc=f.dense_params(shape.numel, output.numel, op.bias),
        macs=f.conv_transpose_macs(c_in, shape.size, op.filters, op.kernel, op.groups),
        window=Window(op.kernel, op.stride, op.padding.pairs, op.dilation),
    )


def _upsample(op: Upsample, shape: Shape, target: Shape | None, fail: Fail) -> Resampled:
    _spatial("upsample", shape, fail)
    dims = len(shape.size)
    needed = _MODE_DIMS.get(op.mode)
    if needed is not None and needed != dims:
        raise fail(
            f"mode {op.mode} interpolates {needed}D inputs, but the input {shape.text()} is "
            f"{dims}D (PyTorch refuses it); nearest works on any"
        )
    if op.align_corners and _TAPS[op.mode] == 1:
        raise fail(f"align_corners applies to the interpolating modes, not to {op.mode}")
    given = sum(x is not None for x in (op.scale, op.size))
    if given != 1:
        raise fail(
            "upsample takes either scale or size (a size, or a layer's name), not both"
            if given
            else "upsample needs a scale or a size (a size, or a layer's name)"
        )
    from fractions import Fraction  # imported when needed: it costs start-up time

    if op.scale is not None:
        size = tuple(
            f.interpolate_output_length(n, s) for n, s in zip(shape.size, op.scale, strict=True)
        )
        steps_in = [1 / Fraction(repr(s)) for s in op.scale]  # PyTorch samples at 1/scale
        where = "x".join(map(str, size))
        if any(n < 1 for n in size):
            raise fail(f"the output would be {where}: floor(n * scale) must be at least 1")
    else:
        if isinstance(op.size, tuple):
            size = op.size
        else:
            assert target is not None
            if not target.size:
                raise fail(f"size names '{op.size}', whose output {target.text()} is flat")
            size = target.size
        _sizes("size", size, shape, fail)
        steps_in = [Fraction(n, o) for o, n in zip(size, shape.size, strict=True)]
    if op.align_corners:  # PyTorch: (n - 1)/(out - 1) between samples, whatever the scale
        steps_in = [
            Fraction(n - 1, o - 1) if o > 1 else step
            for n, o, step in zip(shape.size, size, steps_in, strict=True)
        ]
    hyper: dict[str, HyperValue] = {}
    if op.scale is not None:
        hyper["scale"] = op.scale
    else:
        hyper["size"] = size
    hyper["mode"] = op.mode
    if _TAPS[op.mode] > 1:
        hyper["align_corners"] = op.align_corners
    taps = _TAPS[op.mode]
    steps = tuple(f.upsample_rf_step(taps, step, op.align_corners) for step in steps_in)
    return Resampled(Shape(shape.channels, size), hyper, steps)


def _pixel_shuffle(op: PixelShuffle, shape: Shape, fail: Fail) -> Resampled:
    kind = "pixel_unshuffle" if op.inverse else "pixel_shuffle"
    if len(shape.size) != 2:
        raise fail(f"{kind} works on 2D inputs (H x W x C), but the input is {shape.text()}")
    r = op.factor
    if not op.inverse:
        if shape.channels % (r * r):
            raise fail(
                f"pixel_shuffle by {r} needs channels divisible by {r}^2 = {r * r}, but the "
                f"input has {shape.channels}"
            )
        output = Shape(shape.channels // (r * r), tuple(n * r for n in shape.size))
        from fractions import Fraction

        # each output reads one input, r outputs to an input: nearest upsampling by r
        step = f.upsample_rf_step(1, Fraction(1, r), False)
        steps: tuple[Step, ...] = tuple(step for _ in shape.size)
    else:
        for i, n in enumerate(shape.size):
            problem = unshuffle_problem(n, r, _axis(2, i))
            if problem:
                raise fail(problem)
        output = Shape(shape.channels * r * r, tuple(n // r for n in shape.size))
        steps = tuple((r, r, 0) for _ in shape.size)
    return Resampled(output, {"factor": r}, steps)


def _pad(op: Pad, shape: Shape, fail: Fail) -> Resampled:
    _spatial("pad", shape, fail)
    dims = len(shape.size)
    pairs = op.padding.pairs[:dims]
    for i, (n, (left, right)) in enumerate(zip(shape.size, pairs, strict=True)):
        problem = pad_problem(op.mode, n, left, right, _axis(dims, i))
        if problem:
            raise fail(problem)
    size = tuple(
        f.padded_length(n, left, right) for n, (left, right) in zip(shape.size, pairs, strict=True)
    )
    hyper: dict[str, HyperValue] = {"padding": pairs, "mode": op.mode}
    if op.mode == "constant":
        hyper["value"] = op.value
    steps = tuple((1, 1, left) for left, _ in pairs)
    return Resampled(Shape(shape.channels, size), hyper, steps)


def _crop(op: Crop, shape: Shape, target: Shape | None, fail: Fail) -> Resampled:
    _spatial("crop", shape, fail)
    dims = len(shape.size)
    center = op.center
    if isinstance(center, str):
        assert target is not None
        if not target.size:
            raise fail(f"center names '{center}', whose output {target.text()} is flat")
        center = target.size
    if center is not None:
        if any(left or right for left, right in op.cropping.pairs):
            raise fail("crop takes either cropping per side or center, not both")
        _sizes("center", center, shape, fail)
        pairs = tuple(f.center_crop_sides(n, m) for n, m in zip(shape.size, center, strict=True))
        for i, (n, m) in enumerate(zip(shape.size, center, strict=True)):
            problem = center_crop_problem(n, m, _axis(dims, i))
            if problem:
                raise fail(problem)
    else:
        pairs = op.cropping.pairs[:dims]
    size = tuple(n - left - right for n, (left, right) in zip(shape.size, pairs, strict=True))
    for i, (n, (left, right)) in enumerate(zip(shape.size, pairs, strict=True)):
        problem = crop_problem(n, left, right, _axis(dims, i))
        if problem:
            raise fail(problem)
    hyper: dict[str, HyperValue] = {"cropping": pairs}
    if center is not None:
        hyper["center"] = center
    steps = tuple((1, 1, -left) for left, _ in pairs)
    return Resampled(Shape(shape.channels, size), hyper, steps)


# The size checks, one axis at a time: the engine raises them, the input-size solver
# (cnncalc.engine.sizes) asks them per length.


def conv_transpose_problem(
    n: int, k: int, s: int, pl: int, pr: int, d: int, out_pad: int, axis: str
) -> str | None:
    """Why a transposed convolution leaves no output on an axis of input length ``n``."""
    length = f.conv_transpose_output_length(n, k, s, pl, pr, d, out_pad)
    if length < 1:
        return (
            f"output size on axis {axis} would be {length}: "
            f"({n} - 1)*{s} - {pl} - {pr} + {d}*({k} - 1) + {out_pad} + 1"
        )
    return None


def unshuffle_problem(n: int, r: int, axis: str) -> str | None:
    """Why pixel unshuffle by ``r`` refuses the length ``n``."""
    if n % r:
        return f"pixel_unshuffle by {r} needs sizes divisible by {r}, but axis {axis} is {n}"
    return None


def pad_problem(mode: str, n: int, left: int, right: int, axis: str) -> str | None:
    """Why PyTorch refuses padding ``left``, ``right`` in ``mode`` on the length ``n``
    (reflect: below the size; circular: at most the size)."""
    widest = max(left, right)
    if mode == "reflect" and widest >= n:
        return (
            f"reflect padding {widest} on axis {axis} must be smaller than the "
            f"input size {n}, as PyTorch requires"
        )
    if mode == "circular" and widest > n:
        return (
            f"circular padding {widest} on axis {axis} would wrap around more "
            f"than once (the input size is {n}), which PyTorch refuses"
        )
    return None


def center_crop_problem(n: int, m: int, axis: str) -> str | None:
    """Why a centre crop of the length ``n`` to ``m`` is refused."""
    if m > n:
        return f"the centre crop to {m} on axis {axis} is larger than the input size {n}"
    return None


def crop_problem(n: int, left: int, right: int, axis: str) -> str | None:
    """Why cropping ``left`` and ``right`` off the length ``n`` is refused."""
    if n - left - right < 1:
        return f"cropping {left} + {right} on axis {axis} leaves nothing of the input size {n}"
    return None
