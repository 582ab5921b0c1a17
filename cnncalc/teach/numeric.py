"""The operations themselves on small matrices: cross-correlation (what CNNs call
convolution) and max/average pooling, with the working of the first windows kept on request.

Values are exact: integers stay integers, anything else is a Fraction. The work is bounded
before anything is computed: the padded input (:data:`MAX_CELLS`) and the products and
comparisons, output cells times kernel taps (:data:`MAX_WORK`).
"""

from __future__ import annotations

import re
from fractions import Fraction

from cnncalc.engine import formulas as f
from cnncalc.engine.checks import pool_padding_problem
from cnncalc.errors import CnnCalcError
from cnncalc.record import record
from cnncalc.teach.grading import MAX_DIGITS, bounded_number

Number = int | Fraction
Matrix = tuple[tuple[Number, ...], ...]
Volume = tuple[Matrix, ...]  # channels of matrices

MAX_CELLS = 1_000_000
MAX_WORK = 2_000_000
MAX_STEPS = 100
"""The most windows whose working one output keeps (and ``convolve --steps`` shows)."""


_INTEGER = re.compile(rf"[+-]?\d{{1,{MAX_DIGITS}}}", re.ASCII)


def _number(text: str, what: str) -> Number:
    if _INTEGER.fullmatch(text):  # the common case, fast
        return int(text)
    value = bounded_number(text)
    if value is None:
        shown = text if len(text) <= 40 else text[:37] + "..."
        raise CnnCalcError(
            f"'{shown}' is not a number (or has more than {MAX_DIGITS} digits or exponent)",
            option=what,
        )
    return int(value) if value.denominator == 1 else value


def parse_volume(text: str, what: str) -> Volume:
    """``"1 2 3; 4 5 6"``: rows split by ``;`` or new lines, channels by ``|``. ``what``
    names the option the text came from, for errors."""
    channels = []
    for chunk in text.split("|"):
        rows = [r for r in re.split(r"[;\n]", chunk) if r.strip()]
        matrix = tuple(
            tuple(_number(v, what) for v in re.split(r"[\s,]+", r.strip())) for r in rows
        )
        if not matrix:
            raise CnnCalcError("a channel has no numbers", option=what)
        if len({len(row) for row in matrix}) != 1:
            raise CnnCalcError(
                "the rows have different lengths "
                f"({', '.join(str(len(r)) for r in matrix[:20])}"
                f"{', ...' if len(matrix) > 20 else ''})",
                option=what,
            )
        channels.append(matrix)
    if len({(len(m), len(m[0])) for m in channels}) != 1:
        raise CnnCalcError("the channels have different sizes", option=what)
    if len(channels) * len(channels[0]) * len(channels[0][0]) > MAX_CELLS:
        raise CnnCalcError(
            f"more than {MAX_CELLS:,} numbers; this is for small examples", option=what
        )
    return tuple(channels)


@record
class Window:
    """One output value and how it was made."""

    row: int
    col: int
    terms: tuple[tuple[Number, Number], ...]  # (input, weight) pairs, or (input, 1) for pools
    value: Number


@record
class Operation:
    """The result of one operation: one output matrix per filter (or channel)."""

    op: str
    outputs: tuple[Matrix, ...]
    windows: tuple[tuple[Window, ...], ...]
    """The first windows of each output, with their working (none unless asked for)."""


def _check_settings(**values: int) -> None:
    """Window sizes, strides and dilations are positive; padding is not negative."""
    for name, value in values.items():
        least = 0 if name == "padding" else 1
        if value < least:
            bound = "not negative" if least == 0 else "positive"
            raise CnnCalcError(f"must be {bound}, got {value}", option=name)


def _pad(matrix: Matrix, pad: int, fill: Number | None) -> list[list[Number | None]]:
    width = len(matrix[0]) + 2 * pad
    empty: list[Number | None] = [fill] * width
    rows: list[list[Number | None]] = [list(empty) for _ in range(pad)]
    rows += [[fill] * pad + list(row) + [fill] * pad for row in matrix]
    rows += [list(empty) for _ in range(pad)]
    return rows


def _positions(n: int, k: int, s: int, p: int, d: int) -> range:
    if f.effective_kernel(k, d) > n + 2 * p:
        raise CnnCalcError(
            f"the kernel ({f.effective_kernel(k, d)} with dilation) is larger "
            f"than the padded input ({n + 2 * p})"
        )
    return range(f.conv_output_length(n, k, s, p, p, d))


