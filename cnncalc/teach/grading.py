"""Check a student's answer against the computed one and name the likely mistake.

Each mistake is the same formula with one classic slip (the padding forgotten, the
dilated kernel taken as d*k, the bias left out, a rounding rule other than the layer's...);
a slip is named only when, recomputed with this problem's values, it gives the student's
answer and not the correct one.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from fractions import Fraction
from math import prod

from cnncalc.errors import CnnCalcError
from cnncalc.record import record
from cnncalc.results import LayerResult, Shape
from cnncalc.spec import Conv, Dense, LayerSpec, Pool
from cnncalc.symbolic import Count


@record
class Verdict:
    """Right or wrong, the correct value, the likely mistakes when it can tell, and notes
    on what was assumed."""

    quantity: str
    expected: str
    correct: str
    right: bool
    mistakes: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


MAX_DIGITS = 300
"""Numbers in answers and matrices have at most this many digits and exponents at most this
large: ``1e999999999`` would take minutes to turn into an exact number."""

_DECIMAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE]([+-]?\d+))?", re.ASCII)
_RATIO = re.compile(r"[+-]?\d+/\d+", re.ASCII)


def bounded_number(text: str) -> Fraction | None:
    """``12``, ``4.5``, ``1e3``, ``7/2`` as an exact number; None when it is not one, or
    has more than :data:`MAX_DIGITS` digits or exponent (refused before any arithmetic)."""
    text = text.strip()
    if len(text) > 2 * MAX_DIGITS + 8:
        return None
    decimal = _DECIMAL.fullmatch(text)
    if decimal:
        exponent = decimal.group(1)
        if exponent is not None and (len(exponent) > 4 or abs(int(exponent)) > MAX_DIGITS):
            return None
    elif not _RATIO.fullmatch(text):
        return None
    try:
        return Fraction(text)
    except (ValueError, ZeroDivisionError):
        return None


_THOUSANDS = re.compile(r"\d+|\d{1,3}([,_' \u00a0\u2009\u202f])\d{3}(?:\1\d{3})*", re.ASCII)


def _whole(text: str) -> str | None:
    """``34,944``, ``34 944``, ``34_944`` as ``34944`` (one separator, groups of three);
    None when the text is not digits in that form."""
    match = _THOUSANDS.fullmatch(text)
    if match is None:
        return None
    return re.sub(r"[,_' \u00a0\u2009\u202f]", "", text)


def parse_count(text: object, option: str = "expect_params") -> int:
    """A whole-number answer as a student writes it: ``34944``, ``34,944``, ``34 944``,
    ``34_944``."""
    if isinstance(text, int) and not isinstance(text, bool):
        return text
    raw = str(text).strip()
    digits = _whole(raw) if raw else None
    if digits is None or len(digits) > MAX_DIGITS:
        raise CnnCalcError(
            f"a count is a whole number (34944, 34,944 or 34 944), got '{_short(raw)}'",
            option=option,
        )
    return int(digits)


def _short(text: str) -> str:
    return text if len(text) <= 40 else text[:37] + "..."


_SIZE_MARKS = re.compile(r"\s*[x\u00d7*]\s*", re.IGNORECASE)


def parse_numbers(text: str) -> list[Fraction]:
    r"""A size answer in the lecture's notations: ``5x5x3``, ``5X5X3``, ``5\u00d75\u00d73``,
    ``5*5*3``, ``(5, 5, 3)``, ``[5, 5, 3]``, ``5 5 3``, ``4.5x4.5x3``, ``1,024x1,024x3``.

    Between sizes stands ``x``, ``X``, the multiplication sign or ``*``; without any of
    them, commas (else spaces) separate the sizes. With them, a comma inside a number is a
    thousands separator.
    """
    body = text.strip()
    if body[:1] + body[-1:] in ("()", "[]"):
        body = body[1:-1].strip()
    if _SIZE_MARKS.search(body):
        parts = _SIZE_MARKS.split(body)
        parts = [_whole(p.strip()) or p.strip() for p in parts]
    elif "," in body:
        parts = [p.strip() for p in body.split(",")]
    else:
        parts = body.split()
    values = [bounded_number(p.replace("_", "")) for p in parts] if parts else [None]
    if any(v is None for v in values) or not parts:
        raise CnnCalcError(
            f"sizes are written like 5x5x3 (or (5, 5, 3)), got '{_short(text)}'", option="expect"
        )
    return [v for v in values if v is not None]


@record
class Axis:
    """One axis of a window problem and the rounding rule of its layer: ``floor``
    (convolutions, pooling by default), ``torch_ceil`` (PyTorch's ceil_mode: round up, then
    drop a last window that would start past the input and left padding), ``caffe`` (round
    up; that correction only when the layer pads)."""

    n: int
    k: int
    s: int
    pl: int
    pr: int
    d: int
    rounding: str


def axis_length(
    n: int, span: int, s: int, pl: int, pr: int, rounding: str, plus_one: int = 1
) -> Fraction:
    """``round((n + pl + pr - span)/s) + plus_one`` by one rounding rule: ``exact`` (no
    rounding), ``floor``, ``ceil`` (no correction), ``torch_ceil`` or ``caffe``."""
    numerator = n + pl + pr - span
    if rounding == "exact":
        return Fraction(numerator, s) + plus_one
    out = (numerator // s if rounding == "floor" else -(-numerator // s)) + plus_one
    corrects = rounding == "torch_ceil" or (rounding == "caffe" and bool(pl or pr))
    if corrects and (out - 1) * s >= n + pl:
        out -= 1
    return Fraction(out)


def _span(a: Axis) -> int:
    return a.d * (a.k - 1) + 1


def _ceil_mode(a: Axis) -> bool:
    return a.rounding != "floor"


def _uncorrected(a: Axis) -> str:
    return "ceil" if _ceil_mode(a) else "floor"


@record
class Slip:
    """A classic mistake: when it can happen on an axis, and the length it gives there."""

    id: str
    message: str
    applies: Callable[[Axis], bool]
    length: Callable[[Axis], Fraction]


SIZE_SLIPS: tuple[Slip, ...] = (
    Slip(
        "not_floored",
        "the floor was not taken: (n + 2p - d*(k-1) - 1)/s + 1 must be rounded down",
        lambda a: not _ceil_mode(a),
        lambda a: axis_length(a.n, _span(a), a.s, a.pl, a.pr, "exact"),
    ),
    Slip(
        "not_ceiled",
        "the result was not rounded: in ceil mode (n + 2p - d*(k-1) - 1)/s + 1 is rounded up",
        _ceil_mode,
        lambda a: axis_length(a.n, _span(a), a.s, a.pl, a.pr, "exact"),
    ),
    Slip(
        "ceil_in_floor_mode",
        "rounded up instead of down: PyTorch uses floor unless ceil_mode is set",
        lambda a: not _ceil_mode(a),
        lambda a: axis_length(a.n, _span(a), a.s, a.pl, a.pr, "ceil"),
    ),
    Slip(
        "floor_in_ceil_mode",
        "rounded down although ceil mode is set: ceil_mode rounds (n + 2p - d*(k-1) - 1)/s up",
        _ceil_mode,
        lambda a: axis_length(a.n, _span(a), a.s, a.pl, a.pr, "floor"),
    ),
    Slip(
        "last_window",
        "PyTorch's last-window rule was left out: in ceil mode the last window must start "
        "inside the input or the left padding, so a last window starting at (out-1)*s >= "
        "n + p_left is dropped",
        lambda a: a.rounding == "torch_ceil" or (a.rounding == "caffe" and bool(a.pl or a.pr)),
        lambda a: axis_length(a.n, _span(a), a.s, a.pl, a.pr, "ceil"),
    ),
    Slip(
        "dk_span",
        "the dilated kernel was taken as d*k; it spans d*(k-1) + 1",
        lambda a: a.d != 1,
        lambda a: axis_length(a.n, a.d * a.k, a.s, a.pl, a.pr, a.rounding),
    ),
    Slip(
        "slide_form",
        "one too many subtracted: (n + 2p - (d*k - 1) - 1)/s + 1 (the lecture slide's form) "
        "takes d*k - 1 for the span and then 1 more; PyTorch's is (n + 2p - d*(k-1) - 1)/s + 1",
        lambda a: a.d != 1,
        lambda a: axis_length(a.n, (a.d * a.k - 1) + 1, a.s, a.pl, a.pr, a.rounding),
    ),
    Slip(
        "padding_forgotten",
        "the padding was forgotten",
        lambda a: bool(a.pl or a.pr),
        lambda a: axis_length(a.n, _span(a), a.s, 0, 0, a.rounding),
    ),
    Slip(
        "padding_one_side",
        "the padding was added on one side only (n + p instead of n + 2p)",
        lambda a: a.pr != 0,
        lambda a: axis_length(a.n, _span(a), a.s, a.pl, 0, a.rounding),
    ),
    Slip(
        "plus_one_forgotten",
        "the + 1 was forgotten",
        lambda a: True,
        lambda a: axis_length(a.n, _span(a), a.s, a.pl, a.pr, _uncorrected(a), plus_one=0),
    ),
    Slip(
        "stride_ignored",
        "the stride was ignored",
        lambda a: a.s != 1,
        lambda a: axis_length(a.n, _span(a), 1, a.pl, a.pr, a.rounding),
    ),
    Slip(
        "dilation_ignored",
        "the dilation was ignored",
        lambda a: a.d != 1,
        lambda a: axis_length(a.n, a.k, a.s, a.pl, a.pr, a.rounding),
    ),
)


def size_slips(axes: list[Axis], given: list[Fraction]) -> tuple[Slip, ...]:
    """The slips that, recomputed on these axes, give ``given`` and not the right sizes."""
    correct = [axis_length(a.n, _span(a), a.s, a.pl, a.pr, a.rounding) for a in axes]
    found = []
    for slip in SIZE_SLIPS:
        if not any(slip.applies(a) for a in axes):
            continue
        guess = [slip.length(a) for a in axes]
        if guess == given and guess != correct:
            found.append(slip)
    return tuple(found)


def _count_text(value: Count) -> str:
    return f"{value:,}" if isinstance(value, int) else value.pretty()


def _symbolic_note(value: Count) -> str:
    return (
        f"{_count_text(value)} depends on a symbol of the input, so no number equals it; "
        "give the channels as a number to grade a number"
    )


def check_shape(expected: str, layer: LayerSpec, shape: Shape, result: LayerResult) -> Verdict:
    """Compare ``5x5x3`` (or spatial sizes only, ``5x5``) with the layer's output."""
    values = parse_numbers(expected)
    out = result.output
    spatial_only = bool(out.size) and len(values) == len(out.size)
    correct_values: list[Count] = list(out.size) if spatial_only else [*out.size, out.channels]
    correct = "x".join(_count_text(v).replace(",", "") for v in correct_values)
    if len(values) != len(correct_values):
        raise CnnCalcError(
            f"the answer has {len(values)} numbers; the output is {correct} "
            f"({'spatial sizes' if spatial_only else 'spatial sizes then channels'})",
            option="expect",
        )
    if values == correct_values:  # Fraction(5) == 5; a polynomial equals no number
        return Verdict("output size", expected, correct, True)
    symbolic = [v for v in correct_values if not isinstance(v, int)]
    return Verdict(
        "output size",
        expected,
        correct,
        False,
        _size_mistakes(values, correct_values, layer, shape, result, spatial_only),
        (_symbolic_note(symbolic[0]),) if symbolic else (),
    )


