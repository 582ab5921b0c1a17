"""The inverse problems: which hyperparameters give a wanted size or receptive field."""

from __future__ import annotations

from cnncalc.engine import formulas as f
from cnncalc.errors import CnnCalcError, LimitError
from cnncalc.record import record


@record
class Setting:
    """One way to map the input length to the wanted output length."""

    kernel: int
    stride: int
    padding: int
    dilation: int
    remainder: int  # (n + 2p - k_eff) mod s: padded rows no window reaches
    unseen: int  # of those, rows of real input


@record
class Bounds:
    """Search bounds; a fixed value pins a hyperparameter."""

    max_kernel: int = 11
    max_stride: int = 4
    max_dilation: int = 3


MAX_CANDIDATES = 500_000
"""The most (kernel, stride, padding, dilation) settings one search tries: counted before
the search, so a wide search is refused at once instead of running for minutes."""

ORDER = "stride, then kernel, then padding; dilated settings last"
"""The order of :func:`solve_size`'s settings: what a student tries first comes first."""


def _choices(fixed: int | None, low: int, high: int) -> range:
    return range(fixed, fixed + 1) if fixed is not None else range(low, high + 1)


def _at_least(least: int, **values: int | None) -> None:
    """Each given value is at least ``least`` (the option is named in the error)."""
    for name, value in values.items():
        if value is not None and value < least:
            bound = "positive" if least == 1 else f"{least} or more"
            raise CnnCalcError(f"must be {bound}, got {value}", option=name)


def _range_sum(r: range) -> int:
    return len(r) * (r[0] + r[-1]) // 2 if r else 0


def search_size(kernels: range, strides: range, dilations: range, padding: int | None) -> int:
    """How many settings the search tries: for each kernel and dilation, every stride and,
    unless the padding is fixed, every padding from 0 to ``d*(k-1)``."""
    pairs = len(kernels) * len(dilations)
    if padding is not None:
        return pairs * len(strides)
    # sum over k, d of (d*(k-1) + 1) paddings
    paddings = pairs + _range_sum(range(kernels.start - 1, kernels.stop - 1)) * _range_sum(
        dilations
    )
    return paddings * len(strides)


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
    Sorted as a student would try them (:data:`ORDER`): undilated settings by stride,
    kernel and padding, then the dilated ones. A search of more than
    :data:`MAX_CANDIDATES` settings is refused before it starts.
    """
    _at_least(1, input=n, output_size=out, kernel=kernel, stride=stride, dilation=dilation)
    _at_least(0, padding=padding)
    _at_least(
        1,
        max_kernel=bounds.max_kernel,
        max_stride=bounds.max_stride,
        max_dilation=bounds.max_dilation,
    )
    kernels = _choices(kernel, 1, bounds.max_kernel)
    strides = _choices(stride, 1, bounds.max_stride)
    dilations = _choices(dilation, 1, bounds.max_dilation)
    work = search_size(kernels, strides, dilations, padding)
    if work > MAX_CANDIDATES:
        raise LimitError(
            f"the search would try {work:,} settings, more than {MAX_CANDIDATES:,}; fix a "
            "hyperparameter or lower the search bounds",
            option=_widest(kernel, stride, dilation, padding, bounds),
        )
    found = []
    for k in kernels:
        for d in dilations:
            k_eff = f.effective_kernel(k, d)
            for s in strides:
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
    return sorted(found, key=lambda x: (x.dilation, x.stride, x.kernel, x.padding))


def _widest(
    kernel: int | None,
    stride: int | None,
    dilation: int | None,
    padding: int | None,
    bounds: Bounds,
) -> str:
    """The option that most widens the search, for the error to name: a search bound, or
    the padding when a fixed kernel is so wide that its paddings alone are too many."""
    if padding is None and kernel is not None and kernel * (dilation or 1) > MAX_CANDIDATES:
        return "padding"
    free = {
        "max_kernel": bounds.max_kernel if kernel is None else 0,
        "max_stride": bounds.max_stride if stride is None else 0,
        "max_dilation": bounds.max_dilation if dilation is None else 0,
    }
    if not any(free.values()):
        return "kernel"
    return max(free, key=lambda name: free[name])


def layers_for_rf(target: int, kernel: int, stride: int = 1, limit: int = 10_000) -> int:
    """The fewest identical layers whose stacked receptive field reaches ``target``."""
    _at_least(1, rf=target, kernel=kernel, stride=stride)
    if kernel < 2 and target > 1:
        raise CnnCalcError("a kernel of 1 never grows the receptive field")
    layers = 0
    while f.stacked_rf(layers, kernel, stride) < target:
        layers += 1
        if layers > limit:
            raise CnnCalcError(f"more than {limit:,} layers would be needed")
    return layers