def _grid(
    channels: int,
    shape: tuple[int, int],
    window: tuple[int, int],
    settings: tuple[int, int, int],
    outputs: int,
) -> tuple[range, range]:
    """The output rows and columns, once the padded input and the work (``outputs``
    matrices of output cells, a window of taps each) are known to be small enough."""
    (height, width), (kh, kw), (stride, padding, dilation) = shape, window, settings
    padded = channels * (height + 2 * padding) * (width + 2 * padding)
    if padded > MAX_CELLS:
        raise CnnCalcError(
            f"the padded input has {padded:,} numbers, more than {MAX_CELLS:,}; "
            "this is for small examples",
            option="padding",
        )
    rows = _positions(height, kh, stride, padding, dilation)
    cols = _positions(width, kw, stride, padding, dilation)
    work = len(rows) * len(cols) * kh * kw * outputs
    if work > MAX_WORK:
        raise CnnCalcError(
            f"the operation takes {work:,} products or comparisons (output cells x window "
            f"taps), more than {MAX_WORK:,}; this is for small examples"
        )
    return rows, cols


def correlate(
    volume: Volume,
    kernels: tuple[Volume, ...],
    stride: int = 1,
    padding: int = 0,
    dilation: int = 1,
    steps: int = 0,
) -> Operation:
    """Cross-correlation, as PyTorch's Conv2d computes it (no bias): one output per kernel.
    The working of the first ``steps`` windows of each output is kept (at most
    :data:`MAX_STEPS`)."""
    _check_settings(stride=stride, padding=padding, dilation=dilation)
    channels, height, width = len(volume), len(volume[0]), len(volume[0][0])
    for kernel in kernels:
        if len(kernel) != channels:
            raise CnnCalcError(f"a kernel has {len(kernel)} channels; the input has {channels}")
    keep = min(steps, MAX_STEPS)
    grids = [
        _grid(
            channels,
            (height, width),
            (len(k[0]), len(k[0][0])),
            (stride, padding, dilation),
            len(kernels) * channels,  # each tap of a kernel spans every channel
        )
        for k in kernels
    ]
    padded = [_pad(m, padding, 0) for m in volume]
    outputs, all_windows = [], []
    for kernel, (row_range, col_range) in zip(kernels, grids, strict=True):
        kh, kw = len(kernel[0]), len(kernel[0][0])
        taps = [(c, a, b) for c in range(channels) for a in range(kh) for b in range(kw)]
        rows: list[tuple[Number, ...]] = []
        windows: list[Window] = []
        for i in row_range:
            row = []
            for j in col_range:
                terms = [
                    (
                        padded[c][i * stride + a * dilation][j * stride + b * dilation] or 0,
                        kernel[c][a][b],
                    )
                    for c, a, b in taps
                ]
                value = sum((x * w for x, w in terms), start=0)
                row.append(value)
                if len(windows) < keep:
                    windows.append(Window(i, j, tuple(terms), value))
            rows.append(tuple(row))
        outputs.append(tuple(rows))
        all_windows.append(tuple(windows))
    return Operation("conv", tuple(outputs), tuple(all_windows))


def pool(
    volume: Volume,
    size: int,
    stride: int | None = None,
    padding: int = 0,
    dilation: int = 1,
    op: str = "max",
    steps: int = 0,
) -> Operation:
    """Max or average pooling per channel; average counts padding as PyTorch does by default.
    Average pooling has no dilation. The working of the first ``steps`` windows of each
    output is kept (at most :data:`MAX_STEPS`)."""
    if stride is None:
        stride = size
    _check_settings(size=size, stride=stride, padding=padding, dilation=dilation)
    if op == "avg" and dilation != 1:
        raise CnnCalcError("average pooling has no dilation")
    problem = pool_padding_problem((size, size), ((padding, padding), (padding, padding)))
    if problem:
        raise CnnCalcError(problem)
    keep = min(steps, MAX_STEPS)
    shape = (len(volume[0]), len(volume[0][0]))
    row_range, col_range = _grid(
        len(volume), shape, (size, size), (stride, padding, dilation), len(volume)
    )
    outputs, all_windows = [], []
    for matrix in volume:
        padded = _pad(matrix, padding, None if op == "max" else 0)
        rows: list[tuple[Number, ...]] = []
        windows: list[Window] = []
        for i in row_range:
            row = []
            for j in col_range:
                cells = [
                    padded[i * stride + a * dilation][j * stride + b * dilation]
                    for a in range(size)
                    for b in range(size)
                ]
                values = [c for c in cells if c is not None]
                value: Number
                if op == "max":
                    value = max(values)
                else:
                    total = Fraction(sum(values, start=0), len(cells))
                    value = int(total) if total.denominator == 1 else total
                row.append(value)
                if len(windows) < keep:
                    windows.append(Window(i, j, tuple((v, 1) for v in values), value))
            rows.append(tuple(row))
        outputs.append(tuple(rows))
        all_windows.append(tuple(windows))
    return Operation(op, tuple(outputs), tuple(all_windows))