def _size_mistakes(
    values: list[Fraction],
    correct: list[Count],
    layer: LayerSpec,
    shape: Shape,
    result: LayerResult,
    spatial_only: bool,
) -> tuple[str, ...]:
    op = layer.op
    if not spatial_only and values[:-1] == correct[:-1] and values[-1] != correct[-1]:
        if isinstance(op, Conv) and values[-1] == shape.channels:
            return (
                "the channels: the output has one channel per filter (C_out = "
                f"{op.filters}), not the input's {shape.channels}",
            )
        return (f"the channels: the output has {_count_text(correct[-1])} channels",)
    if not isinstance(op, Conv | Pool):
        return ()
    assert result.window is not None
    rounding = "floor"
    if isinstance(op, Pool) and op.ceil_mode:
        rounding = "caffe" if op.ceil_mode == "caffe" else "torch_ceil"
    axes = [
        Axis(n, k, s, p[0], p[1], d, rounding)
        for n, k, s, p, d in zip(
            shape.size, op.kernel, op.stride, result.window.padding, op.dilation, strict=True
        )
    ]
    return tuple(slip.message for slip in size_slips(axes, values[: len(shape.size)]))


def filters_note(expected: int, per_filter: Count) -> str:
    """What to say when a parameter count was graded with one filter assumed."""
    note = "the number of filters was not given, so one filter was assumed"
    if isinstance(per_filter, int) and per_filter and expected % per_filter == 0:
        count = expected // per_filter
        if count > 1:
            note += f"; {expected:,} is the count for {count:,} filters"
    return note


