"""The inverse problems: which hyperparameters give a wanted size or receptive field."""

from __future__ import annotations

from dataclasses import dataclass

from cnncalc.engine import formulas as f
from cnncalc.errors import CnnCalcError


@dataclass(frozen=True)
class Setting:
    """One way to map the input length to the wanted output length."""

    kernel: int
    stride: int
    padding: int
    dilation: int
    remainder: int  # (n + 2p - k_eff) mod s: padded rows no window reaches
    unseen: int  # of those, rows of real input


@dataclass(frozen=True)
class Bounds:
    """Search bounds; a fixed value pins a hyperparameter."""

    max_kernel: int = 11
    max_stride: int = 4
    max_dilation: int = 3


def _choices(fixed: int | None, low: int, high: int) -> range:
    return range(fixed, fixed + 1) if fixed is not None else range(low, high + 1)


def solve_size(
    n: int,
    out: int,
    *,
    kernel: int | None = None,
    stride: int | None = None,
    padding: int | None = None,
    dilation: int | None = None,
    bounds: Bounds = Bounds(),
) -> list[Setting]:
    """Every (k, s, p, d) in bounds with ``floor((n + 2p - d(k-1) - 1)/s) + 1 == out``.

    Padding is searched up to ``k_eff - 1`` (more would only add windows of padding).
    Sorted smallest first: stride, dilation, padding, kernel.
    """
    if n < 1 or out < 1:
        raise CnnCalcError("input and output sizes must be positive")
    found = []
    for k in _choices(kernel, 1, bounds.max_kernel):
        for d in _choices(dilation, 1, bounds.max_dilation):
            k_eff = f.effective_kernel(k, d)
            for s in _choices(stride, 1, bounds.max_stride):
                for p in _choices(padding, 0, k_eff - 1):
                    if n + 2 * p < k_eff:
                        continue
                    if f.conv_output_length(n, k, s, p, p, d) == out:
                        found.append(
                            Setting(
                                k,
                                s,
                                p,
                                d,
                                (n + 2 * p - k_eff) % s,
                                f.unused_input(n, k, s, p, p, d),
                            )
                        )
    return sorted(found, key=lambda x: (x.stride, x.dilation, x.padding, x.kernel))


def layers_for_rf(target: int, kernel: int, stride: int = 1, limit: int = 10_000) -> int:
    """The fewest identical layers whose stacked receptive field reaches ``target``."""
    if kernel < 2 and target > 1:
        raise CnnCalcError("a kernel of 1 never grows the receptive field")
    layers = 0
    while f.stacked_rf(layers, kernel, stride) < target:
        layers += 1
        if layers > limit:
            raise CnnCalcError(f"more than {limit:,} layers would be needed")
    return layers
