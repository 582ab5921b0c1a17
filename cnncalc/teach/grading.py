"""Check a student's answer against the computed one and name the likely mistake.

Each mistake is the same formula with one classic slip (the padding forgotten, the
dilated kernel taken as d*k, the bias left out...); when the wrong answer equals what
a slip produces, the verdict names that slip.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from math import prod

from cnncalc.errors import CnnCalcError
from cnncalc.results import LayerResult, Shape
from cnncalc.spec import Conv, Dense, LayerSpec, Pool
from cnncalc.symbolic import Count


@dataclass(frozen=True)
class Verdict:
    """Right or wrong, the correct value, and the likely mistake when it can tell."""

    quantity: str
    expected: str
    correct: str
    right: bool
    mistakes: tuple[str, ...] = ()


def parse_numbers(text: str) -> list[Fraction]:
    """``5x5x3`` (or with commas, or ``4.5x4.5x3``) as exact numbers."""
    parts = [p for p in re.split(r"\s*[x\u00d7,]\s*", text.strip()) if p]
    try:
        values = [Fraction(p.replace("_", "")) for p in parts]
    except (ValueError, ZeroDivisionError):
        raise CnnCalcError(f"sizes are written like 5x5x3, got '{text}'", option="expect") from None
    if not values:
        raise CnnCalcError(f"sizes are written like 5x5x3, got '{text}'", option="expect")
    return values


Rule = Callable[[int, int, int, int, int, int], Fraction]

# Each slip as a function of (n, k, s, p_left, p_right, d), giving the (unrounded or
# rounded) length a student would get.
_SIZE_SLIPS: tuple[tuple[str, Rule], ...] = (
    (
        "the floor was not taken: (n + 2p - d*(k-1) - 1)/s + 1 must be rounded down",
        lambda n, k, s, pl, pr, d: Fraction(n + pl + pr - d * (k - 1) - 1, s) + 1,
    ),
    (
        "rounded up instead of down: PyTorch uses floor unless ceil_mode is set",
        lambda n, k, s, pl, pr, d: Fraction(-(-(n + pl + pr - d * (k - 1) - 1) // s) + 1),
    ),
    (
        "the dilated kernel was taken as d*k; it spans d*(k-1) + 1",
        lambda n, k, s, pl, pr, d: Fraction((n + pl + pr - d * k) // s + 1),
    ),
    (
        "one too many subtracted: (n + 2p - (d*k - 1) - 1)/s + 1 (the lecture slide's form) "
        "takes d*k - 1 for the span and then 1 more; PyTorch's is (n + 2p - d*(k-1) - 1)/s + 1",
        lambda n, k, s, pl, pr, d: Fraction((n + pl + pr - (d * k - 1) - 1) // s + 1),
    ),
    (
        "the padding was forgotten",
        lambda n, k, s, pl, pr, d: Fraction((n - d * (k - 1) - 1) // s + 1),
    ),
    (
        "the padding was added on one side only (n + p instead of n + 2p)",
        lambda n, k, s, pl, pr, d: Fraction((n + pl - d * (k - 1) - 1) // s + 1),
    ),
    (
        "the + 1 was forgotten",
        lambda n, k, s, pl, pr, d: Fraction((n + pl + pr - d * (k - 1) - 1) // s),
    ),
    (
        "the stride was ignored",
        lambda n, k, s, pl, pr, d: Fraction(n + pl + pr - d * (k - 1) - 1 + 1),
    ),
    ("the dilation was ignored", lambda n, k, s, pl, pr, d: Fraction((n + pl + pr - k) // s + 1)),
)


def check_shape(expected: str, layer: LayerSpec, shape: Shape, result: LayerResult) -> Verdict:
    """Compare ``5x5x3`` (or spatial sizes only, ``5x5``) with the layer's output."""
    values = parse_numbers(expected)
    out = result.output
    spatial_only = bool(out.size) and len(values) == len(out.size)
    correct_values: list[Count] = list(out.size) if spatial_only else [*out.size, out.channels]
    correct = "x".join(map(str, correct_values))
    if len(values) != len(correct_values):
        raise CnnCalcError(
            f"the answer has {len(values)} numbers; the output is {correct} "
            f"({'spatial sizes' if spatial_only else 'spatial sizes then channels'})",
            option="expect",
        )
    if values == correct_values:  # Fraction(5) == 5; a polynomial equals no number
        return Verdict("output size", expected, correct, True)
    return Verdict(
        "output size",
        expected,
        correct,
        False,
        _size_mistakes(values, correct_values, layer, shape, result, spatial_only),
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
        return (f"the channels: the output has {correct[-1]} channels",)
    if not isinstance(op, Conv | Pool):
        return ()
    assert result.window is not None
    pads = result.window.padding
    sizes = values[: len(shape.size)]
    found = []
    for message, rule in _SIZE_SLIPS:
        guess = [
            rule(n, k, s, p[0], p[1], d)
            for n, k, s, p, d in zip(
                shape.size, op.kernel, op.stride, pads, op.dilation, strict=True
            )
        ]
        if guess == sizes and guess != correct[: len(shape.size)]:
            found.append(message)
    return tuple(found)


def check_params(expected: int, layer: LayerSpec, shape: Shape, result: LayerResult) -> Verdict:
    """Compare a parameter count with the layer's (weight-shared) parameters."""
    correct = result.params
    right = expected == correct
    mistake = None if right else _params_mistake(expected, layer, shape, result)
    mistakes = (mistake,) if mistake else ()
    return Verdict("parameters", f"{expected:,}", f"{correct:,}", right, mistakes)


def _params_mistake(
    expected: int, layer: LayerSpec, shape: Shape, result: LayerResult
) -> str | None:
    op = layer.op
    if isinstance(op, Dense):
        n_in = shape.numel
        dense_slips: dict[Count, str] = {
            n_in * op.units: "the bias was forgotten: add one per output unit",
            (n_in + 1) * op.units: "this layer has no bias",
        }
        return dense_slips.get(expected) if expected != result.params else None
    if not isinstance(op, Conv):
        return None
    k = prod(op.kernel)
    c_in = shape.channels
    weights = c_in // op.groups * k * op.filters
    slips: dict[Count, str] = {}
    if op.bias:
        slips[weights] = "the bias was forgotten: add one per filter (C_out)"
    else:
        slips[weights + op.filters] = "this layer has no bias (bias=false)"
    if op.groups > 1:
        slips[(c_in * k + int(op.bias)) * op.filters] = (
            f"the groups were ignored: each filter sees C_in/g = {c_in // op.groups} channels"
        )
    slips[(k + int(op.bias)) * op.filters] = (
        f"the input channels were left out: each filter is {'x'.join(map(str, op.kernel))}"
        f"x{c_in // op.groups} (C_in/g * k)"
    )
    if result.params_nonshared is not None and op.shared:
        slips[result.params_nonshared] = (
            "that is the count without weight sharing; a convolution shares one filter over "
            "all positions"
        )
    if result.params_fc is not None:
        slips[result.params_fc] = "that is the count of a fully connected layer of this shape"
    slips.pop(result.params, None)
    return slips.get(expected)