def check_params(
    expected: int,
    layer: LayerSpec,
    shape: Shape,
    result: LayerResult,
    filters_assumed: bool = False,
) -> Verdict:
    """Compare a parameter count with the layer's (weight-shared) parameters.

    ``filters_assumed``: the number of filters was not given (one was assumed); the
    verdict says so, with the number of filters the answer would fit.
    """
    correct = result.params
    right = expected == correct
    notes: list[str] = []
    if not isinstance(correct, int):
        notes.append(_symbolic_note(correct))
    mistake = None if right else _params_mistake(expected, layer, shape, result)
    if filters_assumed and isinstance(layer.op, Conv):
        notes.append(filters_note(expected, correct))
    return Verdict(
        "parameters",
        f"{expected:,}",
        _count_text(correct),
        right,
        (mistake,) if mistake else (),
        tuple(notes),
    )


def _params_mistake(
    expected: int, layer: LayerSpec, shape: Shape, result: LayerResult
) -> str | None:
    op = layer.op
    if not isinstance(result.params, int) or not isinstance(shape.numel, int):
        return None  # a polynomial count: no number is a slip of it
    if isinstance(op, Dense):
        n_in = shape.numel
        dense_slips: dict[Count, str] = {
            n_in * op.units: "the bias was forgotten: add one per output unit",
            (n_in + 1) * op.units: "this layer has no bias",
        }
        return dense_slips.get(expected) if expected != result.params else None
    if not isinstance(op, Conv) or not isinstance(shape.channels, int):
        return None
    k = prod(op.kernel)
    c_in = shape.channels
    per_group = c_in // op.groups
    weights = per_group * k * op.filters
    slips: dict[Count, str] = {}
    bias_forgotten = op.bias
    if op.bias:
        slips[weights] = "the bias was forgotten: add one per filter (C_out)"
    else:
        slips[weights + op.filters] = "this layer has no bias (bias=false)"
    if op.groups > 1:
        slips[(c_in * k + int(op.bias)) * op.filters] = (
            f"the groups were ignored: each filter sees C_in/g = {per_group} channels"
        )
        if bias_forgotten:
            slips.setdefault(
                c_in * k * op.filters,
                f"two slips: the groups were ignored (each filter sees C_in/g = {per_group} "
                "channels) and the bias was forgotten (one per filter)",
            )
    kernel_text = "x".join(map(str, op.kernel))
    slips.setdefault(
        (k + int(op.bias)) * op.filters,
        f"the input channels were left out: each filter is {kernel_text}x{per_group} (C_in/g * k)",
    )
    if bias_forgotten:
        slips.setdefault(
            k * op.filters,
            f"two slips: the input channels were left out (each filter is {kernel_text}"
            f"x{per_group}, C_in/g * k) and the bias was forgotten (one per filter)",
        )
    if result.params_nonshared is not None and op.shared:
        slips.setdefault(
            result.params_nonshared,
            "that is the count without weight sharing; a convolution shares one filter over "
            "all positions",
        )
    if result.params_fc is not None:
        slips.setdefault(
            result.params_fc, "that is the count of a fully connected layer of this shape"
        )
    slips.pop(result.params, None)
    return slips.get(expected)
