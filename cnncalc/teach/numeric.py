"""The operations themselves on small matrices: cross-correlation (what CNNs call
convolution) and max/average pooling, with every window's working kept.

Values are exact: integers stay integers, anything else is a Fraction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

from cnncalc.engine import formulas as f
from cnncalc.engine.checks import pool_padding_problem
from cnncalc.errors import CnnCalcError

Number = int | Fraction
Matrix = tuple[tuple[Number, ...], ...]
Volume = tuple[Matrix, ...]  # channels of matrices

MAX_CELLS = 1_000_000


def _number(text: str) -> Number:
    try:
        value = Fraction(text)
    except (ValueError, ZeroDivisionError):
        raise CnnCalcError(f"'{text}' is not a number") from None
    return int(value) if value.denominator == 1 else value


def parse_volume(text: str, what: str) -> Volume:
    """``"1 2 3; 4 5 6"``: rows split by ``;`` or new lines, channels by ``|``."""
    channels = []
    for chunk in text.split("|"):
        rows = [r for r in re.split(r"[;\n]", chunk) if r.strip()]
        matrix = tuple(tuple(_number(v) for v in re.split(r"[\s,]+", r.strip())) for r in rows)
        if not matrix:
            raise CnnCalcError(f"{what}: a channel has no numbers")
        if len({len(row) for row in matrix}) != 1:
            raise CnnCalcError(
                f"{what}: the rows have different lengths "
                f"({', '.join(str(len(r)) for r in matrix)})"
            )
        channels.append(matrix)
    if len({(len(m), len(m[0])) for m in channels}) != 1:
        raise CnnCalcError(f"{what}: the channels have different sizes")
    if len(channels) * len(channels[0]) * len(channels[0][0]) > MAX_CELLS:
        raise CnnCalcError(f"{what}: more than {MAX_CELLS:,} numbers; this is for small examples")
    return tuple(channels)


@dataclass(frozen=True)
class Window:
    """One output value and how it was made."""

    row: int
    col: int
    terms: tuple[tuple[Number, Number], ...]  # (input, weight) pairs, or (input, 1) for pools
    value: Number


@dataclass(frozen=True)
class Operation:
    """The result of one operation: one output matrix per filter (or channel)."""

    op: str
    outputs: tuple[Matrix, ...]
    windows: tuple[tuple[Window, ...], ...]


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


def correlate(
    volume: Volume,
    kernels: tuple[Volume, ...],
    stride: int = 1,
    padding: int = 0,
    dilation: int = 1,
) -> Operation:
    """Cross-correlation, as PyTorch's Conv2d computes it (no bias): one output per kernel."""
    _check_settings(stride=stride, padding=padding, dilation=dilation)
    channels, height, width = len(volume), len(volume[0]), len(volume[0][0])
    padded = [_pad(m, padding, 0) for m in volume]
    outputs, all_windows = [], []
    for kernel in kernels:
        if len(kernel) != channels:
            raise CnnCalcError(f"a kernel has {len(kernel)} channels; the input has {channels}")
        kh, kw = len(kernel[0]), len(kernel[0][0])
        rows, windows = [], []
        for i in _positions(height, kh, stride, padding, dilation):
            row = []
            for j in _positions(width, kw, stride, padding, dilation):
                terms = tuple(
                    (
                        padded[c][i * stride + a * dilation][j * stride + b * dilation] or 0,
                        kernel[c][a][b],
                    )
                    for c in range(channels)
                    for a in range(kh)
                    for b in range(kw)
                )
                value = sum((x * w for x, w in terms), start=0)
                row.append(value)
                windows.append(Window(i, j, terms, value))
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
) -> Operation:
    """Max or average pooling per channel; average counts padding as PyTorch does by default.
    Average pooling has no dilation."""
    if stride is None:
        stride = size
    _check_settings(size=size, stride=stride, padding=padding, dilation=dilation)
    if op == "avg" and dilation != 1:
        raise CnnCalcError("average pooling has no dilation")
    problem = pool_padding_problem((size, size), ((padding, padding), (padding, padding)))
    if problem:
        raise CnnCalcError(problem)
    outputs, all_windows = [], []
    for matrix in volume:
        padded = _pad(matrix, padding, None if op == "max" else 0)
        rows, windows = [], []
        for i in _positions(len(matrix), size, stride, padding, dilation):
            row = []
            for j in _positions(len(matrix[0]), size, stride, padding, dilation):
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
                windows.append(Window(i, j, tuple((v, 1) for v in values), value))
            rows.append(tuple(row))
        outputs.append(tuple(rows))
        all_windows.append(tuple(windows))
    return Operation(op, tuple(outputs), tuple(all_windows))
